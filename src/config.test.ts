import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env, '/srv/guildhall');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('configuration', () => {
  it('has sensible defaults: port 3000 and an embedded database under ./.guildhall', () => {
    const config = loadConfig({}, '/srv/guildhall');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('/srv/guildhall/.guildhall');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.inProcessWorker).toBe(true);
  });

  it('honours PORT and GUILDHALL_DATA_DIR', () => {
    const config = loadConfig({ PORT: '8080', GUILDHALL_DATA_DIR: 'data' }, '/srv/guildhall');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/srv/guildhall/data');
  });

  it('lists every problem at once, not just the first', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      SESSION_SECRET: 'short',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/SESSION_SECRET/);
  });

  it('refuses production without a session secret or with the embedded database', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      expect.stringMatching(/NOTIFICATIONS_ADAPTER must be set in production/),
      'SESSION_SECRET must be set in production',
      expect.stringMatching(/DATABASE_URL must point at a Postgres server in production/),
    ]);
  });

  it('allows the embedded database in production only when asked to', () => {
    const secret = 'x'.repeat(40);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        GUILDHALL_ALLOW_EMBEDDED: '1',
        NOTIFICATIONS_ADAPTER: 'outbox',
      }),
    ).toEqual([]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        SESSION_SECRET: secret,
        DATABASE_URL: 'postgresql://db/guildhall',
        NOTIFICATIONS_ADAPTER: 'outbox',
      }),
    ).toEqual([]);
  });

  it('defaults to the outbox outside production and checks what each notifications adapter needs', () => {
    expect(loadConfig({}, '/srv/guildhall').notifications.adapter).toBe('outbox');
    expect(problemsOf({ NOTIFICATIONS_ADAPTER: 'pigeon' })).toEqual([
      'NOTIFICATIONS_ADAPTER must be one of outbox, notify, smtp, but is "pigeon"',
    ]);
    expect(problemsOf({ NOTIFICATIONS_ADAPTER: 'notify', NOTIFY_API_KEY: 'not-a-key' })).toEqual([
      expect.stringMatching(/NOTIFY_API_KEY must be a GOV.UK Notify API key/),
      'NOTIFY_EMAIL_TEMPLATE_ID must be set when NOTIFICATIONS_ADAPTER is notify',
      'NOTIFY_SMS_TEMPLATE_ID must be set when NOTIFICATIONS_ADAPTER is notify',
    ]);
    expect(problemsOf({ NOTIFICATIONS_ADAPTER: 'smtp', SMTP_USER: 'mailer' })).toEqual([
      'SMTP_HOST must be set when NOTIFICATIONS_ADAPTER is smtp',
      'SMTP_FROM must be set when NOTIFICATIONS_ADAPTER is smtp (the From address)',
      'SMTP_USER and SMTP_PASSWORD must be set together',
    ]);
    const uuid = '3d4b3a8e-1c2f-4e5a-9b6c-7d8e9f0a1b2c';
    const config = loadConfig(
      {
        NOTIFICATIONS_ADAPTER: 'notify',
        NOTIFY_API_KEY: `guildhall_live-${uuid}-${uuid}`,
        NOTIFY_EMAIL_TEMPLATE_ID: uuid,
        NOTIFY_SMS_TEMPLATE_ID: uuid,
      },
      '/srv/guildhall',
    );
    expect(config.notifications.notify.baseUrl).toBe('https://api.notifications.service.gov.uk');
  });

  it('turns on citizen OIDC only when it is fully configured, and names each missing piece', () => {
    expect(loadConfig({}, '/srv/guildhall').oidc).toBeUndefined();
    expect(problemsOf({ OIDC_ISSUER: 'http://oidc.example.com' })).toEqual([
      expect.stringMatching(/^OIDC_ISSUER must be the provider’s https:\/\/ issuer/),
      'OIDC_CLIENT_ID must be set when OIDC_ISSUER is',
      expect.stringMatching(/^OIDC_REDIRECT_URI must be/),
      expect.stringMatching(/^OIDC_CLIENT_SECRET or OIDC_PRIVATE_KEY/),
    ]);
    const config = loadConfig(
      {
        OIDC_ISSUER: 'https://oidc.account.gov.uk/',
        OIDC_CLIENT_ID: 'client',
        OIDC_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----',
        OIDC_REDIRECT_URI: 'https://council.example.gov.uk/account/oidc/callback',
        PUBLIC_URL: 'https://council.example.gov.uk/',
      },
      '/srv/guildhall',
    );
    expect(config.oidc).toMatchObject({ issuer: 'https://oidc.account.gov.uk/', scopes: 'openid email' });
    expect(config.oidc?.privateKey).toBe('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----');
    expect(config.publicUrl).toBe('https://council.example.gov.uk');
    expect(loadConfig({ PORT: '8080' }, '/srv/guildhall').publicUrl).toBe('http://localhost:8080');
    expect(problemsOf({ PUBLIC_URL: 'ftp://x' })).toEqual([expect.stringMatching(/^PUBLIC_URL must be/)]);
  });
});
