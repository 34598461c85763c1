import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

export type ConsentPurpose = 'email_updates' | 'sms_updates' | 'surveys';
export type ConsentSource = 'web' | 'staff' | 'import';

export interface ConsentRecord {
  purpose: ConsentPurpose;
  granted: boolean;
  source: ConsentSource;
  recordedAt: Date;
  recordedBy: string | null;
}

/** Active people with exactly this email address (lower case) as a contact point. */
export async function activePeopleWithEmail(
  db: Executor,
  councilId: string,
  email: string,
): Promise<string[]> {
  return (await activePeopleWithContact(db, councilId, 'email', email)).map((p) => p.partyId);
}

/**
 * Active people with exactly this contact point (lower-case email, or E.164 phone), oldest first,
 * with their family name so that a caller can prefer the one a report names.
 */
export async function activePeopleWithContact(
  db: Executor,
  councilId: string,
  kind: 'email' | 'phone',
  value: string,
): Promise<{ partyId: string; familyName: string | null }[]> {
  const { rows } = await sql<{ party_id: string; family_name: string | null }>`
    select p.id as party_id, min(p.family_name) as family_name from contact_point c
      join party p on p.council_id = c.council_id and p.id = c.party_id
     where c.council_id = ${councilId} and c.kind = ${kind} and c.value = ${value}
       and p.status = 'active' and p.kind = 'person'
     group by p.id order by min(p.created_at), p.id
     limit 5`.execute(db);
  return rows.map((r) => ({ partyId: r.party_id, familyName: r.family_name }));
}

/** Marks the party's contact points with this value verified. */
export async function markContactVerified(
  db: Executor,
  councilId: string,
  partyId: string,
  value: string,
): Promise<void> {
  await sql`update contact_point set is_verified = true
     where council_id = ${councilId} and party_id = ${partyId} and value = ${value}`.execute(db);
}

/** Sets or clears do-not-contact on every contact point of one kind; returns how many changed. */
export async function setDoNotContact(
  db: Executor,
  councilId: string,
  partyId: string,
  kind: 'email' | 'phone',
  doNotContact: boolean,
): Promise<number> {
  const result = await sql`update contact_point set do_not_contact = ${doNotContact}
     where council_id = ${councilId} and party_id = ${partyId} and kind = ${kind}
       and do_not_contact <> ${doNotContact}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function insertConsent(
  db: Executor,
  councilId: string,
  partyId: string,
  consent: { purpose: ConsentPurpose; granted: boolean; source: ConsentSource; recordedBy: string | null },
): Promise<void> {
  await sql`insert into party_consent (council_id, party_id, purpose, granted, source, recorded_by)
    values (${councilId}, ${partyId}, ${consent.purpose}, ${consent.granted}, ${consent.source},
            ${consent.recordedBy})`.execute(db);
}

/** Every consent the party gave or withdrew, newest first. */
export async function listConsents(
  db: Executor,
  councilId: string,
  partyId: string,
): Promise<ConsentRecord[]> {
  const { rows } = await sql<{
    purpose: ConsentPurpose;
    granted: boolean;
    source: ConsentSource;
    recorded_at: Date;
    recorded_by: string | null;
  }>`select purpose, granted, source, recorded_at, recorded_by from party_consent
      where council_id = ${councilId} and party_id = ${partyId}
      order by recorded_at desc, id desc`.execute(db);
  return rows.map((r) => ({
    purpose: r.purpose,
    granted: r.granted,
    source: r.source,
    recordedAt: new Date(r.recorded_at),
    recordedBy: r.recorded_by,
  }));
}
