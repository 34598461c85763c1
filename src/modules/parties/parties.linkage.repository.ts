import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';
import type { ValidParty } from './parties.validate.ts';

/**
 * Reads of the party register for record linkage (the identity module): candidate parties for
 * incoming records by blocking keys, in one statement for a whole batch, and the fields the
 * linkage model compares.
 */

/** The blocking keys of one incoming record, taken from the validated party. */
export interface LinkageProbe {
  index: number;
  givenKey: string;
  familyKey: string;
  /** Full dates only (YYYY-MM-DD); a partial date blocks nothing. */
  dob: string | null;
  postcodeKey: string | null;
  email: string | null;
  phone: string | null;
  ni: string | null;
}

/** A person as the linkage model compares them. */
export interface LinkageRecord {
  id: string;
  reference: string;
  displayName: string;
  givenNames: string;
  familyName: string;
  /** YYYY-MM-DD, YYYY-MM or YYYY by precision; '' when unknown. */
  dateOfBirth: string;
  address: string;
  postcode: string;
  phone: string;
  email: string;
  niNumber: string;
}

export function linkageProbeOf(index: number, party: ValidParty): LinkageProbe {
  const name = party.names.find((n) => n.use === 'current');
  const address = party.addresses[0];
  return {
    index,
    givenKey: name?.givenKey ?? '',
    familyKey: name?.familyKey ?? '',
    dob: party.fields.birthDatePrecision === 'day' ? party.fields.dateOfBirth : null,
    postcodeKey: address?.postcodeKey ?? null,
    email: party.contactPoints.find((c) => c.kind === 'email')?.value ?? null,
    phone: party.contactPoints.find((c) => c.kind === 'phone')?.value ?? null,
    ni: party.identifiers.find((i) => i.scheme === 'ni_number')?.valueKey ?? null,
  };
}

/** The fields of an incoming (validated) party in the same shape as a register record. */
export function linkageRecordOf(party: ValidParty): Omit<LinkageRecord, 'id' | 'reference'> {
  const f = party.fields;
  const address = party.addresses[0];
  return {
    displayName: f.displayName,
    givenNames: f.givenNames ?? '',
    familyName: f.familyName ?? '',
    dateOfBirth: partialDate(f.dateOfBirth, f.birthDatePrecision),
    address: address?.text ?? '',
    postcode: address?.postcode ?? '',
    phone: party.contactPoints.find((c) => c.kind === 'phone')?.value ?? '',
    email: party.contactPoints.find((c) => c.kind === 'email')?.value ?? '',
    niNumber: party.identifiers.find((i) => i.scheme === 'ni_number')?.valueKey ?? '',
  };
}

function partialDate(date: string | null, precision: string | null): string {
  if (!date) return '';
  return precision === 'year' ? date.slice(0, 4) : precision === 'month' ? date.slice(0, 7) : date;
}

/**
 * Active people in the register who share a blocking key with any probe: phonetic given and family
 * name; date of birth and an initial; postcode and an initial; email or phone; NI number. One
 * statement for the whole batch.
 */
export async function findLinkageCandidates(
  db: Executor,
  councilId: string,
  probes: readonly LinkageProbe[],
): Promise<{ index: number; partyId: string }[]> {
  if (probes.length === 0) return [];
  const json = JSON.stringify(
    probes.map((p) => ({
      i: p.index,
      given_key: p.givenKey,
      family_key: p.familyKey,
      dob: p.dob,
      postcode_key: p.postcodeKey,
      email: p.email,
      phone: p.phone,
      ni: p.ni,
    })),
  );
  const { rows } = await sql<{ i: number; party_id: string }>`
    with probe as (
      select * from json_to_recordset(${json}::json)
        as x(i int, given_key text, family_key text, dob date, postcode_key text, email text, phone text, ni text)
    ), hits as (
      select x.i, n.party_id from probe x
        join party_name n on n.council_id = ${councilId} and n.family_sound = dmetaphone(x.family_key)
         and n.given_sound = dmetaphone(x.given_key)
       where x.family_key <> '' and x.given_key <> ''
      union
      select x.i, n.party_id from probe x
        join party_name n on n.council_id = ${councilId} and n.date_of_birth = x.dob
         and (left(n.given_key, 1) = left(x.given_key, 1) or left(n.family_key, 1) = left(x.family_key, 1))
       where x.dob is not null
      union
      select x.i, a.party_id from probe x
        join party_address a on a.council_id = ${councilId} and a.postcode_key = x.postcode_key and a.valid_to is null
        join party_name n on n.party_id = a.party_id
         and (left(n.given_key, 1) = left(x.given_key, 1) or left(n.family_key, 1) = left(x.family_key, 1))
       where x.postcode_key is not null
      union
      select x.i, c.party_id from probe x
        join contact_point c on c.council_id = ${councilId} and (c.value = x.email or c.value = x.phone)
      union
      select x.i, pi.party_id from probe x
        join party_identifier pi on pi.council_id = ${councilId} and pi.scheme = 'ni_number' and pi.value_key = x.ni
    )
    select h.i, h.party_id from hits h
      join party p on p.council_id = ${councilId} and p.id = h.party_id
     where p.status = 'active' and p.kind = 'person'
     order by h.i, h.party_id`.execute(db);
  return rows.map((r) => ({ index: r.i, partyId: r.party_id }));
}

