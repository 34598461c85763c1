import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

export interface AccountRecord {
  id: string;
  councilId: string;
  email: string;
  passwordHash: string | null;
  emailVerifiedAt: Date | null;
  partyId: string | null;
  oidcIssuer: string | null;
  oidcSubject: string | null;
  givenName: string | null;
  familyName: string | null;
  failedSignIns: number;
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
}

interface AccountRow {
  id: string;
  council_id: string;
  email: string;
  password_hash: string | null;
  email_verified_at: Date | null;
  party_id: string | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  given_name: string | null;
  family_name: string | null;
  failed_sign_ins: number;
  locked_until: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
}

const date = (value: Date | null) => (value === null ? null : new Date(value));

function toAccount(r: AccountRow): AccountRecord {
  return {
    id: r.id,
    councilId: r.council_id,
    email: r.email,
    passwordHash: r.password_hash,
    emailVerifiedAt: date(r.email_verified_at),
    partyId: r.party_id,
    oidcIssuer: r.oidc_issuer,
    oidcSubject: r.oidc_subject,
    givenName: r.given_name,
    familyName: r.family_name,
    failedSignIns: r.failed_sign_ins,
    lockedUntil: date(r.locked_until),
    lastSignInAt: date(r.last_sign_in_at),
    createdAt: new Date(r.created_at),
  };
}

