import {
  type AuditEventRow,
  type AuditFilter,
  listAuditActions,
  listAuditEvents,
} from '../../platform/audit/audit.repository.ts';
import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import {
  type AuditSubject,
  type AuditSubjectProvider,
  auditSubjectIdFor,
  describeAuditSubjects,
} from '../../platform/audit/subjects.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../../platform/auth/passwords.ts';
import { isRole, type Role } from '../../platform/auth/permissions.ts';
import type { Principal, PrincipalResolver } from '../../platform/auth/principal.ts';
import { API_TOKEN_PREFIX, hmac, newApiToken, randomToken, sha256 } from '../../platform/auth/tokens.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { auditActionLabel } from './audit-actions.ts';
import { ApiTokenNameTaken, NoCouncil, UserAlreadyExists, ValidationFailed } from './governance.errors.ts';
import * as repo from './governance.repository.ts';

export type {
  ApiTokenRecord,
  CouncilRecord,
  SiteRecord,
  StaffUserRecord,
  TeamRecord,
} from './governance.repository.ts';

/** An audit event as the trail shows it: the action in words, and what its record is. */
export interface AuditTrailEvent extends AuditEventRow {
  actionLabel: string;
  /** Undefined when no module names records of this type, or the record is gone. */
  subject: AuditSubject | undefined;
}

export interface GovernanceSettings {
  sessionSecret: string;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  signInMaxAttempts: number;
  signInLockMinutes: number;
}

export type SignInResult =
  | { ok: true; sessionToken: string; principal: Principal }
  | { ok: false; reason: 'invalid' | 'locked'; lockedUntil?: Date };