const RECORD_COLUMNS = sql`
  p.id, p.reference, p.display_name, coalesce(p.given_names, '') as given_names,
  coalesce(p.family_name, '') as family_name,
  case p.birth_date_precision when 'day' then to_char(p.date_of_birth, 'YYYY-MM-DD')
    when 'month' then to_char(p.date_of_birth, 'YYYY-MM') when 'year' then to_char(p.date_of_birth, 'YYYY')
    else '' end as date_of_birth,
  coalesce(a.text, '') as address, coalesce(a.postcode, '') as postcode,
  coalesce((select c.value from contact_point c where c.party_id = p.id and c.kind = 'phone'
             order by c.is_preferred desc, c.created_at limit 1), '') as phone,
  coalesce((select c.value from contact_point c where c.party_id = p.id and c.kind = 'email'
             order by c.is_preferred desc, c.created_at limit 1), '') as email,
  coalesce((select i.value_key from party_identifier i where i.party_id = p.id and i.scheme = 'ni_number'
             order by i.created_at limit 1), '') as ni_number`;

const CURRENT_ADDRESS = sql`
  left join lateral (select text, postcode from party_address a
     where a.party_id = p.id and a.valid_to is null order by a.created_at desc limit 1) a on true`;

type RecordRow = {
  id: string;
  reference: string;
  display_name: string;
  given_names: string;
  family_name: string;
  date_of_birth: string;
  address: string;
  postcode: string;
  phone: string;
  email: string;
  ni_number: string;
};

const toRecord = (r: RecordRow): LinkageRecord => ({
  id: r.id,
  reference: r.reference,
  displayName: r.display_name,
  givenNames: r.given_names,
  familyName: r.family_name,
  dateOfBirth: r.date_of_birth,
  address: r.address,
  postcode: r.postcode,
  phone: r.phone,
  email: r.email,
  niNumber: r.ni_number,
});

/** The compared fields of these parties (current address, first phone, email and NI number). */
export async function linkageRecords(
  db: Executor,
  councilId: string,
  ids: readonly string[],
): Promise<LinkageRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<RecordRow>`
    select ${RECORD_COLUMNS} from party p ${CURRENT_ADDRESS}
     where p.council_id = ${councilId} and p.id = any(${[...ids]}::uuid[])`.execute(db);
  return rows.map(toRecord);
}

/** A random sample of active people, for estimating how often unrelated people agree (u). */
export async function sampleLinkageRecords(
  db: Executor,
  councilId: string,
  limit: number,
): Promise<LinkageRecord[]> {
  const { rows } = await sql<RecordRow>`
    select ${RECORD_COLUMNS} from
      (select * from party where council_id = ${councilId} and kind = 'person' and status = 'active'
        order by random() limit ${limit}) p ${CURRENT_ADDRESS}`.execute(db);
  return rows.map(toRecord);
}

/** Active people in the register. */
export async function countActivePersons(db: Executor, councilId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from party where council_id = ${councilId} and kind = 'person' and status = 'active'`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** The party each of these source keys names now (a merge moves the key to the survivor). */
export async function partiesBySourceKey(
  db: Executor,
  councilId: string,
  system: string,
  valueKeys: readonly string[],
): Promise<Map<string, string>> {
  if (valueKeys.length === 0) return new Map();
  const { rows } = await sql<{ value_key: string; party_id: string }>`
    select value_key, party_id from party_identifier
     where council_id = ${councilId} and scheme = 'source' and system = ${system}
       and value_key = any(${[...valueKeys]}::text[])`.execute(db);
  return new Map(rows.map((r) => [r.value_key, r.party_id]));
}
