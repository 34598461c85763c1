import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';
import type { PairExplanation } from './fellegi-sunter.ts';

/**
 * SQL of the identity module: source records, the review queue, signals and quality snapshots.
 * Signals read the party tables (read-only) to find which party a source key names now: a merge
 * moves the key to the survivor and an undone merge moves it back.
 */

export type SourceOutcome = 'created' | 'linked' | 'queued' | 'updated' | 'unchanged';

export interface SourceRecordRow {
  system: string;
  sourceKey: string;
  partyId: string;
  kind: string;
  input: unknown;
  inputHash: string;
  dateOfBirth: string | null;
  addressText: string | null;
  postcodeKey: string | null;
  postcodeInvalid: boolean;
  singlePersonDiscount: boolean;
  outcome: SourceOutcome;
}

/** The stored hash and input of each of these keys. */
export async function findSourceRecords(
  db: Executor,
  councilId: string,
  system: string,
  keys: readonly string[],
): Promise<Map<string, { inputHash: string; input: unknown }>> {
  if (keys.length === 0) return new Map();
  const { rows } = await sql<{ source_key: string; input_hash: string; input: unknown }>`
    select source_key, input_hash, input from identity_source_record
     where council_id = ${councilId} and system = ${system} and source_key = any(${[...keys]}::text[])`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.source_key, { inputHash: r.input_hash, input: r.input }]));
}

/** Inserts or refreshes source records, one statement for the batch. */
export async function upsertSourceRecords(
  db: Executor,
  councilId: string,
  records: readonly SourceRecordRow[],
): Promise<void> {
  if (records.length === 0) return;
  const json = JSON.stringify(
    records.map((r) => ({
      system: r.system,
      source_key: r.sourceKey,
      party_id: r.partyId,
      kind: r.kind,
      input: r.input,
      input_hash: r.inputHash,
      date_of_birth: r.dateOfBirth,
      address_text: r.addressText,
      postcode_key: r.postcodeKey,
      postcode_invalid: r.postcodeInvalid,
      single_person_discount: r.singlePersonDiscount,
      outcome: r.outcome,
    })),
  );
  await sql`
    insert into identity_source_record (council_id, system, source_key, party_id, kind, input, input_hash,
      date_of_birth, address_text, postcode_key, postcode_invalid, single_person_discount, outcome)
    select ${councilId}::uuid, x.system, x.source_key, x.party_id, x.kind, x.input, x.input_hash, x.date_of_birth,
      x.address_text, x.postcode_key, x.postcode_invalid, x.single_person_discount, x.outcome
      from json_to_recordset(${json}::json) as x(system text, source_key text, party_id uuid, kind text, input jsonb,
        input_hash text, date_of_birth date, address_text text, postcode_key text, postcode_invalid boolean,
        single_person_discount boolean, outcome text)
    on conflict (council_id, system, source_key) do update set
      party_id = excluded.party_id, kind = excluded.kind, input = excluded.input, input_hash = excluded.input_hash,
      date_of_birth = excluded.date_of_birth, address_text = excluded.address_text,
      postcode_key = excluded.postcode_key, postcode_invalid = excluded.postcode_invalid,
      single_person_discount = excluded.single_person_discount, outcome = excluded.outcome,
      last_loaded_at = now()`.execute(db);
}