export async function findAccountByEmail(
  db: Executor,
  councilId: string,
  email: string,
  options: { forUpdate?: boolean } = {},
): Promise<AccountRecord | undefined> {
  const { rows } = options.forUpdate
    ? await sql<AccountRow>`select * from citizen_account
        where council_id = ${councilId} and email = ${email} for update`.execute(db)
    : await sql<AccountRow>`select * from citizen_account
        where council_id = ${councilId} and email = ${email}`.execute(db);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

export async function findAccount(
  db: Executor,
  councilId: string,
  id: string,
): Promise<AccountRecord | undefined> {
  const { rows } = await sql<AccountRow>`select * from citizen_account
    where council_id = ${councilId} and id = ${id}`.execute(db);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

export async function findAccountByOidc(
  db: Executor,
  councilId: string,
  issuer: string,
  subject: string,
): Promise<AccountRecord | undefined> {
  const { rows } = await sql<AccountRow>`select * from citizen_account
    where council_id = ${councilId} and oidc_issuer = ${issuer} and oidc_subject = ${subject}`.execute(db);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

export async function findAccountsOfParty(
  db: Executor,
  councilId: string,
  partyId: string,
): Promise<AccountRecord[]> {
  const { rows } = await sql<AccountRow>`select * from citizen_account
    where council_id = ${councilId} and party_id = ${partyId} order by created_at`.execute(db);
  return rows.map(toAccount);
}

/** Inserts an account; undefined when the address already has one (a race with another request). */
export async function insertAccount(
  db: Executor,
  account: {
    councilId: string;
    email: string;
    passwordHash: string | null;
    givenName: string | null;
    familyName: string | null;
    emailVerified: boolean;
    oidcIssuer?: string | null;
    oidcSubject?: string | null;
  },
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    insert into citizen_account (council_id, email, password_hash, given_name, family_name,
                                 email_verified_at, oidc_issuer, oidc_subject)
    values (${account.councilId}, ${account.email}, ${account.passwordHash}, ${account.givenName},
            ${account.familyName}, ${account.emailVerified ? sql`now()` : null},
            ${account.oidcIssuer ?? null}, ${account.oidcSubject ?? null})
    on conflict (council_id, email) do nothing
    returning id`.execute(db);
  return rows[0]?.id;
}

export async function markVerified(db: Executor, accountId: string, partyId: string | null): Promise<void> {
  await sql`update citizen_account
     set email_verified_at = coalesce(email_verified_at, now()), party_id = coalesce(${partyId}, party_id)
   where id = ${accountId}`.execute(db);
}

export async function setParty(db: Executor, accountId: string, partyId: string): Promise<void> {
  await sql`update citizen_account set party_id = ${partyId} where id = ${accountId}`.execute(db);
}

export async function linkOidc(
  db: Executor,
  accountId: string,
  issuer: string,
  subject: string,
): Promise<void> {
  await sql`update citizen_account set oidc_issuer = ${issuer}, oidc_subject = ${subject}
   where id = ${accountId}`.execute(db);
}

/** Counts a failed sign-in and locks the account when it reaches the limit; returns the lock. */
export async function recordFailedSignIn(
  db: Executor,
  accountId: string,
  maxAttempts: number,
  lockMinutes: number,
): Promise<Date | null> {
  const { rows } = await sql<{ locked_until: Date | null }>`
    update citizen_account set
      failed_sign_ins = case when failed_sign_ins + 1 >= ${maxAttempts} then 0 else failed_sign_ins + 1 end,
      locked_until = case when failed_sign_ins + 1 >= ${maxAttempts}
                          then now() + make_interval(mins => ${lockMinutes}) else locked_until end
    where id = ${accountId} returning locked_until`.execute(db);
  return date(rows[0]?.locked_until ?? null);
}

export async function recordSuccessfulSignIn(db: Executor, accountId: string): Promise<void> {
  await sql`update citizen_account set failed_sign_ins = 0, locked_until = null, last_sign_in_at = now()
   where id = ${accountId}`.execute(db);
}

/** What an emailed link is for. */
export type TokenPurpose = 'verify_email' | 'reset_password' | 'change_email';

export async function insertToken(
  db: Executor,
  token: {
    id: string;
    councilId: string;
    accountId: string;
    purpose: TokenPurpose;
    expiresAt: Date;
    /** The address a change_email link moves the account to. */
    newEmail?: string | null;
  },
): Promise<void> {
  // A new link replaces any earlier one for the same purpose still unused.
  await expireTokens(db, token.accountId, [token.purpose]);
  await sql`insert into citizen_account_token (id, council_id, account_id, purpose, expires_at, new_email)
    values (${token.id}, ${token.councilId}, ${token.accountId}, ${token.purpose}, ${token.expiresAt},
            ${token.newEmail ?? null})`.execute(db);
}

/** Stops every unused link of this purpose from working. */
/** Stops the account's unused links of these purposes working. */
export async function expireTokens(
  db: Executor,
  accountId: string,
  purposes: readonly TokenPurpose[],
): Promise<void> {
  await sql`update citizen_account_token set used_at = now()
   where account_id = ${accountId} and purpose = any(${purposes}::text[]) and used_at is null`.execute(db);
}

/** Spends a token of this purpose: its account (and new address) if unused and unexpired, else undefined. */
export async function useToken(
  db: Executor,
  councilId: string,
  id: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<{ accountId: string; newEmail: string | null } | undefined> {
  const { rows } = await sql<{ account_id: string; new_email: string | null }>`
    update citizen_account_token set used_at = ${now}
     where id = ${id} and council_id = ${councilId} and purpose = ${purpose}
       and used_at is null and expires_at > ${now}
     returning account_id, new_email`.execute(db);
  return rows[0] ? { accountId: rows[0].account_id, newEmail: rows[0].new_email } : undefined;
}

/** Whether a token of this purpose would work now, without spending it. */
export async function tokenUsable(
  db: Executor,
  councilId: string,
  id: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<boolean> {
  const { rows } = await sql<{ one: number }>`select 1 as one from citizen_account_token
    where id = ${id} and council_id = ${councilId} and purpose = ${purpose}
      and used_at is null and expires_at > ${now}`.execute(db);
  return rows.length > 0;
}

/** When the latest link of this purpose was made, and how many were made since `since`. */
export async function recentTokens(
  db: Executor,
  accountId: string,
  purpose: TokenPurpose,
  since: Date,
): Promise<{ latestAt: Date | null; count: number; latestNewEmail: string | null }> {
  const { rows } = await sql<{ created_at: Date; new_email: string | null; recent: number }>`
    select created_at, new_email,
           (select count(*)::int from citizen_account_token
             where account_id = ${accountId} and purpose = ${purpose} and created_at >= ${since}) as recent
      from citizen_account_token
     where account_id = ${accountId} and purpose = ${purpose}
     order by created_at desc limit 1`.execute(db);
  const row = rows[0];
  return row
    ? { latestAt: new Date(row.created_at), count: Number(row.recent), latestNewEmail: row.new_email }
    : { latestAt: null, count: 0, latestNewEmail: null };
}

/** A new password: the lock and failed attempts are cleared, and the address counts as verified. */
export async function setPassword(
  db: Executor,
  accountId: string,
  passwordHash: string,
  options: { verifyEmail: boolean },
): Promise<void> {
  await sql`update citizen_account set password_hash = ${passwordHash}, failed_sign_ins = 0,
      locked_until = null,
      email_verified_at = ${options.verifyEmail ? sql`coalesce(email_verified_at, now())` : sql`email_verified_at`}
    where id = ${accountId}`.execute(db);
}

/** Moves the account to a verified new address; false when another account has it already. */
export async function changeEmail(db: Executor, accountId: string, email: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    update citizen_account set email = ${email}, email_verified_at = now()
     where id = ${accountId}
       and not exists (select 1 from citizen_account other
                        where other.council_id = citizen_account.council_id and other.email = ${email}
                          and other.id <> ${accountId})
     returning id`.execute(db);
  return rows.length > 0;
}

/** Deletes the account; its tokens and portal sessions go with it (on delete cascade). */
export async function deleteAccount(db: Executor, councilId: string, accountId: string): Promise<boolean> {
  const result = await sql`delete from citizen_account
    where council_id = ${councilId} and id = ${accountId}`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}
