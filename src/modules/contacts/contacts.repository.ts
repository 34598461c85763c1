import { type Generated, sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

interface ContactTable {
  id: Generated<string>;
  council_id: string;
  party_id: string | null;
  channel: string;
  direction: string;
  started_at: Date;
  ended_at: Date;
  site_id: string | null;
  agent_id: string | null;
  recorded_by: string;
  interaction_type: string | null;
  service_codes: string[];
  outcome: string;
  avoidable: boolean;
  avoidable_reason: string | null;
  notes: string;
  created_at: Generated<Date>;
}

interface ContactCaseTable {
  council_id: string;
  contact_id: string;
  case_id: string;
}

type ContactTables = {
  contact: ContactTable;
  contact_case: ContactCaseTable;
};

const t = (db: Executor) => db.withTables<ContactTables>();

export interface ContactRow {
  id: string;
  councilId: string;
  partyId: string | null;
  channel: string;
  direction: string;
  startedAt: Date;
  endedAt: Date;
  siteId: string | null;
  agentId: string | null;
  recordedBy: string;
  interactionType: string | null;
  serviceCodes: string[];
  outcome: string;
  avoidable: boolean;
  avoidableReason: string | null;
  notes: string;
  createdAt: Date;
}

export interface ContactRecord extends ContactRow {
  caseIds: string[];
}

export type NewContact = Omit<ContactRow, 'id' | 'createdAt'>;

const COLUMNS = [
  'id',
  'council_id as councilId',
  'party_id as partyId',
  'channel',
  'direction',
  'started_at as startedAt',
  'ended_at as endedAt',
  'site_id as siteId',
  'agent_id as agentId',
  'recorded_by as recordedBy',
  'interaction_type as interactionType',
  'service_codes as serviceCodes',
  'outcome',
  'avoidable',
  'avoidable_reason as avoidableReason',
  'notes',
  'created_at as createdAt',
] as const;

export async function insertContact(db: Executor, c: NewContact): Promise<ContactRow> {
  return t(db)
    .insertInto('contact')
    .values({
      council_id: c.councilId,
      party_id: c.partyId,
      channel: c.channel,
      direction: c.direction,
      started_at: c.startedAt,
      ended_at: c.endedAt,
      site_id: c.siteId,
      agent_id: c.agentId,
      recorded_by: c.recordedBy,
      interaction_type: c.interactionType,
      service_codes: sql<string[]>`${c.serviceCodes}::text[]`,
      outcome: c.outcome,
      avoidable: c.avoidable,
      avoidable_reason: c.avoidableReason,
      notes: c.notes,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function insertContactCases(
  db: Executor,
  councilId: string,
  contactId: string,
  caseIds: readonly string[],
): Promise<void> {
  if (caseIds.length === 0) return;
  await t(db)
    .insertInto('contact_case')
    .values(caseIds.map((caseId) => ({ council_id: councilId, contact_id: contactId, case_id: caseId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

async function withCases(db: Executor, rows: ContactRow[]): Promise<ContactRecord[]> {
  if (rows.length === 0) return [];
  const links = await t(db)
    .selectFrom('contact_case')
    .select(['contact_id as contactId', 'case_id as caseId'])
    .where('council_id', '=', rows[0]?.councilId ?? '')
    .where(
      'contact_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('case_id')
    .execute();
  const byContact = new Map<string, string[]>();
  for (const l of links) byContact.set(l.contactId, [...(byContact.get(l.contactId) ?? []), l.caseId]);
  return rows.map((r) => ({ ...r, caseIds: byContact.get(r.id) ?? [] }));
}

export async function findContact(
  db: Executor,
  councilId: string,
  id: string,
): Promise<ContactRecord | undefined> {
  const row = await t(db)
    .selectFrom('contact')
    .select(COLUMNS)
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return (await withCases(db, [row]))[0];
}

export interface ContactFilter {
  partyId?: string | undefined;
  agentId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only contacts that started strictly before this (paging back). */
  before?: Date | undefined;
  limit: number;
}

/** Contacts newest first, filtered; each with its linked requests. */
export async function listContacts(
  db: Executor,
  councilId: string,
  filter: ContactFilter,
): Promise<ContactRecord[]> {
  let query = t(db).selectFrom('contact').select(COLUMNS).where('council_id', '=', councilId);
  if (filter.partyId) query = query.where('party_id', '=', filter.partyId);
  if (filter.agentId) query = query.where('agent_id', '=', filter.agentId);
  if (filter.from) query = query.where('started_at', '>=', filter.from);
  if (filter.to) query = query.where('started_at', '<', filter.to);
  if (filter.before) query = query.where('started_at', '<', filter.before);
  const rows = await query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  return withCases(db, rows);
}

/**
 * A party's contacts for the timeline, newest first. Served by the per-partition index
 * (council_id, party_id, started_at desc); with `before`, older partitions only.
 */
export async function partyContacts(
  db: Executor,
  councilId: string,
  partyId: string,
  before: Date | undefined,
  limit: number,
): Promise<ContactRow[]> {
  let query = t(db)
    .selectFrom('contact')
    .select(COLUMNS)
    .where('council_id', '=', councilId)
    .where('party_id', '=', partyId);
  if (before) query = query.where('started_at', '<', before);
  return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** Creates the month partition holding `month` (and moves its rows out of the default partition). */
export async function ensureMonthPartition(db: Executor, month: Date): Promise<string> {
  const day = month.toISOString().slice(0, 10);
  const result = await sql<{ name: string }>`select contact_ensure_month(${day}::date) as name`.execute(db);
  return result.rows[0]?.name ?? '';
}

export interface DemoContactPlan {
  councilId: string;
  count: number;
  days: number;
  /** Staff who take contacts, with their sites. */
  agents: { id: string; label: string; siteId: string | null }[];
  serviceCodes: string[];
  interactionTypes: string[];
  /** Deterministic generation: the same seed gives the same contacts. */
  seed: number;
}

/**
 * Demo data in one set-based statement: `count` contacts spread over the `days` before today,
 * across the council's active parties (some parties get many). Uses only the party ids.
 */
export async function insertDemoContacts(db: Executor, plan: DemoContactPlan): Promise<number> {
  if (plan.agents.length === 0) return 0;
  const result = await sql`
    with parties as (
      select id, row_number() over (order by id) as n
      from party where council_id = ${plan.councilId} and status = 'active'
    ),
    np as (select count(*)::int as total from parties),
    agents as (
      select a.id::uuid as id, a.label, nullif(a.site, '')::uuid as site_id, a.n
      from unnest(${plan.agents.map((a) => a.id)}::text[], ${plan.agents.map((a) => a.label)}::text[],
                  ${plan.agents.map((a) => a.siteId ?? '')}::text[])
        with ordinality as a(id, label, site, n)
    ),
    g as (
      select i,
        abs(hashint4(i * 7 + ${plan.seed}::int)) as h1,
        abs(hashint4(i * 13 + ${plan.seed}::int + 1)) as h2,
        abs(hashint4(i * 17 + ${plan.seed}::int + 2)) as h3
      from generate_series(1, ${plan.count}::int) as i
    ),
    rows as (
      select g.*,
        date_trunc('day', now()) - ((1 + g.h1 % ${plan.days}::int) * interval '1 day')
          + ((8 * 3600 + g.h2 % (9 * 3600)) * interval '1 second') as started_at,
        (60 + g.h3 % 900) * interval '1 second' as duration,
        -- A skewed pick of party, so a few parties have long histories; one in ten is anonymous.
        case when g.h2 % 10 = 0 then null
             else 1 + (power((g.h1 % 10007) / 10007.0, 2) * np.total)::int % greatest(np.total, 1) end as pn
      from g cross join np
    )
    insert into contact (council_id, party_id, channel, direction, started_at, ended_at, site_id, agent_id,
      recorded_by, interaction_type, service_codes, outcome, avoidable, avoidable_reason, notes)
    select ${plan.councilId}::uuid,
      p.id,
      (array['phone','phone','phone','phone','face_to_face','web','email','email','sms','letter','social'])
        [1 + r.h3 % 11],
      case when r.h1 % 6 = 0 then 'outbound' else 'inbound' end,
      r.started_at,
      r.started_at + r.duration,
      a.site_id,
      a.id,
      a.label,
      (${plan.interactionTypes}::text[])[1 + r.h2 % greatest(cardinality(${plan.interactionTypes}::text[]), 1)],
      array[(${plan.serviceCodes}::text[])[1 + r.h3 % greatest(cardinality(${plan.serviceCodes}::text[]), 1)]],
      (array['resolved','resolved','resolved','resolved','resolved','signposted','referred','callback_booked',
             'request_raised','request_raised'])[1 + (r.h1 / 7) % 10],
      r.h3 % 5 = 0,
      case when r.h3 % 5 = 0
        then (array['chasing_progress','repeat','misdirected','unclear_information'])[1 + (r.h2 / 11) % 4] end,
      (array['Caller asked when their bin would be collected; date confirmed.',
             'Explained how to apply online and sent the link.',
             'Chasing a reported issue; gave the latest update from the team.',
             'Took payment details over the phone.',
             'Wanted to speak to the housing team; transferred.',
             'Asked about opening times of the one stop shop.',
             'Called back as arranged; query answered.',
             ''])[1 + (r.h2 / 13) % 8]
    from rows r
    join agents a on a.n = 1 + r.h1 % ${plan.agents.length}::int
    left join parties p on p.n = r.pn
    where exists (select 1 from parties)
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
