import type { AuditContext } from '../../platform/audit/audit.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../../platform/auth/passwords.ts';
import { randomToken, sha256 } from '../../platform/auth/tokens.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/together.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { type FieldError, ValidationFailed } from '../../platform/http/errors.ts';
import { publicLink } from '../../platform/http/public-link.ts';
import type { SelfServiceParties } from '../parties/index.ts';
import { AccountLocked } from './accounts.errors.ts';
import * as repo from './accounts.repository.ts';

export type { AccountRecord } from './accounts.repository.ts';

/** The one thing accounts need from notifications: queue an email in the caller's transaction. */
export type AccountMessageSender = (
  tx: Tx,
  message: {
    councilId: string;
    template:
      | 'email_verification'
      | 'account_exists'
      | 'password_reset'
      | 'email_change_verification'
      | 'email_changed';
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
  /**
   * Ends every portal session signed in to the account, in the caller's transaction: a new password
   * signs the account out everywhere. (Deleting the account ends them too, by cascade.)
   */
  endSessions?: (tx: Tx, councilId: string, accountId: string) => Promise<unknown>;
  /** The OpenID Connect provider's name ("GOV.UK One Login"), for emails to accounts without a password. */
  oidcProviderName?: string | undefined;
  now?: () => Date;
}

export const VERIFICATION_HOURS = 24;
/** A link to choose a new password works for this long. */
export const RESET_HOURS = 1;
/** A second email of a kind within this time is not sent (the first is on its way). */
const RESEND_GAP_MS = 60_000;
/** At most this many password reset or change of address emails an hour for one account. */
const LINKS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;
export const MAX_PASSWORD_LENGTH = 256;
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
  errors.push(...passwordErrors(input.password));
  return errors;
}

/** The rules every new password meets, at creation, reset and change alike. */
export function passwordErrors(password: string | undefined, field = 'password'): FieldError[] {
  const value = password ?? '';
  if (value.length < MIN_PASSWORD_LENGTH)
    return [{ field, message: `Your password must be at least ${MIN_PASSWORD_LENGTH} characters long` }];
  if (value.length > MAX_PASSWORD_LENGTH)
    return [{ field, message: `Your password must be ${MAX_PASSWORD_LENGTH} characters or fewer` }];
  return [];
}

/** A new password and its confirmation: the rules, and the same password twice. */
function newPasswordErrors(password: string | undefined, confirmation: string | undefined): FieldError[] {
  const errors = passwordErrors(password);
  if (!confirmation) errors.push({ field: 'confirmPassword', message: 'Enter your new password again' });
  else if (errors.length === 0 && confirmation !== password)
    errors.push({ field: 'confirmPassword', message: 'The passwords do not match' });
  return errors;
}

/** An address shown in a notice without giving it away whole: j***@example.com. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 ? `${email[0]}***${email.slice(at)}` : '***';
}

/**
 * Citizen accounts: email and password (argon2id) with a verified email address, or an OpenID Connect
 * identity; each linked to one person in the party register once the address is verified.
 */