/** Marks source records seen in a run that changed nothing (keeps last_loaded_at current). */
export async function touchSourceRecords(
  db: Executor,
  councilId: string,
  system: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    update identity_source_record set last_loaded_at = now(), outcome = 'unchanged'
     where council_id = ${councilId} and system = ${system} and source_key = any(${[...keys]}::text[])`.execute(
    db,
  );
}

// ---------------------------------------------------------------------------------------------
// Review queue

export interface NewReview {
  leftPartyId: string;
  rightPartyId: string;
  system: string;
  sourceKey: string;
  explanation: PairExplanation & { leftRecord: unknown; rightRecord: unknown };
}

/** Queues pairs; a pair already queued or decided (in either order) is left as it is. */
export async function insertReviews(
  db: Executor,
  councilId: string,
  reviews: readonly NewReview[],
): Promise<number> {
  let inserted = 0;
  for (const r of reviews) {
    const result = await sql`
      insert into identity_review (council_id, left_party_id, right_party_id, system, source_key,
        match_probability, log2_odds, explanation)
      values (${councilId}, ${r.leftPartyId}, ${r.rightPartyId}, ${r.system}, ${r.sourceKey},
        ${r.explanation.matchProbability}, ${r.explanation.finalLog2Odds}, ${JSON.stringify(r.explanation)}::jsonb)
      on conflict do nothing`.execute(db);
    inserted += Number(result.numAffectedRows ?? 0);
  }
  return inserted;
}

export interface ReviewRow {
  id: string;
  leftPartyId: string;
  rightPartyId: string;
  leftReference: string;
  rightReference: string;
  leftName: string;
  rightName: string;
  system: string | null;
  sourceKey: string | null;
  matchProbability: number;
  log2Odds: number;
  explanation: PairExplanation & { leftRecord: Record<string, string>; rightRecord: Record<string, string> };
  status: 'pending' | 'accepted' | 'rejected';
  skippedAt: Date | null;
  createdAt: Date;
}

type ReviewDbRow = {
  id: string;
  left_party_id: string;
  right_party_id: string;
  left_reference: string;
  right_reference: string;
  left_name: string;
  right_name: string;
  system: string | null;
  source_key: string | null;
  match_probability: number;
  log2_odds: number;
  explanation: ReviewRow['explanation'];
  status: ReviewRow['status'];
  skipped_at: Date | null;
  created_at: Date;
};

const REVIEW_SELECT = sql`
  select r.id, r.left_party_id, r.right_party_id, l.reference as left_reference, rp.reference as right_reference,
         l.display_name as left_name, rp.display_name as right_name, r.system, r.source_key,
         r.match_probability, r.log2_odds, r.explanation, r.status, r.skipped_at, r.created_at
    from identity_review r
    join party l on l.council_id = r.council_id and l.id = r.left_party_id
    join party rp on rp.council_id = r.council_id and rp.id = r.right_party_id`;

const toReview = (r: ReviewDbRow): ReviewRow => ({
  id: r.id,
  leftPartyId: r.left_party_id,
  rightPartyId: r.right_party_id,
  leftReference: r.left_reference,
  rightReference: r.right_reference,
  leftName: r.left_name,
  rightName: r.right_name,
  system: r.system,
  sourceKey: r.source_key,
  matchProbability: Number(r.match_probability),
  log2Odds: Number(r.log2_odds),
  explanation: r.explanation,
  status: r.status,
  skippedAt: r.skipped_at,
  createdAt: r.created_at,
});

/** Pending pairs, skipped ones last, the most likely first. */
export async function listPendingReviews(
  db: Executor,
  councilId: string,
  limit: number,
  offset: number,
): Promise<{ rows: ReviewRow[]; total: number }> {
  const { rows } = await sql<ReviewDbRow>`
    ${REVIEW_SELECT}
     where r.council_id = ${councilId} and r.status = 'pending' and l.status = 'active' and rp.status = 'active'
     order by r.skipped_at asc nulls first, r.match_probability desc, r.id
     limit ${limit} offset ${offset}`.execute(db);
  // A pair whose record was merged meanwhile (by hand, or through another pair) has nothing left to decide.
  const count = await sql<{ n: string }>`
    select count(*) as n from identity_review r
      join party l on l.council_id = r.council_id and l.id = r.left_party_id and l.status = 'active'
      join party rp on rp.council_id = r.council_id and rp.id = r.right_party_id and rp.status = 'active'
     where r.council_id = ${councilId} and r.status = 'pending'`.execute(db);
  return { rows: rows.map(toReview), total: Number(count.rows[0]?.n ?? 0) };
}

export async function findReview(
  db: Executor,
  councilId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ReviewRow | undefined> {
  const { rows } = await sql<ReviewDbRow>`
    ${REVIEW_SELECT} where r.council_id = ${councilId} and r.id = ${id}
    ${options.forUpdate ? sql`for update of r` : sql``}`.execute(db);
  return rows[0] ? toReview(rows[0]) : undefined;
}

export async function decideReview(
  db: Executor,
  councilId: string,
  id: string,
  decision: { status: 'accepted' | 'rejected'; mergeId: string | null; by: string | null },
): Promise<void> {
  await sql`
    update identity_review set status = ${decision.status}, merge_id = ${decision.mergeId},
           decided_by = ${decision.by}, decided_at = now()
     where council_id = ${councilId} and id = ${id} and status = 'pending'`.execute(db);
}

export async function skipReview(db: Executor, councilId: string, id: string): Promise<void> {
  await sql`
    update identity_review set skipped_at = now()
     where council_id = ${councilId} and id = ${id} and status = 'pending'`.execute(db);
}

/** Decided pairs by score band (tenths of probability). */
export async function decisionsByBand(
  db: Executor,
  councilId: string,
): Promise<{ band: number; accepted: number; rejected: number; pending: number }[]> {
  const { rows } = await sql<{ band: number; accepted: string; rejected: string; pending: string }>`
    select least(floor(match_probability * 10)::int, 9) as band,
           count(*) filter (where status = 'accepted') as accepted,
           count(*) filter (where status = 'rejected') as rejected,
           count(*) filter (where status = 'pending') as pending
      from identity_review where council_id = ${councilId}
     group by 1 order by 1`.execute(db);
  return rows.map((r) => ({
    band: Number(r.band),
    accepted: Number(r.accepted),
    rejected: Number(r.rejected),
    pending: Number(r.pending),
  }));
}

// ---------------------------------------------------------------------------------------------
// Signals. A source record's current party: the active party holding its source key.

const CURRENT = sql`
  join party_identifier pi on pi.council_id = s.council_id and pi.scheme = 'source'
   and pi.system = s.system and pi.value_key = s.source_key
  join party p on p.council_id = s.council_id and p.id = pi.party_id and p.status = 'active'`;

/** Compares addresses as written: postcode plus the letters and digits of the text, lower case. */
const sourceAddressKey = sql`(coalesce(s.postcode_key, '') || '|' || lower(regexp_replace(coalesce(s.address_text, ''), '[^A-Za-z0-9]', '', 'g')))`;

export interface SignalSource {
  system: string;
  key: string;
  value: string;
}

export interface SignalRow {
  partyId: string;
  reference: string;
  displayName: string;
  sources: SignalSource[];
}

type SignalDbRow = {
  party_id: string;
  reference: string;
  display_name: string;
  sources: SignalSource[] | string;
};
const toSignal = (r: SignalDbRow): SignalRow => ({
  partyId: r.party_id,
  reference: r.reference,
  displayName: r.display_name,
  sources: typeof r.sources === 'string' ? (JSON.parse(r.sources) as SignalSource[]) : r.sources,
});

/** People whose linked source records give different dates of birth. */
export async function conflictingBirthDates(
  db: Executor,
  councilId: string,
  limit: number,
): Promise<SignalRow[]> {
  const { rows } = await sql<SignalDbRow>`
    select p.id as party_id, p.reference, p.display_name,
           json_agg(json_build_object('system', s.system, 'key', s.source_key, 'value', s.date_of_birth::text)
             order by s.system, s.source_key) as sources
      from identity_source_record s ${CURRENT}
     where s.council_id = ${councilId} and s.date_of_birth is not null
     group by p.id, p.reference, p.display_name
    having count(distinct s.date_of_birth) > 1
     order by p.display_name, p.id
     limit ${limit}`.execute(db);
  return rows.map(toSignal);
}

/** People whose source records from different systems give different current addresses. */
export async function concurrentAddresses(
  db: Executor,
  councilId: string,
  limit: number,
): Promise<SignalRow[]> {
  const { rows } = await sql<SignalDbRow>`
    select p.id as party_id, p.reference, p.display_name,
           json_agg(json_build_object('system', s.system, 'key', s.source_key,
             'value', trim(coalesce(s.address_text, '') || ' ' || coalesce(s.postcode_key, '')))
             order by s.system, s.source_key) as sources
      from identity_source_record s ${CURRENT}
     where s.council_id = ${councilId} and (s.address_text is not null or s.postcode_key is not null)
     group by p.id, p.reference, p.display_name
    having count(distinct ${sourceAddressKey}) > 1 and count(distinct s.system) > 1
     order by p.display_name, p.id
     limit ${limit}`.execute(db);
  return rows.map(toSignal);
}

export interface DiscountSignalRow {
  partyId: string;
  reference: string;
  displayName: string;
  system: string;
  key: string;
  address: string;
  others: { partyId: string; reference: string; displayName: string }[];
}

/**
 * Single-person discount claims at an address where other adults (18 or over, or of unknown age)
 * live now: other active people with a current address that is the same as written, who are not
 * the claimant's carers (carers are disregarded for the discount).
 */
export async function discountWithOtherAdults(
  db: Executor,
  councilId: string,
  limit: number,
): Promise<DiscountSignalRow[]> {
  const { rows } = await sql<{
    party_id: string;
    reference: string;
    display_name: string;
    system: string;
    source_key: string;
    address: string;
    others: DiscountSignalRow['others'] | string;
  }>`
    select p.id as party_id, p.reference, p.display_name, s.system, s.source_key,
           trim(coalesce(s.address_text, '') || ' ' || coalesce(s.postcode_key, '')) as address,
           json_agg(distinct jsonb_build_object('partyId', o.id, 'reference', o.reference, 'displayName', o.display_name)) as others
      from identity_source_record s ${CURRENT}
      join party_address a on a.council_id = s.council_id and a.valid_to is null
       and a.postcode_key = s.postcode_key and a.party_id <> p.id
       and lower(regexp_replace(a.text, '[^A-Za-z0-9]', '', 'g'))
           = lower(regexp_replace(coalesce(s.address_text, ''), '[^A-Za-z0-9]', '', 'g'))
      join party o on o.council_id = a.council_id and o.id = a.party_id and o.status = 'active' and o.kind = 'person'
       and (o.date_of_birth is null or o.date_of_birth <= current_date - interval '18 years')
     where s.council_id = ${councilId} and s.single_person_discount and s.postcode_key is not null
       and not exists (select 1 from party_relationship r
                        where r.council_id = s.council_id and r.type = 'carer_of'
                          and r.from_party_id = o.id and r.to_party_id = p.id)
     group by p.id, p.reference, p.display_name, s.system, s.source_key, s.address_text, s.postcode_key
     order by p.display_name, p.id
     limit ${limit}`.execute(db);
  return rows.map((r) => ({
    partyId: r.party_id,
    reference: r.reference,
    displayName: r.display_name,
    system: r.system,
    key: r.source_key,
    address: r.address,
    others: typeof r.others === 'string' ? (JSON.parse(r.others) as DiscountSignalRow['others']) : r.others,
  }));
}

// ---------------------------------------------------------------------------------------------
// Data quality

export type Measure = 'missing_dob' | 'invalid_postcode' | 'duplicates';

export interface MeasureRow {
  measure: Measure;
  /** '' for the whole register. */
  system: string;
  value: number;
  total: number;
}

/**
 * Per source system: people without a date of birth, records whose postcode was not a real one,
 * and records the system holds twice (their party holds another key of the same system). For the
 * whole register: active people without a date of birth, current addresses without a valid postcode.
 */
export async function currentMeasures(db: Executor, councilId: string): Promise<MeasureRow[]> {
  const { rows } = await sql<{ measure: Measure; system: string; value: string; total: string }>`
    with src as (
      select s.system, s.source_key, s.kind, s.date_of_birth, s.postcode_invalid, pi.party_id
        from identity_source_record s
        left join party_identifier pi on pi.council_id = s.council_id and pi.scheme = 'source'
         and pi.system = s.system and pi.value_key = s.source_key
       where s.council_id = ${councilId}
    ), per_party as (
      select system, party_id, count(*) as n from src where party_id is not null group by system, party_id
    )
    select 'missing_dob' as measure, system, count(*) filter (where date_of_birth is null) as value,
           count(*) as total from src where kind = 'person' group by system
    union all
    select 'invalid_postcode', system, count(*) filter (where postcode_invalid), count(*) from src group by system
    union all
    select 'duplicates', s.system, count(*) filter (where pp.n > 1), count(*)
      from src s left join per_party pp on pp.system = s.system and pp.party_id = s.party_id group by s.system
    union all
    select 'missing_dob', '', count(*) filter (where date_of_birth is null), count(*)
      from party where council_id = ${councilId} and kind = 'person' and status = 'active'
    union all
    select 'invalid_postcode', '', count(*) filter (where a.postcode_key is null), count(*)
      from party_address a join party p on p.council_id = a.council_id and p.id = a.party_id and p.status = 'active'
     where a.council_id = ${councilId} and a.valid_to is null`.execute(db);
  return rows
    .map((r) => ({ measure: r.measure, system: r.system, value: Number(r.value), total: Number(r.total) }))
    .sort((a, b) => a.measure.localeCompare(b.measure) || a.system.localeCompare(b.system));
}

export async function saveSnapshot(
  db: Executor,
  councilId: string,
  takenOn: string,
  measures: readonly MeasureRow[],
): Promise<void> {
  if (measures.length === 0) return;
  await sql`
    insert into identity_quality_snapshot (council_id, taken_on, measure, system, value, total)
    select ${councilId}::uuid, ${takenOn}::date, x.measure, x.system, x.value, x.total
      from json_to_recordset(${JSON.stringify(measures)}::json) as x(measure text, system text, value int, total int)
    on conflict (council_id, taken_on, measure, system) do update set value = excluded.value, total = excluded.total`.execute(
    db,
  );
}

export async function listSnapshots(
  db: Executor,
  councilId: string,
  days: number,
): Promise<(MeasureRow & { takenOn: string })[]> {
  const { rows } = await sql<{
    taken_on: string;
    measure: Measure;
    system: string;
    value: number;
    total: number;
  }>`
    select to_char(taken_on, 'YYYY-MM-DD') as taken_on, measure, system, value, total
      from identity_quality_snapshot
     where council_id = ${councilId} and taken_on > current_date - ${days}::int
     order by taken_on, measure, system`.execute(db);
  return rows.map((r) => ({
    takenOn: r.taken_on,
    measure: r.measure,
    system: r.system,
    value: Number(r.value),
    total: Number(r.total),
  }));
}

export async function councilIds(db: Executor): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from council order by id`.execute(db);
  return rows.map((r) => r.id);
}
