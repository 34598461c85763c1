import path from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  /** Where the embedded PGlite database and its socket live. */
  readonly dataDir: string;
  /** A Postgres server; when absent, the embedded database is used. */
  readonly databaseUrl: string | undefined;
  readonly allowEmbeddedInProduction: boolean;
  readonly sessionSecret: string | undefined;
  readonly sessionIdleMinutes: number;
  readonly sessionAbsoluteHours: number;
  readonly signInMaxAttempts: number;
  readonly signInLockMinutes: number;
  readonly logLevel: LogLevel;
  /** Run the job worker inside the web process (the embedded default). */
  readonly inProcessWorker: boolean;
  readonly databasePoolMax: number;
  /** Prepare repeated statements by name on a Postgres server (off for poolers that cannot). */
  readonly databasePreparedStatements: boolean;
  /** Mark cookies Secure outside production too (always on in production). */
  readonly secureCookies: boolean;
  /** Trust X-Forwarded-* from a reverse proxy (set when Guildhall runs behind one). */
  readonly trustProxy: boolean;
  /** Map tiles for property pages (https://…/{z}/{x}/{y}.png); without it pages show no map. */
  readonly mapTileUrl: string | undefined;
  /** Where email and text messages go: outbox (stored for staff to read), notify (GOV.UK Notify) or smtp. */
  readonly notifications: NotificationsConfig;
  /** The public address of the portal, for links in emails (PUBLIC_URL; http://localhost:PORT by default). */
  readonly publicUrl: string;
  /** Citizen sign-in through an OpenID Connect provider (GOV.UK One Login); absent when not configured. */
  readonly oidc: OidcSettings | undefined;
}

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** PEM private key for private_key_jwt client authentication (One Login's way). */
  readonly privateKey: string | undefined;
  readonly redirectUri: string;
  readonly scopes: string;
  readonly name: string;
}

export type NotificationsAdapterName = 'outbox' | 'notify' | 'smtp';