export function createAccountsService(db: Executor, deps: AccountsDeps) {
  const now = deps.now ?? (() => new Date());
  const link = (path: string) => publicLink(deps.publicUrl, path);

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
      purpose: 'verify_email',
      expiresAt: new Date(now().getTime() + VERIFICATION_HOURS * HOUR_MS),
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

  /**
   * Spends an emailed link of this purpose and does `work` with its account in the same transaction;
   * then the account, linked to its person. Null for a link that is unknown, used or expired.
   */
  async function spendLink(
    councilId: string,
    token: string,
    purpose: repo.TokenPurpose,
    context: AuditContext,
    work: (tx: Tx, accountId: string) => Promise<void>,
  ): Promise<repo.AccountRecord | null> {
    if (!token || token.length > 100) return null;
    const accountId = await inTransaction(db, async (tx) => {
      const id = (await repo.useToken(tx, councilId, sha256(token), purpose, now()))?.accountId;
      if (id) await work(tx, id);
      return id;
    });
    if (!accountId) return null;
    const account = await repo.findAccount(db, councilId, accountId);
    return account ? ensureLinked(account, citizen(context, account.id)) : null;
  }

  const citizen = (context: AuditContext, accountId: string): AuditContext => ({
    ...context,
    actorType: 'citizen',
    actorId: accountId,
    actorLabel: 'citizen (online account)',
  });

  /**
   * Checks the signed-in citizen's password before a change (new password or address, deleting the
   * account). Wrong ones count towards the same lock as signing in, so a borrowed session cannot be
   * used to guess it. Throws a field error on `field`, or AccountLocked.
   */
  async function checkPassword(
    account: repo.AccountRecord,
    password: string,
    field: string,
    context: AuditContext,
    action: 'change_password' | 'change_email' | 'delete',
  ): Promise<void> {
    const ctx = citizen(context, account.id);
    const subject = { subjectType: 'citizen_account', subjectId: account.id } as const;
    if (account.lockedUntil && account.lockedUntil > now()) {
      await inTransaction(db, (tx) =>
        recordAudit(tx, ctx, {
          action: 'account.password_check_failed',
          ...subject,
          details: { for: action, reason: 'locked' },
        }),
      );
      throw new AccountLocked(field, account.lockedUntil);
    }
    if (await verifyPassword(account.passwordHash, password)) return;
    const lockedUntil = await inTransaction(db, async (tx) => {
      const until = await repo.recordFailedSignIn(
        tx,
        account.id,
        deps.signInMaxAttempts,
        deps.signInLockMinutes,
      );
      const locked = until !== null && until > now();
      await recordAudit(tx, ctx, {
        action: locked ? 'account.locked' : 'account.password_check_failed',
        ...subject,
        details: { for: action, reason: 'wrong_password' },
      });
      return locked ? until : null;
    });
    if (lockedUntil) throw new AccountLocked(field, lockedUntil);
    throw new ValidationFailed([{ field, message: 'Your password is not right' }]);
  }

  /** The emails of this kind lately: too soon after the last (a minute), too many this hour (five). */
  async function recentEmails(
    accountId: string,
    purpose: repo.TokenPurpose,
  ): Promise<{ tooSoon: boolean; tooMany: boolean; latestNewEmail: string | null }> {
    const recent = await repo.recentTokens(db, accountId, purpose, new Date(now().getTime() - HOUR_MS));
    return {
      tooSoon: recent.latestAt !== null && now().getTime() - recent.latestAt.getTime() < RESEND_GAP_MS,
      tooMany: recent.count >= LINKS_PER_HOUR,
      latestNewEmail: recent.latestNewEmail,
    };
  }

  async function accountOrThrow(councilId: string, accountId: string): Promise<repo.AccountRecord> {
    const account = await repo.findAccount(db, councilId, accountId);
    if (!account) throw new ValidationFailed([{ field: 'account', message: 'Sign in again' }]);
    return account;
  }

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
      const { latestAt } = await repo.recentTokens(db, account.id, 'verify_email', now());
      if (latestAt && now().getTime() - latestAt.getTime() < RESEND_GAP_MS) return;
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
      return spendLink(councilId, token, 'verify_email', context, async (tx, id) => {
        await repo.markVerified(tx, id, null);
        await recordAudit(tx, citizen(context, id), {
          action: 'account.email_verified',
          subjectType: 'citizen_account',
          subjectId: id,
        });
      });
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

    // ---------- Forgotten password ----------

    /**
     * Emails a link to choose a new password, single-use and good for an hour. Whether or not the
     * address has an account, the caller learns nothing (the portal shows the same page): unknown
     * addresses are only audited. An account without a password (OIDC only) is told where it signs
     * in instead. Quietly not sent within a minute of the last link, or after five in an hour.
     */
    async requestPasswordReset(
      councilId: string,
      emailInput: string,
      language: 'en' | 'cy',
      context: AuditContext,
    ): Promise<void> {
      const email = normaliseAccountEmail(emailInput);
      if (!emailInput.trim())
        throw new ValidationFailed([{ field: 'email', message: 'Enter your email address' }]);
      if (!email)
        throw new ValidationFailed([
          { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
        ]);
      const account = await repo.findAccountByEmail(db, councilId, email);
      if (!account) {
        await inTransaction(db, (tx) =>
          recordAudit(
            tx,
            { ...context, councilId },
            {
              action: 'account.password_reset_requested',
              details: { sent: false, reason: 'unknown_account' },
            },
          ),
        );
        return;
      }
      const ctx = citizen({ ...context, councilId }, account.id);
      const subject = { subjectType: 'citizen_account', subjectId: account.id } as const;
      const recent = await recentEmails(account.id, 'reset_password');
      if (recent.tooSoon || recent.tooMany) {
        await inTransaction(db, (tx) =>
          recordAudit(tx, ctx, {
            action: 'account.password_reset_requested',
            ...subject,
            details: { sent: false, reason: 'too_many' },
          }),
        );
        return;
      }
      await inTransaction(db, async (tx) => {
        let personalisation: Record<string, string | number | null>;
        if (account.passwordHash) {
          const token = randomToken();
          await repo.insertToken(tx, {
            id: sha256(token),
            councilId,
            accountId: account.id,
            purpose: 'reset_password',
            expiresAt: new Date(now().getTime() + RESET_HOURS * HOUR_MS),
          });
          personalisation = {
            resetUrl: link(`/account/password-reset/new?token=${token}`),
            expiresInHours: RESET_HOURS,
          };
        } else {
          // No link to spend, but a token row still counts towards the limit above.
          await repo.insertToken(tx, {
            id: sha256(randomToken()),
            councilId,
            accountId: account.id,
            purpose: 'reset_password',
            expiresAt: now(),
          });
          personalisation = {
            signInUrl: link('/account/sign-in'),
            oidcProvider: deps.oidcProviderName ?? null,
          };
        }
        await deps.send(tx, {
          councilId,
          template: 'password_reset',
          channel: 'email',
          to: account.email,
          language,
          personalisation,
        });
        await recordAudit(tx, ctx, {
          action: 'account.password_reset_requested',
          ...subject,
          details: { sent: true, ...(account.passwordHash ? {} : { reason: 'no_password' }) },
        });
      });
    },

    /** Whether a password reset link still works (the page that asks for the new password). */
    async passwordResetUsable(councilId: string, token: string): Promise<boolean> {
      if (!token || token.length > 100) return false;
      return repo.tokenUsable(db, councilId, sha256(token), 'reset_password', now());
    },

    /**
     * Spends a password reset link: sets the new password (the same rules as a new account), clears
     * any lock, counts the address as verified (the link proved it), stops any other reset link and
     * any change of address under way, and signs the account out everywhere. Null when the link is
     * unknown, used or expired.
     */
    async resetPassword(
      councilId: string,
      token: string,
      input: { password?: string; confirmPassword?: string },
      context: AuditContext,
    ): Promise<repo.AccountRecord | null> {
      const errors = newPasswordErrors(input.password, input.confirmPassword);
      if (errors.length) throw new ValidationFailed(errors);
      if (!token || token.length > 100) return null;
      const passwordHash = await hashPassword(input.password ?? '');
      return spendLink(councilId, token, 'reset_password', context, async (tx, id) => {
        await repo.setPassword(tx, id, passwordHash, { verifyEmail: true });
        // Whoever else had the account loses what they started: other reset links, a change of address.
        await repo.expireTokens(tx, id, ['reset_password', 'change_email']);
        await deps.endSessions?.(tx, councilId, id);
        await recordAudit(tx, citizen({ ...context, councilId }, id), {
          action: 'account.password_reset',
          subjectType: 'citizen_account',
          subjectId: id,
        });
      });
    },

    // ---------- Changes from My details ----------

    /**
     * Changes the password of a signed-in citizen who knows the current one; every session of the
     * account ends (the caller starts a new one for this browser), and reset links and any change of
     * address under way stop working.
     */
    async changePassword(
      councilId: string,
      accountId: string,
      input: { currentPassword?: string; password?: string; confirmPassword?: string },
      context: AuditContext,
    ): Promise<void> {
      const account = await accountOrThrow(councilId, accountId);
      const errors: FieldError[] = [];
      if (!input.currentPassword)
        errors.push({ field: 'currentPassword', message: 'Enter your current password' });
      errors.push(...newPasswordErrors(input.password, input.confirmPassword));
      if (errors.length) throw new ValidationFailed(errors);
      await checkPassword(
        account,
        input.currentPassword ?? '',
        'currentPassword',
        context,
        'change_password',
      );
      const passwordHash = await hashPassword(input.password ?? '');
      await inTransaction(db, async (tx) => {
        await repo.setPassword(tx, account.id, passwordHash, { verifyEmail: false });
        await repo.expireTokens(tx, account.id, ['reset_password', 'change_email']);
        await deps.endSessions?.(tx, councilId, account.id);
        await recordAudit(tx, citizen(context, account.id), {
          action: 'account.password_changed',
          subjectType: 'citizen_account',
          subjectId: account.id,
        });
      });
    },

    /**
     * Starts a change of address: checks the password and that no other account has the new address,
     * then emails a link to the new address. The account keeps its address until the link is followed.
     * Accounts that sign in through an OIDC provider have the provider's address and cannot change it.
     */
    async requestEmailChange(
      councilId: string,
      accountId: string,
      input: { email?: string; currentPassword?: string },
      language: 'en' | 'cy',
      context: AuditContext,
    ): Promise<void> {
      const account = await accountOrThrow(councilId, accountId);
      if (account.oidcSubject || !account.passwordHash)
        throw new ValidationFailed([
          { field: 'email', message: 'Your email address comes from the provider you sign in with' },
        ]);
      const errors: FieldError[] = [];
      const email = normaliseAccountEmail(input.email);
      if (!input.email?.trim()) errors.push({ field: 'email', message: 'Enter your new email address' });
      else if (!email)
        errors.push({
          field: 'email',
          message: 'Enter an email address in the correct format, like name@example.com',
        });
      else if (email === account.email)
        errors.push({ field: 'email', message: 'This is already your email address' });
      if (!input.currentPassword)
        errors.push({ field: 'currentPassword', message: 'Enter your current password' });
      if (errors.length || !email) throw new ValidationFailed(errors);
      await checkPassword(account, input.currentPassword ?? '', 'currentPassword', context, 'change_email');
      if (await repo.findAccountByEmail(db, councilId, email))
        throw new ValidationFailed([
          { field: 'email', message: 'This email address already has an account' },
        ]);
      const recent = await recentEmails(account.id, 'change_email');
      if (recent.tooMany)
        throw new ValidationFailed([
          { field: 'email', message: 'You have asked for too many links. Wait an hour, then try again' },
        ]);
      // The same address again within a minute is a second click: the first link is on its way.
      if (recent.tooSoon && recent.latestNewEmail === email) return;
      await inTransaction(db, async (tx) => {
        const token = randomToken();
        await repo.insertToken(tx, {
          id: sha256(token),
          councilId,
          accountId: account.id,
          purpose: 'change_email',
          expiresAt: new Date(now().getTime() + VERIFICATION_HOURS * HOUR_MS),
          newEmail: email,
        });
        await deps.send(tx, {
          councilId,
          template: 'email_change_verification',
          channel: 'email',
          to: email,
          language,
          personalisation: {
            confirmUrl: link(`/account/email/confirm?token=${token}`),
            expiresInHours: VERIFICATION_HOURS,
          },
        });
        await recordAudit(tx, citizen(context, account.id), {
          action: 'account.email_change_requested',
          subjectType: 'citizen_account',
          subjectId: account.id,
        });
      });
    },

    /** Whether a change of address link still works (the page with the confirm button). */
    async emailChangeUsable(councilId: string, token: string): Promise<boolean> {
      if (!token || token.length > 100) return false;
      return repo.tokenUsable(db, councilId, sha256(token), 'change_email', now());
    },

    /**
     * Spends a change of address link: the account moves to the new, now verified, address, which
     * becomes its person's preferred email address; links sent to the old address stop working, and it
     * is sent a notice. Fails when the
     * link is unknown, used or expired, or another account took the address meanwhile.
     */
    async confirmEmailChange(
      councilId: string,
      token: string,
      language: 'en' | 'cy',
      context: AuditContext,
    ): Promise<{ ok: true; account: repo.AccountRecord } | { ok: false; reason: 'invalid' | 'taken' }> {
      if (!token || token.length > 100) return { ok: false, reason: 'invalid' };
      const work = () =>
        inTransaction(db, async (tx): Promise<{ accountId: string } | { reason: 'invalid' | 'taken' }> => {
          const used = await repo.useToken(tx, councilId, sha256(token), 'change_email', now());
          if (!used?.newEmail) return { reason: 'invalid' };
          const account = await repo.findAccount(tx, councilId, used.accountId);
          if (!account) return { reason: 'invalid' };
          const ctx = citizen({ ...context, councilId }, account.id);
          const subject = { subjectType: 'citizen_account', subjectId: account.id } as const;
          if (!(await repo.changeEmail(tx, account.id, used.newEmail))) {
            // The link is spent either way: the citizen starts again with another address.
            await recordAudit(tx, ctx, {
              action: 'account.email_change_refused',
              ...subject,
              details: { reason: 'email_has_account' },
            });
            return { reason: 'taken' };
          }
          // Links sent to the old address stop working with it.
          await repo.expireTokens(tx, account.id, ['change_email', 'reset_password', 'verify_email']);
          if (account.partyId)
            await deps.parties.addVerifiedEmailIn(tx, councilId, account.partyId, used.newEmail, ctx);
          await deps.send(tx, {
            councilId,
            template: 'email_changed',
            channel: 'email',
            to: account.email,
            language,
            personalisation: { newEmail: maskEmail(used.newEmail) },
          });
          await recordAudit(tx, ctx, { action: 'account.email_changed', ...subject });
          return { accountId: account.id };
        });
      let outcome: Awaited<ReturnType<typeof work>>;
      try {
        outcome = await work();
      } catch (error) {
        // Another account took the address between the check and the change: nothing was written.
        if (isUniqueViolation(error)) return { ok: false, reason: 'taken' };
        throw error;
      }
      if (!('accountId' in outcome)) return { ok: false, reason: outcome.reason };
      const account = await repo.findAccount(db, councilId, outcome.accountId);
      if (!account) return { ok: false, reason: 'invalid' };
      return { ok: true, account: await ensureLinked(account, citizen(context, account.id)) };
    },

    /**
     * Deletes the account: the sign-in, its links and sessions go, and the consents its person gave are
     * withdrawn. The person and their requests stay: they are the council's records. Needs the
     * password, or for an account without one (OIDC), the citizen's confirmation.
     */
    async deleteAccount(
      councilId: string,
      accountId: string,
      input: { currentPassword?: string; confirmed?: boolean },
      context: AuditContext,
    ): Promise<void> {
      const account = await accountOrThrow(councilId, accountId);
      if (account.passwordHash) {
        if (!input.currentPassword)
          throw new ValidationFailed([{ field: 'currentPassword', message: 'Enter your password' }]);
        await checkPassword(account, input.currentPassword, 'currentPassword', context, 'delete');
      } else if (input.confirmed !== true)
        throw new ValidationFailed([
          { field: 'confirmed', message: 'Select that you understand your account will be deleted' },
        ]);
      const partyId = account.partyId;
      await inTransaction(db, async (tx) => {
        const ctx = citizen(context, account.id);
        const withdrawn = partyId ? await deps.parties.withdrawConsentsIn(tx, councilId, partyId, ctx) : [];
        await repo.deleteAccount(tx, councilId, account.id);
        await recordAudit(tx, ctx, {
          action: 'account.deleted',
          subjectType: 'citizen_account',
          subjectId: account.id,
          details: { partyId, consentsWithdrawn: withdrawn },
        });
      });
    },

    /** Online accounts linked to a party (for the staff single view). */
    accountsOfParty: (councilId: string, partyId: string) => repo.findAccountsOfParty(db, councilId, partyId),

    /** The audit context for something a signed-in citizen does. */
    citizenContext: citizen,
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
