import type { AuditContext } from '../../platform/audit/audit.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../../platform/auth/passwords.ts';
import { randomToken, sha256 } from '../../platform/auth/tokens.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { type FieldError, ValidationFailed } from '../../platform/http/errors.ts';
import type { SelfServiceParties } from '../parties/index.ts';
import * as repo from './accounts.repository.ts';

export type { AccountRecord } from './accounts.repository.ts';

/** The one thing accounts need from notifications: queue an email in the caller's transaction. */
export type AccountMessageSender = (
  tx: Tx,
  message: {
    councilId: string;
    template: 'email_verification' | 'account_exists';
    channel: 'email';
    to: string;
    language: 'en' | 'cy';
    personalisation: Record<string, string | number | null>;
  },
) => Promise<unknown>;

export interface AccountsDeps {
  parties: SelfServiceParties;
  send: AccountMessageSender;
  /** The portal's public address, e.g. https://www.example.gov.uk: links in emails start with it. */
  publicUrl: string;
  signInMaxAttempts: number;
  signInLockMinutes: number;
  now?: () => Date;
}

export const VERIFICATION_HOURS = 24;
/** A second verification email within this time is not sent (the first is on its way). */
const RESEND_GAP_MS = 60_000;
const MAX_PASSWORD_LENGTH = 256;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewAccountInput {
  email?: string;
  password?: string;
  givenNames?: string;
  familyName?: string;
  language?: 'en' | 'cy';
}

/** An identity an OpenID Connect provider vouched for. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  givenName?: string | null;
  familyName?: string | null;
}

export type SignInResult =
  | { ok: true; account: repo.AccountRecord }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; lockedUntil: Date };

export function normaliseAccountEmail(value: string | undefined): string | null {
  const trimmed = (value ?? '').trim();
  return trimmed.length <= 254 && EMAIL.test(trimmed) ? trimmed.toLowerCase() : null;
}

/** Field errors for a new account, with codes the portal turns into English or Welsh text. */
export function newAccountErrors(input: NewAccountInput): FieldError[] {
  const errors: FieldError[] = [];
  if (!input.givenNames?.trim()) errors.push({ field: 'givenNames', message: 'Enter your first name' });
  if (!input.familyName?.trim()) errors.push({ field: 'familyName', message: 'Enter your last name' });
  if (!input.email?.trim()) errors.push({ field: 'email', message: 'Enter your email address' });
  else if (!normaliseAccountEmail(input.email))
    errors.push({
      field: 'email',
      message: 'Enter an email address in the correct format, like name@example.com',
    });
  const password = input.password ?? '';
  if (password.length < MIN_PASSWORD_LENGTH)
    errors.push({
      field: 'password',
      message: `Your password must be at least ${MIN_PASSWORD_LENGTH} characters long`,
    });
  else if (password.length > MAX_PASSWORD_LENGTH)
    errors.push({
      field: 'password',
      message: `Your password must be ${MAX_PASSWORD_LENGTH} characters or fewer`,
    });
  return errors;
}

/**
 * Citizen accounts: email and password (argon2id) with a verified email address, or an OpenID Connect
 * identity; each linked to one person in the party register once the address is verified.
 */