export interface NewStaffUser {
  councilId: string;
  email: string;
  displayName: string;
  role: string;
  password: string;
  teamId?: string | null;
  siteId?: string | null;
  isDemo?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Don't write to the session row on every request; once a minute is enough for the idle timeout.
const TOUCH_AFTER_MS = 60_000;
// Integrations call the API many times a second; a verified token is trusted for this long before it
// is looked up again (so a revoked token stops working within this time).
const TOKEN_CACHE_MS = 10_000;
const TOKEN_CACHE_MAX = 1_000;

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

export function createGovernanceService(db: Executor, settings: GovernanceSettings) {
  const sessionId = (token: string) => hmac(settings.sessionSecret, token);
  const tokenCache = new Map<string, { principal: Principal; until: number }>();

  async function defaultCouncil(): Promise<repo.CouncilRecord> {
    const councils = await repo.listCouncils(db);
    const council = councils[0];
    if (!council) throw new NoCouncil();
    return council;
  }

  const resolver: PrincipalResolver = {
    async fromSessionToken(token) {
      if (token.length < 32 || token.length > 128) return null;
      const id = sessionId(token);
      const session = await repo.findSession(db, id);
      if (!session || session.disabled || !isRole(session.role)) return null;
      const now = session.now.getTime();
      const idleMs = settings.sessionIdleMinutes * 60_000;
      if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() > idleMs) {
        await repo.deleteSession(db, id);
        return null;
      }
      if (now - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) await repo.touchSession(db, id);
      return {
        kind: 'staff',
        councilId: session.councilId,
        id: session.userId,
        label: session.displayName,
        role: session.role,
        sessionId: id,
        csrfToken: session.csrfToken,
        email: session.email,
      };
    },
    async fromApiToken(token) {
      if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 128) return null;
      const hash = sha256(token);
      const cached = tokenCache.get(hash);
      if (cached && cached.until > Date.now()) return cached.principal;
      tokenCache.delete(hash);
      const record = await repo.findActiveApiToken(db, hash);
      if (!record || !isRole(record.role)) return null;
      // Recording the last use at most once a minute keeps the hot path to one read.
      if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > TOUCH_AFTER_MS) {
        await repo.markApiTokenUsed(db, record.id);
      }
      const principal: Principal = {
        kind: 'api',
        councilId: record.councilId,
        id: record.id,
        label: record.name,
        role: record.role,
      };
      if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
      tokenCache.set(hash, { principal, until: Date.now() + TOKEN_CACHE_MS });
      return principal;
    },
  };

  function validateNewUser(user: NewStaffUser): FieldError[] {
    const errors: FieldError[] = [];
    if (!EMAIL.test(user.email.trim()))
      errors.push({
        field: 'email',
        message: 'Enter an email address in the correct format, like name@council.gov.uk',
      });
    if (user.displayName.trim() === '') errors.push({ field: 'name', message: 'Enter the person’s name' });
    if (!isRole(user.role))
      errors.push({
        field: 'role',
        message: 'Choose a role: agent, officer, supervisor, admin, auditor or integration',
      });
    if (user.password.length < MIN_PASSWORD_LENGTH) {
      errors.push({
        field: 'password',
        message: `Password must be ${MIN_PASSWORD_LENGTH} characters or more`,
      });
    }
    return errors;
  }

  return {
    resolver,
    defaultCouncil,

    async getCouncil(councilId: string): Promise<repo.CouncilRecord> {
      const council = await repo.findCouncilById(db, councilId);
      if (!council) throw new NoCouncil();
      return council;
    },

    async hasCouncil(): Promise<boolean> {
      return (await repo.listCouncils(db)).length > 0;
    },

    async signIn(
      email: string,
      password: string,
      context: Omit<AuditContext, 'councilId'>,
    ): Promise<SignInResult> {
      const council = await defaultCouncil();
      const ctx: AuditContext = { ...context, councilId: council.id };
      const user = await repo.findUserByEmail(db, council.id, email.trim());
      const passwordOk = await verifyPassword(user?.passwordHash, password);
      return inTransaction(db, async (tx) => {
        if (!user || user.disabled || user.role === 'integration') {
          // Record the attempt without the email address typed, which may be personal data.
          await recordAudit(tx, ctx, {
            action: 'auth.sign_in_failed',
            details: { reason: 'unknown_account' },
          });
          return { ok: false, reason: 'invalid' };
        }
        if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
          await recordAudit(
            tx,
            { ...ctx, actorId: user.id, actorLabel: user.displayName },
            {
              action: 'auth.sign_in_failed',
              subjectType: 'staff_user',
              subjectId: user.id,
              details: { reason: 'locked' },
            },
          );
          return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil };
        }
        if (!passwordOk) {
          const state = await repo.recordFailedSignIn(
            tx,
            user.id,
            settings.signInMaxAttempts,
            settings.signInLockMinutes,
          );
          const locked = state.lockedUntil !== null && state.lockedUntil.getTime() > Date.now();
          await recordAudit(
            tx,
            { ...ctx, actorId: user.id, actorLabel: user.displayName },
            {
              action: locked ? 'auth.account_locked' : 'auth.sign_in_failed',
              subjectType: 'staff_user',
              subjectId: user.id,
              details: { reason: 'wrong_password' },
            },
          );
          return locked && state.lockedUntil
            ? { ok: false, reason: 'locked', lockedUntil: state.lockedUntil }
            : { ok: false, reason: 'invalid' };
        }
        if (!isRole(user.role)) return { ok: false, reason: 'invalid' };
        const sessionToken = randomToken();
        const id = sessionId(sessionToken);
        const csrfToken = randomToken();
        await repo.recordSuccessfulSignIn(tx, user.id);
        await repo.insertSession(tx, {
          id,
          councilId: council.id,
          userId: user.id,
          csrfToken,
          absoluteHours: settings.sessionAbsoluteHours,
        });
        await recordAudit(
          tx,
          { ...ctx, actorType: 'staff', actorId: user.id, actorLabel: user.displayName },
          {
            action: 'auth.sign_in',
            subjectType: 'staff_user',
            subjectId: user.id,
          },
        );
        const principal: Principal = {
          kind: 'staff',
          councilId: council.id,
          id: user.id,
          label: user.displayName,
          role: user.role,
          sessionId: id,
          csrfToken,
          email: user.email,
        };
        return { ok: true, sessionToken, principal };
      });
    },

    async signOut(principal: Principal, context: AuditContext): Promise<void> {
      if (!principal.sessionId) return;
      const id = principal.sessionId;
      await inTransaction(db, async (tx) => {
        await repo.deleteSession(tx, id);
        await recordAudit(tx, context, {
          action: 'auth.sign_out',
          subjectType: 'staff_user',
          subjectId: principal.id,
        });
      });
    },

    async createUser(user: NewStaffUser, context: AuditContext): Promise<string> {
      const errors = validateNewUser(user);
      if (errors.length > 0) throw new ValidationFailed(errors);
      const passwordHash = await hashPassword(user.password);
      try {
        return await inTransaction(db, async (tx) => {
          const id = await repo.insertUser(tx, {
            councilId: user.councilId,
            email: user.email.trim(),
            displayName: user.displayName.trim(),
            role: user.role,
            passwordHash,
            teamId: user.teamId ?? null,
            siteId: user.siteId ?? null,
            isDemo: user.isDemo ?? false,
          });
          await recordAudit(tx, context, {
            action: 'staff_user.created',
            subjectType: 'staff_user',
            subjectId: id,
            details: { role: user.role, demo: user.isDemo ?? false },
          });
          return id;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new UserAlreadyExists(user.email);
        throw error;
      }
    },

    async createApiToken(
      input: { councilId: string; name: string; role: string },
      context: AuditContext,
    ): Promise<{ id: string; token: string; role: Role }> {
      const errors: FieldError[] = [];
      const name = input.name.trim();
      if (name === '' || name.length > 100)
        errors.push({ field: 'name', message: 'Enter a name of up to 100 characters' });
      if (!isRole(input.role)) {
        errors.push({
          field: 'role',
          message: 'Choose a role: agent, officer, supervisor, admin, auditor or integration',
        });
      }
      if (errors.length > 0 || !isRole(input.role)) throw new ValidationFailed(errors);
      const role = input.role;
      const token = newApiToken();
      try {
        const id = await inTransaction(db, async (tx) => {
          const tokenId = await repo.insertApiToken(tx, {
            councilId: input.councilId,
            name,
            role,
            tokenHash: sha256(token),
            tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
          });
          await recordAudit(tx, context, {
            action: 'api_token.created',
            subjectType: 'api_token',
            subjectId: tokenId,
            details: { role },
          });
          return tokenId;
        });
        return { id, token, role };
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiTokenNameTaken(name);
        throw error;
      }
    },

    listUsers: (councilId: string, search?: string) => repo.listUsers(db, councilId, search),
    listApiTokens: (councilId: string) => repo.listApiTokens(db, councilId),
    listSites: (councilId: string) => repo.listSites(db, councilId),
    listTeams: (councilId: string) => repo.listTeams(db, councilId),

    async listAudit(councilId: string, filter: AuditFilter, limit: number): Promise<AuditEventRow[]> {
      return listAuditEvents(db, councilId, filter, limit);
    },
    listAuditActions: (councilId: string) => listAuditActions(db, councilId),

    /**
     * The audit trail as staff read it. The record filter may be a uuid or a human reference (P-…,
     * GH-…) that a subject provider recognises; each page's records are named with one look-up per
     * record type. Naming them is not audited: the auditor may already see who was looked at.
     */
    async auditTrail(
      councilId: string,
      filter: AuditFilter,
      limit: number,
      subjects: readonly AuditSubjectProvider[],
    ): Promise<AuditTrailEvent[]> {
      const subjectId = filter.subjectId
        ? await auditSubjectIdFor(subjects, councilId, filter.subjectId)
        : undefined;
      const events = await listAuditEvents(db, councilId, { ...filter, subjectId }, limit);
      const described = await describeAuditSubjects(subjects, councilId, events);
      return events.map((e) => ({
        ...e,
        actionLabel: auditActionLabel(e.action),
        subject: described.get(`${e.subjectType}:${e.subjectId}`),
      }));
    },

    /** Every action on the council's trail with its plain words, for the filter. */
    async auditActionOptions(councilId: string): Promise<{ code: string; label: string }[]> {
      const codes = await listAuditActions(db, councilId);
      return codes
        .map((code) => ({ code, label: auditActionLabel(code) }))
        .sort((a, b) => a.label.localeCompare(b.label));
    },

    purgeExpiredSessions: () => repo.deleteExpiredSessions(db, settings.sessionIdleMinutes),
    countDemoUsers: () => repo.countDemoUsers(db),
  };
}

export type GovernanceService = ReturnType<typeof createGovernanceService>;

export interface CouncilSetup {
  council: repo.NewCouncil;
  sites: { name: string; kind: string; address: string | null }[];
  teams: { name: string; kind: string; email: string | null }[];
}

/** Creates a council with its sites and teams in one transaction. */
export async function setUpCouncil(
  db: Executor,
  setup: CouncilSetup,
  context: AuditContext,
): Promise<{ council: repo.CouncilRecord; sites: repo.SiteRecord[]; teams: repo.TeamRecord[] }> {
  return inTransaction(db, async (tx) => {
    const council = await repo.insertCouncil(tx, setup.council);
    const sites = [];
    for (const site of setup.sites) sites.push(await repo.insertSite(tx, council.id, site));
    const teams = [];
    for (const team of setup.teams) teams.push(await repo.insertTeam(tx, council.id, team));
    await recordAudit(
      tx,
      { ...context, councilId: council.id },
      {
        action: 'council.created',
        subjectType: 'council',
        subjectId: council.id,
        details: { sites: sites.length, teams: teams.length },
      },
    );
    return { council, sites, teams };
  });
}