export interface NotificationsConfig {
  readonly adapter: NotificationsAdapterName;
  readonly notify: {
    readonly apiKey: string | undefined;
    readonly baseUrl: string;
    /** Notify templates whose content is ((subject)) / ((body)); Guildhall renders the text itself. */
    readonly emailTemplateId: string | undefined;
    readonly smsTemplateId: string | undefined;
  };
  readonly smtp: {
    readonly host: string | undefined;
    readonly port: number;
    readonly secure: boolean;
    readonly user: string | undefined;
    readonly password: string | undefined;
    readonly from: string | undefined;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Guildhall cannot start. Fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads and validates every setting at once, so that start-up lists every problem rather than the first.
 * Settings that only make sense in production are checked in `assertProductionReady` once the database is open.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, but is "${raw}"`);
      return fallback;
    }
    return value;
  };
  const flag = (name: string): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return false;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be 1 or 0, but is "${raw}"`);
    return false;
  };

  const rawEnv = env.NODE_ENV ?? 'development';
  let nodeEnv: NodeEnv = 'development';
  if (rawEnv === 'development' || rawEnv === 'production' || rawEnv === 'test') nodeEnv = rawEnv;
  else problems.push(`NODE_ENV must be development, production or test, but is "${rawEnv}"`);

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined) {
    try {
      const url = new URL(databaseUrl);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        problems.push('DATABASE_URL must start with postgres:// or postgresql://');
      }
    } catch {
      problems.push(
        'DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/database)',
      );
    }
  }

  const sessionSecret = env.SESSION_SECRET?.trim() || undefined;
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    problems.push('SESSION_SECRET must be at least 32 characters long (try: openssl rand -hex 32)');
  }

  const rawLevel = (env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info')).toLowerCase();
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(rawLevel)) logLevel = rawLevel as LogLevel;
  else problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, but is "${rawLevel}"`);

  const allowEmbeddedInProduction = flag('GUILDHALL_ALLOW_EMBEDDED');
  const mapTileUrl = env.MAP_TILE_URL?.trim() || undefined;
  if (mapTileUrl !== undefined && !/^https:\/\/[^\s]+\{z\}.*\{x\}.*\{y\}/.test(mapTileUrl)) {
    problems.push('MAP_TILE_URL must be an https:// URL with {z}, {x} and {y} in it');
  }
  const notifications = notificationsConfig(env, nodeEnv, problems, integer, flag);
  const port = integer('PORT', 3000, 0, 65535);
  const config: Config = {
    nodeEnv,
    host: env.HOST?.trim() || '0.0.0.0',
    port,
    dataDir: path.resolve(cwd, env.GUILDHALL_DATA_DIR?.trim() || '.guildhall'),
    databaseUrl,
    allowEmbeddedInProduction,
    sessionSecret,
    sessionIdleMinutes: integer('SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionAbsoluteHours: integer('SESSION_ABSOLUTE_HOURS', 10, 1, 24 * 7),
    signInMaxAttempts: integer('SIGN_IN_MAX_ATTEMPTS', 5, 1, 100),
    signInLockMinutes: integer('SIGN_IN_LOCK_MINUTES', 15, 1, 24 * 60),
    logLevel,
    inProcessWorker:
      env.GUILDHALL_WORKER === undefined ? databaseUrl === undefined : flag('GUILDHALL_WORKER'),
    databasePoolMax: integer('DATABASE_POOL_MAX', 10, 1, 200),
    databasePreparedStatements:
      env.DATABASE_PREPARED_STATEMENTS === undefined ? true : flag('DATABASE_PREPARED_STATEMENTS'),
    // Browsers accept Secure cookies from http://localhost, so the demo works with them on.
    secureCookies: env.COOKIE_SECURE === undefined ? true : flag('COOKIE_SECURE'),
    trustProxy: flag('TRUST_PROXY'),
    mapTileUrl,
    notifications,
    publicUrl: publicUrlOf(env, problems) ?? `http://localhost:${port}`,
    oidc: oidcConfig(env, problems),
  };

  if (nodeEnv === 'production') {
    if (sessionSecret === undefined) problems.push('SESSION_SECRET must be set in production');
    if (databaseUrl === undefined && !allowEmbeddedInProduction) {
      problems.push(
        'DATABASE_URL must point at a Postgres server in production (or set GUILDHALL_ALLOW_EMBEDDED=1 to accept the embedded database)',
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** A web address that is https://, or http:// on this machine (for local fakes and the demo). */
function webAddress(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    );
  } catch {
    return false;
  }
}

function publicUrlOf(env: Env, problems: string[]): string | undefined {
  const raw = env.PUBLIC_URL?.trim() || undefined;
  if (raw !== undefined && !webAddress(raw))
    problems.push('PUBLIC_URL must be the https:// address citizens use, like https://www.example.gov.uk');
  return raw?.replace(/\/+$/, '');
}

function oidcConfig(env: Env, problems: string[]): OidcSettings | undefined {
  const issuer = env.OIDC_ISSUER?.trim() || undefined;
  const clientId = env.OIDC_CLIENT_ID?.trim() || undefined;
  const redirectUri = env.OIDC_REDIRECT_URI?.trim() || undefined;
  const clientSecret = env.OIDC_CLIENT_SECRET?.trim() || undefined;
  const privateKey = env.OIDC_PRIVATE_KEY?.trim().replace(/\\n/g, '\n') || undefined;
  if (!issuer && !clientId && !redirectUri && !clientSecret && !privateKey) return undefined;
  const before = problems.length;
  if (!issuer || !webAddress(issuer))
    problems.push('OIDC_ISSUER must be the provider’s https:// issuer, like https://oidc.account.gov.uk/');
  if (!clientId) problems.push('OIDC_CLIENT_ID must be set when OIDC_ISSUER is');
  if (!redirectUri || !webAddress(redirectUri))
    problems.push('OIDC_REDIRECT_URI must be the https:// address of /account/oidc/callback on this portal');
  if (!clientSecret && !privateKey)
    problems.push('OIDC_CLIENT_SECRET or OIDC_PRIVATE_KEY (PEM) must be set when OIDC_ISSUER is');
  if (privateKey && !privateKey.startsWith('-----BEGIN'))
    problems.push('OIDC_PRIVATE_KEY must be a PEM private key (-----BEGIN PRIVATE KEY-----)');
  if (problems.length > before || !issuer || !clientId || !redirectUri) return undefined;
  return {
    issuer,
    clientId,
    clientSecret,
    privateKey,
    redirectUri,
    scopes: env.OIDC_SCOPES?.trim() || 'openid email',
    name: env.OIDC_PROVIDER_NAME?.trim() || 'GOV.UK One Login',
  };
}

const NOTIFICATIONS_ADAPTERS: readonly NotificationsAdapterName[] = ['outbox', 'notify', 'smtp'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Email and SMS settings; production must choose an adapter rather than fall back to the outbox. */
function notificationsConfig(
  env: Env,
  nodeEnv: NodeEnv,
  problems: string[],
  integer: (name: string, fallback: number, min: number, max: number) => number,
  flag: (name: string) => boolean,
): NotificationsConfig {
  const raw = env.NOTIFICATIONS_ADAPTER?.trim().toLowerCase() || undefined;
  let adapter: NotificationsAdapterName = 'outbox';
  if (raw === undefined) {
    if (nodeEnv === 'production')
      problems.push(
        'NOTIFICATIONS_ADAPTER must be set in production: notify (GOV.UK Notify), smtp, or outbox to keep messages in Guildhall unsent',
      );
  } else if ((NOTIFICATIONS_ADAPTERS as readonly string[]).includes(raw)) {
    adapter = raw as NotificationsAdapterName;
  } else {
    problems.push(
      `NOTIFICATIONS_ADAPTER must be one of ${NOTIFICATIONS_ADAPTERS.join(', ')}, but is "${raw}"`,
    );
  }

  const apiKey = env.NOTIFY_API_KEY?.trim() || undefined;
  const baseUrl = (env.NOTIFY_BASE_URL?.trim() || 'https://api.notifications.service.gov.uk').replace(
    /\/+$/,
    '',
  );
  const emailTemplateId = env.NOTIFY_EMAIL_TEMPLATE_ID?.trim() || undefined;
  const smsTemplateId = env.NOTIFY_SMS_TEMPLATE_ID?.trim() || undefined;
  if (apiKey !== undefined && !new RegExp(`-${UUID}-${UUID}$`, 'i').test(apiKey)) {
    problems.push(
      'NOTIFY_API_KEY must be a GOV.UK Notify API key: its name, then the service id and the secret key (two UUIDs), joined by hyphens',
    );
  }
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
  } catch {
    problems.push(`NOTIFY_BASE_URL must be an http(s) URL, but is "${baseUrl}"`);
  }
  for (const [name, value] of [
    ['NOTIFY_EMAIL_TEMPLATE_ID', emailTemplateId],
    ['NOTIFY_SMS_TEMPLATE_ID', smsTemplateId],
  ] as const) {
    if (value !== undefined && !new RegExp(`^${UUID}$`, 'i').test(value))
      problems.push(`${name} must be the id (a UUID) of a template in GOV.UK Notify`);
  }
  if (adapter === 'notify') {
    if (apiKey === undefined)
      problems.push('NOTIFY_API_KEY must be set when NOTIFICATIONS_ADAPTER is notify');
    if (emailTemplateId === undefined)
      problems.push('NOTIFY_EMAIL_TEMPLATE_ID must be set when NOTIFICATIONS_ADAPTER is notify');
    if (smsTemplateId === undefined)
      problems.push('NOTIFY_SMS_TEMPLATE_ID must be set when NOTIFICATIONS_ADAPTER is notify');
  }

  const smtpHost = env.SMTP_HOST?.trim() || undefined;
  const smtpFrom = env.SMTP_FROM?.trim() || undefined;
  const smtpSecure = flag('SMTP_SECURE');
  const smtpUser = env.SMTP_USER?.trim() || undefined;
  const smtpPassword = env.SMTP_PASSWORD || undefined;
  if (adapter === 'smtp') {
    if (smtpHost === undefined) problems.push('SMTP_HOST must be set when NOTIFICATIONS_ADAPTER is smtp');
    if (smtpFrom === undefined)
      problems.push('SMTP_FROM must be set when NOTIFICATIONS_ADAPTER is smtp (the From address)');
  }
  if ((smtpUser === undefined) !== (smtpPassword === undefined))
    problems.push('SMTP_USER and SMTP_PASSWORD must be set together');

  return {
    adapter,
    notify: { apiKey, baseUrl, emailTemplateId, smsTemplateId },
    smtp: {
      host: smtpHost,
      port: integer('SMTP_PORT', smtpSecure ? 465 : 587, 1, 65535),
      secure: smtpSecure,
      user: smtpUser,
      password: smtpPassword,
      from: smtpFrom,
    },
  };
}