export function createAccountsService(db: Executor, deps: AccountsDeps) {
  const now = deps.now ?? (() => new Date());
  const link = (path: string) => `${deps.publicUrl.replace(/\/+$/, '')}${path}`;

  /** Queues a verification link for the account in the caller's transaction. */
  async function sendVerification(
    tx: Tx,
    account: { id: string; councilId: string; email: string },
    language: 'en' | 'cy',
  ) {
    const token = randomToken();
    await repo.insertToken(tx, {
      id: sha256(token),
      councilId: account.councilId,
      accountId: account.id,
      expiresAt: new Date(now().getTime() + VERIFICATION_HOURS * 3_600_000),
    });
    await deps.send(tx, {
      councilId: account.councilId,
      template: 'email_verification',
      channel: 'email',
      to: account.email,
      language,
      personalisation: {
        verificationUrl: link(`/account/verify?token=${token}`),
        expiresInHours: VERIFICATION_HOURS,
      },
    });
  }

  /** Links a verified account to its person (found by the verified address, or created). */
  async function ensureLinked(
    account: repo.AccountRecord,
    context: AuditContext,
  ): Promise<repo.AccountRecord> {
    if (!account.emailVerifiedAt) return account;
    if (account.partyId) {
      const current = await deps.parties.currentPartyId(account.councilId, account.partyId);
      if (current === account.partyId) return account;
      if (current) {
        await repo.setParty(db, account.id, current);
        return { ...account, partyId: current };
      }
    }
    const partyId = await deps.parties.linkVerifiedEmail(
      account.councilId,
      { email: account.email, givenNames: account.givenName, familyName: account.familyName },
      context,
    );
    if (!partyId) return account;
    await inTransaction(db, async (tx) => {
      await repo.setParty(tx, account.id, partyId);
      await recordAudit(tx, context, {
        action: 'account.linked',
        subjectType: 'citizen_account',
        subjectId: account.id,
        details: { partyId },
      });
    });
    return { ...account, partyId };
  }

  const citizen = (context: AuditContext, accountId: string): AuditContext => ({
    ...context,
    actorType: 'citizen',
    actorId: accountId,
    actorLabel: 'citizen (online account)',
  });

  return {
    /**
     * Creates an account and emails a verification link. When the address already has an account, it
     * emails that person instead, and the caller sees the same outcome: nobody learns from this form
     * which addresses have accounts. The password is hashed either way, so the time taken is the same.
     */
    async create(councilId: string, input: NewAccountInput, context: AuditContext): Promise<void> {
      const errors = newAccountErrors(input);
      if (errors.length) throw new ValidationFailed(errors);
      const email = normaliseAccountEmail(input.email) as string;
      const language = input.language ?? 'en';
      const passwordHash = await hashPassword(input.password ?? '');
      await inTransaction(db, async (tx) => {
        const id = await repo.insertAccount(tx, {
          councilId,
          email,
          passwordHash,
          givenName: input.givenNames?.trim().slice(0, 100) ?? null,
          familyName: input.familyName?.trim().slice(0, 100) ?? null,
          emailVerified: false,
        });
        if (id) {
          await recordAudit(tx, citizen({ ...context, councilId }, id), {
            action: 'account.created',
            subjectType: 'citizen_account',
            subjectId: id,
          });
          await sendVerification(tx, { id, councilId, email }, language);
          return;
        }
        const existing = await repo.findAccountByEmail(tx, councilId, email);
        if (!existing) return;
        await recordAudit(
          tx,
          { ...context, councilId },
          {
            action: 'account.create_refused',
            subjectType: 'citizen_account',
            subjectId: existing.id,
            details: { reason: 'email_has_account' },
          },
        );
        await deps.send(tx, {
          councilId,
          template: 'account_exists',
          channel: 'email',
          to: email,
          language,
          personalisation: { signInUrl: link('/account/sign-in') },
        });
      });
    },

    /** Sends a fresh verification link (the earlier one stops working); quietly not within a minute of the last. */
    async resendVerification(
      councilId: string,
      accountId: string,
      language: 'en' | 'cy',
      context: AuditContext,
    ): Promise<void> {
      const account = await repo.findAccount(db, councilId, accountId);
      if (!account || account.emailVerifiedAt) return;
      const last = await repo.latestTokenAt(db, account.id);
      if (last && now().getTime() - last.getTime() < RESEND_GAP_MS) return;
      await inTransaction(db, async (tx) => {
        await sendVerification(tx, account, language);
        await recordAudit(tx, citizen(context, account.id), {
          action: 'account.verification_sent',
          subjectType: 'citizen_account',
          subjectId: account.id,
        });
      });
    },

    /**
     * Spends a verification link: the account's address is verified and the account linked to its
     * person. Null for a link that is unknown, used or expired.
     */
    async verify(
      councilId: string,
      token: string,
      context: AuditContext,
    ): Promise<repo.AccountRecord | null> {
      if (!token || token.length > 100) return null;
      const accountId = await inTransaction(db, async (tx) => {
        const id = await repo.useToken(tx, councilId, sha256(token), now());
        if (!id) return undefined;
        await repo.markVerified(tx, id, null);
        await recordAudit(tx, citizen(context, id), {
          action: 'account.email_verified',
          subjectType: 'citizen_account',
          subjectId: id,
        });
        return id;
      });
      if (!accountId) return null;
      const account = await repo.findAccount(db, councilId, accountId);
      return account ? ensureLinked(account, citizen(context, account.id)) : null;
    },

    /**
     * Checks an email address and password. Unknown addresses cost the same time as known ones (a
     * decoy hash), and say the same thing. Repeated failures lock the account for a while.
     */
    async signIn(
      councilId: string,
      emailInput: string,
      password: string,
      context: AuditContext,
    ): Promise<SignInResult> {
      const email = normaliseAccountEmail(emailInput);
      const account = email ? await repo.findAccountByEmail(db, councilId, email) : undefined;
      const passwordOk = await verifyPassword(account?.passwordHash, password);
      const result = await inTransaction(db, async (tx): Promise<SignInResult> => {
        if (!account) {
          await recordAudit(
            tx,
            { ...context, councilId },
            {
              action: 'account.sign_in_failed',
              details: { reason: 'unknown_account' },
            },
          );
          return { ok: false, reason: 'invalid' };
        }
        const ctx = citizen({ ...context, councilId }, account.id);
        const subject = { subjectType: 'citizen_account', subjectId: account.id } as const;
        if (account.lockedUntil && account.lockedUntil > now()) {
          await recordAudit(tx, ctx, {
            action: 'account.sign_in_failed',
            ...subject,
            details: { reason: 'locked' },
          });
          return { ok: false, reason: 'locked', lockedUntil: account.lockedUntil };
        }
        if (!passwordOk) {
          const lockedUntil = await repo.recordFailedSignIn(
            tx,
            account.id,
            deps.signInMaxAttempts,
            deps.signInLockMinutes,
          );
          const locked = lockedUntil !== null && lockedUntil > now();
          await recordAudit(tx, ctx, {
            action: locked ? 'account.locked' : 'account.sign_in_failed',
            ...subject,
            details: { reason: 'wrong_password' },
          });
          return locked ? { ok: false, reason: 'locked', lockedUntil } : { ok: false, reason: 'invalid' };
        }
        await repo.recordSuccessfulSignIn(tx, account.id);
        await recordAudit(tx, ctx, { action: 'account.sign_in', ...subject });
        return { ok: true, account };
      });
      if (!result.ok) return result;
      return { ok: true, account: await ensureLinked(result.account, citizen(context, result.account.id)) };
    },

    /**
     * Signs in with an identity from an OpenID Connect provider: the account that identity made or
     * linked before, else the account with its verified email address (now linked to it), else a new
     * account. Only an address the provider verified is trusted for matching.
     */
    async signInWithOidc(
      councilId: string,
      identity: OidcIdentity,
      context: AuditContext,
    ): Promise<repo.AccountRecord> {
      const email = identity.emailVerified ? normaliseAccountEmail(identity.email ?? undefined) : null;
      const account = await inTransaction(db, async (tx) => {
        let found = await repo.findAccountByOidc(tx, councilId, identity.issuer, identity.subject);
        if (!found && email) {
          found = await repo.findAccountByEmail(tx, councilId, email, { forUpdate: true });
          if (found?.oidcSubject && found.oidcIssuer === identity.issuer) found = undefined;
          if (found) {
            await repo.linkOidc(tx, found.id, identity.issuer, identity.subject);
            await repo.markVerified(tx, found.id, null);
          }
        }
        if (!found) {
          if (!email)
            throw new ValidationFailed([
              { field: 'email', message: 'The provider did not give a verified email address' },
            ]);
          const id = await repo.insertAccount(tx, {
            councilId,
            email,
            passwordHash: null,
            givenName: identity.givenName ?? null,
            familyName: identity.familyName ?? null,
            emailVerified: true,
            oidcIssuer: identity.issuer,
            oidcSubject: identity.subject,
          });
          if (!id)
            throw new ValidationFailed([
              { field: 'email', message: 'This email address already has an account' },
            ]);
          await recordAudit(tx, citizen({ ...context, councilId }, id), {
            action: 'account.created',
            subjectType: 'citizen_account',
            subjectId: id,
            details: { through: 'oidc' },
          });
          found = await repo.findAccount(tx, councilId, id);
        }
        if (!found) throw new Error('account vanished');
        await repo.recordSuccessfulSignIn(tx, found.id);
        await recordAudit(tx, citizen({ ...context, councilId }, found.id), {
          action: 'account.sign_in',
          subjectType: 'citizen_account',
          subjectId: found.id,
          details: { through: 'oidc' },
        });
        return found;
      });
      const fresh = (await repo.findAccount(db, councilId, account.id)) ?? account;
      return ensureLinked(fresh, citizen(context, fresh.id));
    },

    async get(councilId: string, accountId: string): Promise<repo.AccountRecord | null> {
      if (!/^[0-9a-f-]{36}$/i.test(accountId)) return null;
      return (await repo.findAccount(db, councilId, accountId)) ?? null;
    },

    /** Links a verified account that has no person yet (after the citizen gives their name). */
    async linkWithName(
      councilId: string,
      accountId: string,
      name: { givenNames: string; familyName: string },
      context: AuditContext,
    ): Promise<repo.AccountRecord | null> {
      const account = await repo.findAccount(db, councilId, accountId);
      if (!account) return null;
      return ensureLinked(
        { ...account, givenName: name.givenNames, familyName: name.familyName },
        citizen(context, account.id),
      );
    },

    /** Online accounts linked to a party (for the staff single view). */
    accountsOfParty: (councilId: string, partyId: string) => repo.findAccountsOfParty(db, councilId, partyId),

    /** The audit context for something a signed-in citizen does. */
    citizenContext: citizen,
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
