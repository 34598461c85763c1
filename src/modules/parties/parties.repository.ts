import { type Generated, type RawBuilder, sql } from 'kysely';
import { type CopyTransaction, copyValue } from '../../platform/db/copy.ts';
import type { Executor } from '../../platform/db/database.ts';
import { uuidV7 } from '../../platform/db/together.ts';
import type { DatePrecision } from './parties.normalise.ts';

interface PartyTable {
  id: Generated<string>;
  council_id: string;
  reference: string;
  kind: string;
  status: Generated<string>;
  merged_into: string | null;
  title: string | null;
  given_names: string | null;
  family_name: string | null;
  suffix: string | null;
  preferred_name: string | null;
  organisation_name: string | null;
  organisation_type: string | null;
  display_name: string;
  name_key: string;
  date_of_birth: string | null;
  birth_date_precision: string | null;
  date_of_death: string | null;
  preferred_channel: string | null;
  language: Generated<string>;
  language_other: string | null;
  large_print: Generated<boolean>;
  bsl: Generated<boolean>;
  interpreter: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

interface PartyNameTable {
  id: Generated<string>;
  council_id: string;
  party_id: string;
  use: string;
  title: string | null;
  given_names: string | null;
  family_name: string | null;
  given_key: string;
  family_key: string;
  given_sound: Generated<string | null>;
  family_sound: Generated<string | null>;
  date_of_birth: string | null;
  valid_from: string | null;
  valid_to: string | null;
  created_at: Generated<Date>;
}

interface PartyNameTermTable {
  council_id: string;
  part: string;
  term: string;
  sound: Generated<string | null>;
}

interface PartyIdentifierTable {
  id: Generated<string>;
  council_id: string;
  party_id: string;
  scheme: string;
  system: string | null;
  value: string;
  value_key: string;
  created_at: Generated<Date>;
}

interface ContactPointTable {
  id: Generated<string>;
  council_id: string;
  party_id: string;
  kind: string;
  value: string;
  label: string | null;
  is_preferred: Generated<boolean>;
  is_verified: Generated<boolean>;
  do_not_contact: Generated<boolean>;
  created_at: Generated<Date>;
}

interface PartyAddressTable {
  id: Generated<string>;
  council_id: string;
  party_id: string;
  role: string;
  text: string;
  postcode: string | null;
  postcode_key: string | null;
  uprn: number | null;
  valid_from: string | null;
  valid_to: string | null;
  created_at: Generated<Date>;
}

interface PartyRelationshipTable {
  id: Generated<string>;
  council_id: string;
  type: string;
  from_party_id: string;
  to_party_id: string;
  valid_from: string | null;
  valid_to: string | null;
  created_at: Generated<Date>;
}

interface PartyAlertTable {
  id: Generated<string>;
  council_id: string;
  party_id: string;
  kind: string;
  reason: string;
  review_on: string;
  visible_to: string[];
  raised_by: string | null;
  created_at: Generated<Date>;
  ended_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  reviewed_at: Date | null;
  reviewed_by: string | null;
}

interface PartyMergeTable {
  id: Generated<string>;
  council_id: string;
  survivor_id: string;
  merged_id: string;
  survivor_before: unknown;
  merged_before: unknown;
  moved: unknown;
  merged_by: string | null;
  merged_at: Generated<Date>;
  unmerged_by: string | null;
  unmerged_at: Date | null;
}

type Tables = {
  party: PartyTable;
  party_name: PartyNameTable;
  party_name_term: PartyNameTermTable;
  party_identifier: PartyIdentifierTable;
  contact_point: ContactPointTable;
  party_address: PartyAddressTable;
  party_relationship: PartyRelationshipTable;
  party_alert: PartyAlertTable;
  party_merge: PartyMergeTable;
};

const t = (db: Executor) => db.withTables<Tables>();

// ---------------------------------------------------------------------------------------------
// Parties

export type PartyKind = 'person' | 'organisation' | 'household';

/** The columns of a party that people edit (everything but ids, status and timestamps). */
export interface PartyFields {
  kind: PartyKind;
  title: string | null;
  givenNames: string | null;
  familyName: string | null;
  suffix: string | null;
  preferredName: string | null;
  organisationName: string | null;
  organisationType: string | null;
  displayName: string;
  nameKey: string;
  dateOfBirth: string | null;
  birthDatePrecision: DatePrecision | null;
  dateOfDeath: string | null;
  preferredChannel: string | null;
  language: string;
  languageOther: string | null;
  largePrint: boolean;
  bsl: boolean;
  interpreter: boolean;
}

export interface PartyRecord extends PartyFields {
  id: string;
  councilId: string;
  reference: string;
  status: 'active' | 'merged';
  mergedInto: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const PARTY_COLUMNS = [
  'id',
  'council_id',
  'reference',
  'kind',
  'status',
  'merged_into',
  'title',
  'given_names',
  'family_name',
  'suffix',
  'preferred_name',
  'organisation_name',
  'organisation_type',
  'display_name',
  'name_key',
  'date_of_birth',
  'birth_date_precision',
  'date_of_death',
  'preferred_channel',
  'language',
  'language_other',
  'large_print',
  'bsl',
  'interpreter',
  'version',
  'created_at',
  'updated_at',
] as const;

type PartyRow = {
  [K in (typeof PARTY_COLUMNS)[number]]: K extends 'version'
    ? number
    : K extends 'large_print' | 'bsl' | 'interpreter'
      ? boolean
      : K extends 'created_at' | 'updated_at'
        ? Date
        : K extends 'id' | 'status' | 'language'
          ? string
          : PartyTable[K];
};

function toParty(row: PartyRow): PartyRecord {
  return {
    id: row.id,
    councilId: row.council_id,
    reference: row.reference,
    kind: row.kind as PartyKind,
    status: row.status as 'active' | 'merged',
    mergedInto: row.merged_into,
    title: row.title,
    givenNames: row.given_names,
    familyName: row.family_name,
    suffix: row.suffix,
    preferredName: row.preferred_name,
    organisationName: row.organisation_name,
    organisationType: row.organisation_type,
    displayName: row.display_name,
    nameKey: row.name_key,
    dateOfBirth: row.date_of_birth,
    birthDatePrecision: row.birth_date_precision as DatePrecision | null,
    dateOfDeath: row.date_of_death,
    preferredChannel: row.preferred_channel,
    language: row.language,
    languageOther: row.language_other,
    largePrint: row.large_print,
    bsl: row.bsl,
    interpreter: row.interpreter,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function partyColumns(fields: PartyFields) {
  return {
    kind: fields.kind,
    title: fields.title,
    given_names: fields.givenNames,
    family_name: fields.familyName,
    suffix: fields.suffix,
    preferred_name: fields.preferredName,
    organisation_name: fields.organisationName,
    organisation_type: fields.organisationType,
    display_name: fields.displayName,
    name_key: fields.nameKey,
    date_of_birth: fields.dateOfBirth,
    birth_date_precision: fields.birthDatePrecision,
    date_of_death: fields.dateOfDeath,
    preferred_channel: fields.preferredChannel,
    language: fields.language,
    language_other: fields.languageOther,
    large_print: fields.largePrint,
    bsl: fields.bsl,
    interpreter: fields.interpreter,
  };
}

export async function insertParty(
  db: Executor,
  councilId: string,
  reference: string,
  fields: PartyFields,
): Promise<string> {
  const row = await t(db)
    .insertInto('party')
    .values({ council_id: councilId, reference, ...partyColumns(fields) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The party's row, with an id made in Node, for `writeTogether`. */
export function partyInsert(
  db: Executor,
  councilId: string,
  id: string,
  reference: string,
  fields: PartyFields,
) {
  return t(db)
    .insertInto('party')
    .values({ id, council_id: councilId, reference, ...partyColumns(fields) });
}

/** The constraint a clash of party references violates (references are random; draw again). */
export const PARTY_REFERENCE_CONSTRAINT = 'party_council_id_reference_key';

/** Updates a party if it is still at `expectedVersion`; false when someone else changed it first. */
export async function updateParty(
  db: Executor,
  councilId: string,
  id: string,
  fields: PartyFields,
  expectedVersion?: number,
): Promise<boolean> {
  let query = t(db)
    .updateTable('party')
    .set({ ...partyColumns(fields), version: sql`version + 1`, updated_at: sql`now()` })
    .where('council_id', '=', councilId)
    .where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  // Keep the copy of the date of birth on the party's names in step (it serves name searches).
  await t(db)
    .updateTable('party_name')
    .set({ date_of_birth: fields.dateOfBirth })
    .where('council_id', '=', councilId)
    .where('party_id', '=', id)
    .where(sql<boolean>`date_of_birth is distinct from ${fields.dateOfBirth}::date`)
    .execute();
  return true;
}

export async function setPartyStatus(
  db: Executor,
  councilId: string,
  id: string,
  status: 'active' | 'merged',
  mergedInto: string | null,
): Promise<void> {
  await t(db)
    .updateTable('party')
    .set({ status, merged_into: mergedInto, version: sql`version + 1`, updated_at: sql`now()` })
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .execute();
}

export async function findParty(
  db: Executor,
  councilId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PartyRecord | undefined> {
  let query = t(db)
    .selectFrom('party')
    .select(PARTY_COLUMNS)
    .where('council_id', '=', councilId)
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toParty(row as PartyRow) : undefined;
}

/** Names and references of these parties (merged ones too), in one statement; for the audit trail. */
export async function partyNamesByIds(
  db: Executor,
  councilId: string,
  ids: readonly string[],
): Promise<{ id: string; displayName: string; reference: string }[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: string; display_name: string; reference: string }>`
    select id, display_name, reference from party
     where council_id = ${councilId} and id = any(${[...ids]}::uuid[])`.execute(db);
  return rows.map((r) => ({ id: r.id, displayName: r.display_name, reference: r.reference }));
}

export async function findPartyByReference(
  db: Executor,
  councilId: string,
  reference: string,
): Promise<PartyRecord | undefined> {
  const row = await t(db)
    .selectFrom('party')
    .select(PARTY_COLUMNS)
    .where('council_id', '=', councilId)
    .where('reference', '=', reference)
    .executeTakeFirst();
  return row ? toParty(row as PartyRow) : undefined;
}

export async function countParties(db: Executor, councilId: string): Promise<number> {
  const row = await t(db)
    .selectFrom('party')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('council_id', '=', councilId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// ---------------------------------------------------------------------------------------------
// Names

export interface NameRecord {
  id: string;
  use: 'current' | 'preferred' | 'previous';
  title: string | null;
  givenNames: string | null;
  familyName: string | null;
  validFrom: string | null;
  validTo: string | null;
}

export interface NewName {
  use: 'current' | 'preferred' | 'previous';
  title: string | null;
  givenNames: string | null;
  familyName: string | null;
  givenKey: string;
  familyKey: string;
  validFrom: string | null;
  validTo: string | null;
}

export async function insertNames(
  db: Executor,
  councilId: string,
  partyId: string,
  names: readonly NewName[],
): Promise<void> {
  if (names.length === 0) return;
  await namesInsert(
    db,
    councilId,
    partyId,
    names,
    sql<string | null>`(select date_of_birth from party where id = ${partyId})`,
  ).execute();
  await insertNameTerms(db, councilId, nameTermsOf(names));
}

/**
 * A party's names, each with a copy of the date of birth (it serves name searches), for
 * `writeTogether` or `insertNames`. Call only with at least one name.
 */
export function namesInsert(
  db: Executor,
  councilId: string,
  partyId: string,
  names: readonly NewName[],
  dateOfBirth: string | null | RawBuilder<string | null>,
) {
  return t(db)
    .insertInto('party_name')
    .values(
      names.map((n) => ({
        council_id: councilId,
        party_id: partyId,
        use: n.use,
        title: n.title,
        given_names: n.givenNames,
        family_name: n.familyName,
        given_key: n.givenKey,
        family_key: n.familyKey,
        date_of_birth: dateOfBirth,
        valid_from: n.validFrom,
        valid_to: n.validTo,
      })),
    );
}

/** The search terms names add to the council's list of known given and family names. */
export function nameTermsOf(names: readonly NewName[]): { part: 'given' | 'family'; term: string }[] {
  return names.flatMap((n) => [
    { part: 'given' as const, term: n.givenKey },
    { part: 'family' as const, term: n.familyKey },
  ]);
}

/** Replaces the current and preferred names (previous names are history and stay). */
export async function deleteCurrentNames(
  db: Executor,
  councilId: string,
  partyId: string,
  keepIds: readonly string[] = [],
): Promise<void> {
  let query = t(db)
    .deleteFrom('party_name')
    .where('council_id', '=', councilId)
    .where('party_id', '=', partyId)
    .where('use', 'in', ['current', 'preferred']);
  if (keepIds.length > 0) query = query.where('id', 'not in', [...keepIds]);
  await query.execute();
}

export async function insertNameTerms(
  db: Executor,
  councilId: string,
  terms: readonly { part: 'given' | 'family'; term: string }[],
): Promise<void> {
  await nameTermsInsert(db, councilId, terms)?.execute();
}

/** Adds terms not yet known (for `writeTogether`); undefined when there are none. */
export function nameTermsInsert(
  db: Executor,
  councilId: string,
  terms: readonly { part: 'given' | 'family'; term: string }[],
) {
  const unique = new Map<string, { part: string; term: string }>();
  for (const term of terms) if (term.term) unique.set(`${term.part}:${term.term}`, term);
  if (unique.size === 0) return undefined;
  return t(db)
    .insertInto('party_name_term')
    .values([...unique.values()].map((term) => ({ council_id: councilId, ...term })))
    .onConflict((oc) => oc.doNothing());
}

export async function listNames(db: Executor, partyId: string): Promise<NameRecord[]> {
  const rows = await t(db)
    .selectFrom('party_name')
    .select(['id', 'use', 'title', 'given_names', 'family_name', 'valid_from', 'valid_to'])
    .where('party_id', '=', partyId)
    .orderBy('use')
    .orderBy('valid_to', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    use: r.use as NameRecord['use'],
    title: r.title,
    givenNames: r.given_names,
    familyName: r.family_name,
    validFrom: r.valid_from,
    validTo: r.valid_to,
  }));
}

// ---------------------------------------------------------------------------------------------
// Identifiers, contact points, addresses

export type IdentifierScheme = 'ni_number' | 'nhs_number' | 'council_tax' | 'tenancy' | 'source';

export interface IdentifierRecord {
  id: string;
  partyId: string;
  scheme: IdentifierScheme;
  system: string | null;
  value: string;
  createdAt: Date;
}

export interface NewIdentifier {
  scheme: IdentifierScheme;
  system: string | null;
  value: string;
  valueKey: string;
}

export async function insertIdentifiers(
  db: Executor,
  councilId: string,
  partyId: string,
  identifiers: readonly NewIdentifier[],
): Promise<string[]> {
  if (identifiers.length === 0) return [];
  const rows = await identifiersInsert(db, councilId, partyId, identifiers).returning('id').execute();
  return rows.map((r) => r.id);
}

/** A party's identifiers, for `writeTogether` or `insertIdentifiers`. Call only with at least one. */
export function identifiersInsert(
  db: Executor,
  councilId: string,
  partyId: string,
  identifiers: readonly NewIdentifier[],
) {
  return t(db)
    .insertInto('party_identifier')
    .values(
      identifiers.map((i) => ({
        council_id: councilId,
        party_id: partyId,
        scheme: i.scheme,
        system: i.system,
        value: i.value,
        value_key: i.valueKey,
      })),
    );
}

export async function listIdentifiers(db: Executor, partyId: string): Promise<IdentifierRecord[]> {
  const rows = await t(db)
    .selectFrom('party_identifier')
    .select(['id', 'party_id', 'scheme', 'system', 'value', 'created_at'])
    .where('party_id', '=', partyId)
    .orderBy('scheme')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    partyId: r.party_id,
    scheme: r.scheme as IdentifierScheme,
    system: r.system,
    value: r.value,
    createdAt: r.created_at,
  }));
}

/** The party that a source system's key already names, if any. */
export async function findPartyIdBySourceKey(
  db: Executor,
  councilId: string,
  system: string,
  valueKey: string,
): Promise<string | undefined> {
  const row = await t(db)
    .selectFrom('party_identifier')
    .select('party_id')
    .where('council_id', '=', councilId)
    .where('scheme', '=', 'source')
    .where('system', '=', system)
    .where('value_key', '=', valueKey)
    .executeTakeFirst();
  return row?.party_id;
}

export interface ContactPointRecord {
  id: string;
  kind: 'phone' | 'email';
  value: string;
  label: string | null;
  isPreferred: boolean;
  isVerified: boolean;
  doNotContact: boolean;
}

export interface NewContactPoint {
  kind: 'phone' | 'email';
  value: string;
  label: string | null;
  isPreferred: boolean;
  isVerified: boolean;
  doNotContact: boolean;
}

export async function insertContactPoints(
  db: Executor,
  councilId: string,
  partyId: string,
  points: readonly NewContactPoint[],
): Promise<void> {
  if (points.length === 0) return;
  await contactPointsInsert(db, councilId, partyId, points).execute();
}

/** A party's phones and emails, for `writeTogether` or `insertContactPoints`. Call only with at least one. */
export function contactPointsInsert(
  db: Executor,
  councilId: string,
  partyId: string,
  points: readonly NewContactPoint[],
) {
  return t(db)
    .insertInto('contact_point')
    .values(
      points.map((p) => ({
        council_id: councilId,
        party_id: partyId,
        kind: p.kind,
        value: p.value,
        label: p.label,
        is_preferred: p.isPreferred,
        is_verified: p.isVerified,
        do_not_contact: p.doNotContact,
      })),
    );
}

export async function listContactPoints(db: Executor, partyId: string): Promise<ContactPointRecord[]> {
  const rows = await t(db)
    .selectFrom('contact_point')
    .select(['id', 'kind', 'value', 'label', 'is_preferred', 'is_verified', 'do_not_contact'])
    .where('party_id', '=', partyId)
    .orderBy('kind', 'desc')
    .orderBy('is_preferred', 'desc')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind as 'phone' | 'email',
    value: r.value,
    label: r.label,
    isPreferred: r.is_preferred,
    isVerified: r.is_verified,
    doNotContact: r.do_not_contact,
  }));
}

export type AddressRole = 'home' | 'correspondence' | 'work';

export interface AddressRecord {
  id: string;
  role: AddressRole;
  text: string;
  postcode: string | null;
  uprn: number | null;
  validFrom: string | null;
  validTo: string | null;
}

export interface NewAddress {
  role: AddressRole;
  text: string;
  postcode: string | null;
  postcodeKey: string | null;
  uprn: number | null;
  validFrom: string | null;
  validTo: string | null;
}

export async function insertAddresses(
  db: Executor,
  councilId: string,
  partyId: string,
  addresses: readonly NewAddress[],
): Promise<void> {
  if (addresses.length === 0) return;
  await addressesInsert(db, councilId, partyId, addresses).execute();
}

/** A party's addresses, for `writeTogether` or `insertAddresses`. Call only with at least one. */
export function addressesInsert(
  db: Executor,
  councilId: string,
  partyId: string,
  addresses: readonly NewAddress[],
) {
  return t(db)
    .insertInto('party_address')
    .values(
      addresses.map((a) => ({
        council_id: councilId,
        party_id: partyId,
        role: a.role,
        text: a.text,
        postcode: a.postcode,
        postcode_key: a.postcodeKey,
        uprn: a.uprn,
        valid_from: a.validFrom,
        valid_to: a.validTo,
      })),
    );
}

export async function listAddresses(db: Executor, partyId: string): Promise<AddressRecord[]> {
  const rows = await t(db)
    .selectFrom('party_address')
    .select(['id', 'role', 'text', 'postcode', 'uprn', 'valid_from', 'valid_to'])
    .where('party_id', '=', partyId)
    .orderBy(sql`valid_to is null`, 'desc')
    .orderBy('role')
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    role: r.role as AddressRole,
    text: r.text,
    postcode: r.postcode,
    uprn: r.uprn === null ? null : Number(r.uprn),
    validFrom: r.valid_from,
    validTo: r.valid_to,
  }));
}

// ---------------------------------------------------------------------------------------------
// Relationships and alerts

export interface RelationshipRecord {
  id: string;
  type: string;
  fromPartyId: string;
  toPartyId: string;
  validFrom: string | null;
  validTo: string | null;
  /** The party at the other end, seen from the party asked about. */
  other: { id: string; displayName: string; kind: PartyKind; reference: string };
  /** True when the party asked about is the relationship's `from` end. */
  outgoing: boolean;
}

export async function insertRelationship(
  db: Executor,
  councilId: string,
  input: {
    type: string;
    fromPartyId: string;
    toPartyId: string;
    validFrom: string | null;
    validTo: string | null;
  },
): Promise<string> {
  const row = await t(db)
    .insertInto('party_relationship')
    .values({
      council_id: councilId,
      type: input.type,
      from_party_id: input.fromPartyId,
      to_party_id: input.toPartyId,
      valid_from: input.validFrom,
      valid_to: input.validTo,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function listRelationships(db: Executor, partyId: string): Promise<RelationshipRecord[]> {
  const { rows } = await sql<{
    id: string;
    type: string;
    from_party_id: string;
    to_party_id: string;
    valid_from: string | null;
    valid_to: string | null;
    other_id: string;
    other_name: string;
    other_kind: string;
    other_reference: string;
  }>`
    select r.id, r.type, r.from_party_id, r.to_party_id, r.valid_from, r.valid_to,
           o.id as other_id, o.display_name as other_name, o.kind as other_kind, o.reference as other_reference
      from party_relationship r
      join party o on o.id = case when r.from_party_id = ${partyId} then r.to_party_id else r.from_party_id end
     where r.from_party_id = ${partyId} or r.to_party_id = ${partyId}
     order by r.valid_to is null desc, r.type, o.display_name`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    fromPartyId: r.from_party_id,
    toPartyId: r.to_party_id,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    other: {
      id: r.other_id,
      displayName: r.other_name,
      kind: r.other_kind as PartyKind,
      reference: r.other_reference,
    },
    outgoing: r.from_party_id === partyId,
  }));
}

export interface AlertRecord {
  id: string;
  kind: string;
  reason: string;
  reviewOn: string;
  visibleTo: string[];
  raisedBy: string | null;
  createdAt: Date;
}

export async function insertAlert(
  db: Executor,
  councilId: string,
  partyId: string,
  input: { kind: string; reason: string; reviewOn: string; visibleTo: string[]; raisedBy: string | null },
): Promise<string> {
  const row = await t(db)
    .insertInto('party_alert')
    .values({
      council_id: councilId,
      party_id: partyId,
      kind: input.kind,
      reason: input.reason,
      review_on: input.reviewOn,
      visible_to: input.visibleTo,
      raised_by: input.raisedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Alerts still in force on the council's party that the given role may see. */
export async function listAlerts(
  db: Executor,
  councilId: string,
  partyId: string,
  role: string,
): Promise<AlertRecord[]> {
  const rows = await t(db)
    .selectFrom('party_alert')
    .select(['id', 'kind', 'reason', 'review_on', 'visible_to', 'raised_by', 'created_at'])
    .where('council_id', '=', councilId)
    .where('party_id', '=', partyId)
    .where('ended_at', 'is', null)
    .where(sql<boolean>`${role} = any(visible_to)`)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    reason: r.reason,
    reviewOn: r.review_on,
    visibleTo: r.visible_to,
    raisedBy: r.raised_by,
    createdAt: r.created_at,
  }));
}

/** Any alert of the party (ended or not, whoever may see it), for the actions on it. */
export async function findAlert(
  db: Executor,
  councilId: string,
  partyId: string,
  alertId: string,
): Promise<(AlertRecord & { endedAt: Date | null }) | undefined> {
  const r = await t(db)
    .selectFrom('party_alert')
    .select(['id', 'kind', 'reason', 'review_on', 'visible_to', 'raised_by', 'created_at', 'ended_at'])
    .where('council_id', '=', councilId)
    .where('party_id', '=', partyId)
    .where('id', '=', alertId)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    kind: r.kind,
    reason: r.reason,
    reviewOn: r.review_on,
    visibleTo: r.visible_to,
    raisedBy: r.raised_by,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

export async function endAlert(
  db: Executor,
  councilId: string,
  alertId: string,
  reason: string,
  by: string | null,
): Promise<boolean> {
  const result = await sql`
    update party_alert set ended_at = now(), ended_by = ${by}, end_reason = ${reason}
     where council_id = ${councilId} and id = ${alertId} and ended_at is null`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

export async function markAlertReviewed(
  db: Executor,
  councilId: string,
  alertId: string,
  nextReviewOn: string,
  by: string | null,
): Promise<boolean> {
  const result = await sql`
    update party_alert set review_on = ${nextReviewOn}, reviewed_at = now(), reviewed_by = ${by}
     where council_id = ${councilId} and id = ${alertId} and ended_at is null`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

export interface DueAlert {
  id: string;
  partyId: string;
  partyName: string;
  partyReference: string;
  kind: string;
  reason: string;
  reviewOn: string;
  raisedBy: string | null;
  reviewedAt: Date | null;
}

/** Alerts in force whose review date is on or before `onOrBefore`, oldest first. */
export async function listAlertsDue(
  db: Executor,
  councilId: string,
  onOrBefore: string,
  limit: number,
): Promise<DueAlert[]> {
  const { rows } = await sql<{
    id: string;
    party_id: string;
    display_name: string;
    reference: string;
    kind: string;
    reason: string;
    review_on: string;
    raised_by: string | null;
    reviewed_at: Date | null;
  }>`
    select a.id, a.party_id, p.display_name, p.reference, a.kind, a.reason, a.review_on::text as review_on,
           a.raised_by, a.reviewed_at
      from party_alert a join party p on p.council_id = a.council_id and p.id = a.party_id
     where a.council_id = ${councilId} and a.ended_at is null and a.review_on <= ${onOrBefore}::date
     order by a.review_on, a.created_at
     limit ${limit}`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    partyId: r.party_id,
    partyName: r.display_name,
    partyReference: r.reference,
    kind: r.kind,
    reason: r.reason,
    reviewOn: r.review_on,
    raisedBy: r.raised_by,
    reviewedAt: r.reviewed_at,
  }));
}

/** Ends a current address of the party; false if there is none with that id. */
export async function endAddress(
  db: Executor,
  councilId: string,
  partyId: string,
  addressId: string,
  validTo: string,
): Promise<boolean> {
  const result = await sql`
    update party_address set valid_to = ${validTo}::date
     where council_id = ${councilId} and party_id = ${partyId} and id = ${addressId} and valid_to is null
       and (valid_from is null or valid_from <= ${validTo}::date)`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Ends a relationship seen from either end; false if there is no such current relationship. */
export async function endRelationship(
  db: Executor,
  councilId: string,
  partyId: string,
  relationshipId: string,
  validTo: string,
): Promise<{ fromPartyId: string; toPartyId: string; type: string } | undefined> {
  const { rows } = await sql<{ from_party_id: string; to_party_id: string; type: string }>`
    update party_relationship set valid_to = ${validTo}::date
     where council_id = ${councilId} and id = ${relationshipId} and valid_to is null
       and ${partyId}::uuid in (from_party_id, to_party_id)
       and (valid_from is null or valid_from <= ${validTo}::date)
     returning from_party_id, to_party_id, type`.execute(db);
  const r = rows[0];
  return r ? { fromPartyId: r.from_party_id, toPartyId: r.to_party_id, type: r.type } : undefined;
}

export type ContactPointChange = 'verify' | 'do_not_contact' | 'allow_contact' | 'prefer' | 'remove';

/**
 * Changes one contact point's flags, or removes it; returns its kind and value (as they were), or
 * undefined if the party has no such contact point.
 */
export async function changeContactPoint(
  db: Executor,
  councilId: string,
  partyId: string,
  contactPointId: string,
  change: ContactPointChange,
): Promise<{ kind: string; value: string } | undefined> {
  const where = sql`council_id = ${councilId} and party_id = ${partyId} and id = ${contactPointId}`;
  const { rows } =
    change === 'remove'
      ? await sql<{ kind: string; value: string }>`
          delete from contact_point where ${where} returning kind, value`.execute(db)
      : change === 'prefer'
        ? await sql<{ kind: string | null; value: string | null }>`
            update contact_point set is_preferred = (id = ${contactPointId})
             where council_id = ${councilId} and party_id = ${partyId}
               and kind = (select kind from contact_point where ${where})
             returning case when id = ${contactPointId} then kind end as kind,
                       case when id = ${contactPointId} then value end as value`.execute(db)
        : await sql<{ kind: string; value: string }>`
            update contact_point set
              is_verified = case when ${change} = 'verify' then true else is_verified end,
              do_not_contact = case when ${change} = 'do_not_contact' then true
                                    when ${change} = 'allow_contact' then false else do_not_contact end
             where ${where} returning kind, value`.execute(db);
  const row = rows.find((r) => r.kind);
  return row?.kind && row.value !== null ? { kind: row.kind, value: row.value } : undefined;
}

/** Removes one identifier; returns its scheme, or undefined if the party has none with that id. */
export async function deleteIdentifier(
  db: Executor,
  councilId: string,
  partyId: string,
  identifierId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ scheme: string }>`
    delete from party_identifier where council_id = ${councilId} and party_id = ${partyId} and id = ${identifierId}
    returning scheme`.execute(db);
  return rows[0]?.scheme;
}

/** Moves a party's version on when a page changes its details, refusing a stale form. */
export async function bumpVersion(
  db: Executor,
  councilId: string,
  partyId: string,
  expectedVersion?: number,
): Promise<boolean> {
  const result = await sql`
    update party set version = version + 1, updated_at = now()
     where council_id = ${councilId} and id = ${partyId}
       and (${expectedVersion ?? null}::int is null or version = ${expectedVersion ?? null}::int)`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0) > 0;
}

export interface PartyAtProperty {
  id: string;
  displayName: string;
  role: string;
}

/** Active parties with a current address at this property (UPRN), people first. */
export async function partiesAtUprn(
  db: Executor,
  councilId: string,
  uprn: string,
): Promise<PartyAtProperty[]> {
  const { rows } = await sql<{ id: string; display_name: string; role: string }>`
    select distinct on (p.id) p.id, p.display_name, a.role, p.kind
      from party_address a join party p on p.council_id = a.council_id and p.id = a.party_id
     where a.council_id = ${councilId} and a.uprn = ${uprn}::bigint and p.status = 'active'
       and (a.valid_to is null or a.valid_to > current_date)
       and (a.valid_from is null or a.valid_from <= current_date)
     order by p.id, case a.role when 'home' then 0 when 'correspondence' then 1 else 2 end`.execute(db);
  return rows
    .map((r) => ({ id: r.id, displayName: r.display_name, role: r.role }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}

// ---------------------------------------------------------------------------------------------
// Search. Each function answers one kind of clue from an index; the service combines and ranks.

export interface NameHit {
  partyId: string;
  use: string;
  givenKey: string;
  familyKey: string;
}

export async function findByPostcode(
  db: Executor,
  councilId: string,
  postcodeKey: string,
  limit: number,
): Promise<string[]> {
  const rows = await t(db)
    .selectFrom('party_address')
    .select('party_id')
    .distinct()
    .where('council_id', '=', councilId)
    .where('postcode_key', '=', postcodeKey)
    .limit(limit)
    .execute();
  return rows.map((r) => r.party_id);
}

export async function findByContactValue(
  db: Executor,
  councilId: string,
  value: string,
  limit: number,
): Promise<string[]> {
  const rows = await t(db)
    .selectFrom('contact_point')
    .select('party_id')
    .distinct()
    .where('council_id', '=', councilId)
    .where('value', '=', value)
    .limit(limit)
    .execute();
  return rows.map((r) => r.party_id);
}

export async function findByIdentifierKey(
  db: Executor,
  councilId: string,
  valueKey: string,
  limit: number,
): Promise<{ partyId: string; scheme: string; system: string | null }[]> {
  const rows = await t(db)
    .selectFrom('party_identifier')
    .select(['party_id', 'scheme', 'system'])
    .where('council_id', '=', councilId)
    .where('value_key', '=', valueKey)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ partyId: r.party_id, scheme: r.scheme, system: r.system }));
}

export async function findByDateOfBirth(
  db: Executor,
  councilId: string,
  from: string,
  toExclusive: string,
  limit: number,
): Promise<string[]> {
  const rows = await t(db)
    .selectFrom('party')
    .select('id')
    .where('council_id', '=', councilId)
    .where('date_of_birth', '>=', from)
    .where('date_of_birth', '<', toExclusive)
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Trigram search on the whole name of organisations and households. */
export async function findByDisplayName(
  db: Executor,
  councilId: string,
  text: string,
  limit: number,
): Promise<{ partyId: string; similarity: number }[]> {
  const { rows } = await sql<{ id: string; similarity: number }>`
    select id, similarity(name_key, ${text})::float8 as similarity from party
     where council_id = ${councilId} and kind <> 'person' and name_key % ${text}
     order by name_key <-> ${text}
     limit ${limit}`.execute(db);
  return rows.map((r) => ({ partyId: r.id, similarity: Number(r.similarity) }));
}

export interface PartySummary {
  id: string;
  reference: string;
  kind: PartyKind;
  status: 'active' | 'merged';
  mergedInto: string | null;
  displayName: string;
  givenKey: string;
  familyKey: string;
  dateOfBirth: string | null;
  birthDatePrecision: DatePrecision | null;
  dateOfDeath: string | null;
  address: string | null;
  postcode: string | null;
}

/** What a search result or duplicate check shows: name, date of birth and current home address. */
export async function summaries(
  db: Executor,
  councilId: string,
  ids: readonly string[],
): Promise<PartySummary[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    reference: string;
    kind: string;
    status: string;
    merged_into: string | null;
    display_name: string;
    given_key: string | null;
    family_key: string | null;
    date_of_birth: string | null;
    birth_date_precision: string | null;
    date_of_death: string | null;
    address: string | null;
    postcode: string | null;
  }>`
    select p.id, p.reference, p.kind, p.status, p.merged_into, p.display_name,
           n.given_key, n.family_key, p.date_of_birth, p.birth_date_precision, p.date_of_death,
           a.text as address, a.postcode
      from party p
      left join lateral (
        select given_key, family_key from party_name where party_id = p.id and use = 'current' limit 1
      ) n on true
      left join lateral (
        select text, postcode from party_address
         where party_id = p.id and valid_to is null
         order by case role when 'home' then 0 when 'correspondence' then 1 else 2 end, created_at desc
         limit 1
      ) a on true
     where p.council_id = ${councilId} and p.id = any(${[...ids]}::uuid[])`.execute(db);
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    kind: r.kind as PartyKind,
    status: r.status as 'active' | 'merged',
    mergedInto: r.merged_into,
    displayName: r.display_name,
    givenKey: r.given_key ?? '',
    familyKey: r.family_key ?? '',
    dateOfBirth: r.date_of_birth,
    birthDatePrecision: r.birth_date_precision as DatePrecision | null,
    dateOfDeath: r.date_of_death,
    address: r.address,
    postcode: r.postcode,
  }));
}

// ---------------------------------------------------------------------------------------------
// Merge and unmerge

export type MovableTable =
  | 'party_name'
  | 'party_identifier'
  | 'contact_point'
  | 'party_address'
  | 'party_alert';

export interface MovedRows {
  party_name: string[];
  party_identifier: string[];
  contact_point: string[];
  party_address: string[];
  party_alert: string[];
  relationship_from: string[];
  relationship_to: string[];
}

/** Moves every row of the merged party to the survivor, returning the ids moved so they can go back. */
export async function moveAllRows(
  db: Executor,
  councilId: string,
  fromPartyId: string,
  toPartyId: string,
): Promise<MovedRows> {
  const move = async (table: MovableTable) => {
    const { rows } = await sql<{ id: string }>`
      update ${sql.table(table)} set party_id = ${toPartyId}
       where council_id = ${councilId} and party_id = ${fromPartyId} returning id`.execute(db);
    return rows.map((r) => r.id);
  };
  const moved: MovedRows = {
    party_name: await move('party_name'),
    party_identifier: await move('party_identifier'),
    contact_point: await move('contact_point'),
    party_address: await move('party_address'),
    party_alert: await move('party_alert'),
    relationship_from: [],
    relationship_to: [],
  };
  // Relationships between the two parties themselves would become a party related to itself; they stay.
  moved.relationship_from = (
    await sql<{ id: string }>`
      update party_relationship set from_party_id = ${toPartyId}
       where council_id = ${councilId} and from_party_id = ${fromPartyId} and to_party_id <> ${toPartyId}
       returning id`.execute(db)
  ).rows.map((r) => r.id);
  moved.relationship_to = (
    await sql<{ id: string }>`
      update party_relationship set to_party_id = ${toPartyId}
       where council_id = ${councilId} and to_party_id = ${fromPartyId} and from_party_id <> ${toPartyId}
       returning id`.execute(db)
  ).rows.map((r) => r.id);
  return moved;
}

/** Puts the rows a merge moved back on the party they came from. */
export async function moveRowsBack(
  db: Executor,
  councilId: string,
  moved: MovedRows,
  toPartyId: string,
): Promise<void> {
  for (const table of [
    'party_name',
    'party_identifier',
    'contact_point',
    'party_address',
    'party_alert',
  ] as const) {
    const ids = moved[table];
    if (ids.length === 0) continue;
    await sql`update ${sql.table(table)} set party_id = ${toPartyId}
               where council_id = ${councilId} and id = any(${ids}::uuid[])`.execute(db);
  }
  if (moved.relationship_from.length > 0)
    await sql`update party_relationship set from_party_id = ${toPartyId}
               where council_id = ${councilId} and id = any(${moved.relationship_from}::uuid[])`.execute(db);
  if (moved.relationship_to.length > 0)
    await sql`update party_relationship set to_party_id = ${toPartyId}
               where council_id = ${councilId} and id = any(${moved.relationship_to}::uuid[])`.execute(db);
}

export interface MergeRecord {
  id: string;
  survivorId: string;
  mergedId: string;
  survivorBefore: PartyFields;
  mergedBefore: PartyFields;
  moved: MovedRows;
  mergedBy: string | null;
  mergedAt: Date;
  unmergedAt: Date | null;
}

export async function insertMerge(
  db: Executor,
  councilId: string,
  input: {
    survivorId: string;
    mergedId: string;
    survivorBefore: PartyFields;
    mergedBefore: PartyFields;
    moved: MovedRows;
    mergedBy: string | null;
  },
): Promise<string> {
  const row = await t(db)
    .insertInto('party_merge')
    .values({
      council_id: councilId,
      survivor_id: input.survivorId,
      merged_id: input.mergedId,
      survivor_before: JSON.stringify(input.survivorBefore),
      merged_before: JSON.stringify(input.mergedBefore),
      moved: JSON.stringify(input.moved),
      merged_by: input.mergedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function toMerge(row: {
  id: string;
  survivor_id: string;
  merged_id: string;
  survivor_before: unknown;
  merged_before: unknown;
  moved: unknown;
  merged_by: string | null;
  merged_at: Date;
  unmerged_at: Date | null;
}): MergeRecord {
  return {
    id: row.id,
    survivorId: row.survivor_id,
    mergedId: row.merged_id,
    survivorBefore: row.survivor_before as PartyFields,
    mergedBefore: row.merged_before as PartyFields,
    moved: row.moved as MovedRows,
    mergedBy: row.merged_by,
    mergedAt: row.merged_at,
    unmergedAt: row.unmerged_at,
  };
}

const MERGE_COLUMNS = [
  'id',
  'survivor_id',
  'merged_id',
  'survivor_before',
  'merged_before',
  'moved',
  'merged_by',
  'merged_at',
  'unmerged_at',
] as const;

export async function findMerge(
  db: Executor,
  councilId: string,
  id: string,
): Promise<MergeRecord | undefined> {
  const row = await t(db)
    .selectFrom('party_merge')
    .select(MERGE_COLUMNS)
    .where('council_id', '=', councilId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row ? toMerge(row) : undefined;
}

/** Merges in force that involve the party, newest first. */
export async function listMergesOf(db: Executor, councilId: string, partyId: string): Promise<MergeRecord[]> {
  const rows = await t(db)
    .selectFrom('party_merge')
    .select(MERGE_COLUMNS)
    .where('council_id', '=', councilId)
    .where((eb) => eb.or([eb('survivor_id', '=', partyId), eb('merged_id', '=', partyId)]))
    .orderBy('merged_at', 'desc')
    .execute();
  return rows.map(toMerge);
}

/** Whether the survivor took part in a later merge that is still in force (undo that one first). */
export async function hasLaterMerge(
  db: Executor,
  councilId: string,
  partyId: string,
  mergeId: string,
): Promise<boolean> {
  // Compared in the database: a JavaScript Date would drop the microseconds and find the merge itself.
  const { rows } = await sql<{ id: string }>`
    select m.id from party_merge m
     where m.council_id = ${councilId} and m.unmerged_at is null and m.id <> ${mergeId}
       and (m.survivor_id = ${partyId} or m.merged_id = ${partyId})
       and m.merged_at >= (select merged_at from party_merge where id = ${mergeId})
     limit 1`.execute(db);
  return rows.length > 0;
}

export async function markUnmerged(db: Executor, id: string, by: string | null): Promise<void> {
  await t(db)
    .updateTable('party_merge')
    .set({ unmerged_at: sql`now()`, unmerged_by: by })
    .where('id', '=', id)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Bulk loading (demo data, imports): one statement per table for many parties, through unnest.

export interface BulkParty {
  id: string;
  reference: string;
  fields: PartyFields;
  names: readonly NewName[];
  identifiers: readonly NewIdentifier[];
  contactPoints: readonly NewContactPoint[];
  addresses: readonly NewAddress[];
}

export interface NameTerm {
  part: 'given' | 'family';
  term: string;
}

/**
 * The name terms of these parties' names that `sent` (the terms an import has already written) does
 * not hold, adding them to it. Sorted, so that concurrent loads take the terms' locks in the same
 * order and cannot deadlock.
 */
export function bulkNameTerms(parties: readonly BulkParty[], sent: Set<string> = new Set()): NameTerm[] {
  const fresh: string[] = [];
  const add = (key: string) => {
    if (sent.has(key)) return;
    sent.add(key);
    fresh.push(key);
  };
  for (const p of parties)
    for (const n of p.names) {
      if (n.givenKey) add(`given:${n.givenKey}`);
      if (n.familyKey) add(`family:${n.familyKey}`);
    }
  return fresh.sort().map((t) => {
    const at = t.indexOf(':');
    return { part: t.slice(0, at) as NameTerm['part'], term: t.slice(at + 1) };
  });
}

/**
 * For a bulk load's transaction: commit without waiting for the WAL to reach disk. A crash may lose
 * the last moments of an import (never half a batch), and the import is re-runnable by source key.
 */
export async function commitWithoutWaitingForDisk(tx: Executor): Promise<void> {
  await sql`set local synchronous_commit = off`.execute(tx);
}

export async function bulkInsertParties(
  db: Executor,
  councilId: string,
  parties: readonly BulkParty[],
  /** The name terms to add (`bulkNameTerms`). */
  terms: readonly NameTerm[],
  /** `details`: the parties exist already; only their names, identifiers, contact points and addresses. */
  what: 'parties' | 'details' = 'parties',
): Promise<void> {
  if (parties.length === 0) return;
  // Each table's rows go as one JSON array: far cheaper to send and to read than one array per column.
  const partyRows = (what === 'details' ? [] : parties).map((p) => {
    const f = p.fields;
    return {
      id: p.id,
      reference: p.reference,
      kind: f.kind,
      title: f.title,
      given_names: f.givenNames,
      family_name: f.familyName,
      suffix: f.suffix,
      preferred_name: f.preferredName,
      organisation_name: f.organisationName,
      organisation_type: f.organisationType,
      display_name: f.displayName,
      name_key: f.nameKey,
      date_of_birth: f.dateOfBirth,
      birth_date_precision: f.birthDatePrecision,
      date_of_death: f.dateOfDeath,
      preferred_channel: f.preferredChannel,
      language: f.language,
      language_other: f.languageOther,
      large_print: f.largePrint,
      bsl: f.bsl,
      interpreter: f.interpreter,
    };
  });
  // Ids made here rather than by the tables' uuid_v7() default: cheaper in Node than in the database.
  const names = parties.flatMap((p) =>
    p.names.map((n) => ({
      id: uuidV7(),
      party_id: p.id,
      use: n.use,
      title: n.title,
      given_names: n.givenNames,
      family_name: n.familyName,
      given_key: n.givenKey,
      family_key: n.familyKey,
      date_of_birth: p.fields.dateOfBirth,
    })),
  );
  const ids = parties.flatMap((p) =>
    p.identifiers.map((i) => ({
      id: uuidV7(),
      party_id: p.id,
      scheme: i.scheme,
      system: i.system,
      value: i.value,
      value_key: i.valueKey,
    })),
  );
  const points = parties.flatMap((p) =>
    p.contactPoints.map((c) => ({
      id: uuidV7(),
      party_id: p.id,
      kind: c.kind,
      value: c.value,
      label: c.label,
      is_preferred: c.isPreferred,
      is_verified: c.isVerified,
      do_not_contact: c.doNotContact,
    })),
  );
  const addresses = parties.flatMap((p) =>
    p.addresses.map((a) => ({
      id: uuidV7(),
      party_id: p.id,
      role: a.role,
      text: a.text,
      postcode: a.postcode,
      postcode_key: a.postcodeKey,
      uprn: a.uprn,
      valid_from: a.validFrom,
      valid_to: a.validTo,
    })),
  );
  // One statement, one round trip, for the whole batch: every table's rows travel as one JSON
  // document, and the child rows' foreign keys are checked once the statement's parties exist.
  const batch = JSON.stringify({
    parties: partyRows,
    names,
    terms,
    identifiers: ids,
    points,
    addresses,
  });
  await sql`
    with b as (select ${batch}::jsonb as doc),
    p as (
      insert into party (id, council_id, reference, kind, title, given_names, family_name, suffix, preferred_name,
        organisation_name, organisation_type, display_name, name_key, date_of_birth, birth_date_precision, date_of_death,
        preferred_channel, language, language_other, large_print, bsl, interpreter)
      select id, ${councilId}::uuid, reference, kind, title, given_names, family_name, suffix, preferred_name,
        organisation_name, organisation_type, display_name, name_key, date_of_birth, birth_date_precision, date_of_death,
        preferred_channel, language, language_other, large_print, bsl, interpreter
        from b, jsonb_to_recordset(b.doc->'parties') as x(id uuid, reference text, kind text, title text,
          given_names text, family_name text, suffix text, preferred_name text, organisation_name text,
          organisation_type text, display_name text, name_key text, date_of_birth date, birth_date_precision text,
          date_of_death date, preferred_channel text, language text, language_other text, large_print boolean,
          bsl boolean, interpreter boolean)
      returning 1),
    n as (
      insert into party_name (id, council_id, party_id, use, title, given_names, family_name, given_key, family_key, date_of_birth)
      select id, ${councilId}::uuid, party_id, use, title, given_names, family_name, given_key, family_key, date_of_birth
        from b, jsonb_to_recordset(b.doc->'names') as x(id uuid, party_id uuid, use text, title text,
          given_names text, family_name text, given_key text, family_key text, date_of_birth date)
      returning 1),
    t as (
      insert into party_name_term (council_id, part, term)
      select ${councilId}::uuid, part, term from b, jsonb_to_recordset(b.doc->'terms') as x(part text, term text)
      on conflict do nothing
      returning 1),
    i as (
      insert into party_identifier (id, council_id, party_id, scheme, system, value, value_key)
      select id, ${councilId}::uuid, party_id, scheme, system, value, value_key
        from b, jsonb_to_recordset(b.doc->'identifiers') as x(id uuid, party_id uuid, scheme text, system text, value text,
          value_key text)
      returning 1),
    c as (
      insert into contact_point (id, council_id, party_id, kind, value, label, is_preferred, is_verified, do_not_contact)
      select id, ${councilId}::uuid, party_id, kind, value, label, is_preferred, is_verified, do_not_contact
        from b, jsonb_to_recordset(b.doc->'points') as x(id uuid, party_id uuid, kind text, value text, label text,
          is_preferred boolean, is_verified boolean, do_not_contact boolean)
      returning 1),
    a as (
      insert into party_address (id, council_id, party_id, role, text, postcode, postcode_key, uprn, valid_from, valid_to)
      select id, ${councilId}::uuid, party_id, role, text, postcode, postcode_key, uprn, valid_from, valid_to
        from b, jsonb_to_recordset(b.doc->'addresses') as x(id uuid, party_id uuid, role text, text text, postcode text,
          postcode_key text, uprn bigint, valid_from date, valid_to date)
      returning 1)
    select (select count(*) from p) as parties, (select count(*) from n) as names, (select count(*) from t) as terms,
      (select count(*) from i) as identifiers, (select count(*) from c) as points, (select count(*) from a) as addresses`.execute(
    db,
  );
}

/**
 * The COPY path of `bulkInsertParties` (Postgres server only): each table's rows are sent in COPY
 * text format, in the caller's transaction, and the name terms added by one statement. The rows
 * written are the same as `bulkInsertParties` writes (a test holds the two paths to it).
 */
export async function copyParties(
  tx: CopyTransaction,
  councilId: string,
  parties: readonly BulkParty[],
  terms: readonly NameTerm[],
): Promise<void> {
  if (parties.length === 0) return;
  const council = copyValue(councilId);
  // Rows gathered in arrays and joined once: one flat string to send, where appending to a string
  // would build a deep rope that Node must flatten before sending it.
  const party: string[] = [];
  const names: string[] = [];
  const identifiers: string[] = [];
  const points: string[] = [];
  const addresses: string[] = [];
  for (const p of parties) {
    const f = p.fields;
    const prefix = `${council}\t${p.id}\t`;
    const dob = copyValue(f.dateOfBirth);
    party.push(
      `${p.id}\t${council}\t${copyValue(p.reference)}\t${f.kind}\t${copyValue(f.title)}\t${copyValue(f.givenNames)}\t${copyValue(f.familyName)}\t${copyValue(f.suffix)}\t${copyValue(f.preferredName)}\t${copyValue(f.organisationName)}\t${copyValue(f.organisationType)}\t${copyValue(f.displayName)}\t${copyValue(f.nameKey)}\t${dob}\t${copyValue(f.birthDatePrecision)}\t${copyValue(f.dateOfDeath)}\t${copyValue(f.preferredChannel)}\t${copyValue(f.language)}\t${copyValue(f.languageOther)}\t${f.largePrint}\t${f.bsl}\t${f.interpreter}\n`,
    );
    for (const n of p.names)
      names.push(
        `${uuidV7()}\t${prefix}${n.use}\t${copyValue(n.title)}\t${copyValue(n.givenNames)}\t${copyValue(n.familyName)}\t${copyValue(n.givenKey)}\t${copyValue(n.familyKey)}\t${dob}\n`,
      );
    for (const i of p.identifiers)
      identifiers.push(
        `${uuidV7()}\t${prefix}${i.scheme}\t${copyValue(i.system)}\t${copyValue(i.value)}\t${copyValue(i.valueKey)}\n`,
      );
    for (const c of p.contactPoints)
      points.push(
        `${uuidV7()}\t${prefix}${c.kind}\t${copyValue(c.value)}\t${copyValue(c.label)}\t${c.isPreferred}\t${c.isVerified}\t${c.doNotContact}\n`,
      );
    for (const a of p.addresses)
      addresses.push(
        `${uuidV7()}\t${prefix}${a.role}\t${copyValue(a.text)}\t${copyValue(a.postcode)}\t${copyValue(a.postcodeKey)}\t${copyValue(a.uprn)}\t${copyValue(a.validFrom)}\t${copyValue(a.validTo)}\n`,
      );
  }
  await tx.copy(
    `copy party (id, council_id, reference, kind, title, given_names, family_name, suffix, preferred_name,
       organisation_name, organisation_type, display_name, name_key, date_of_birth, birth_date_precision, date_of_death,
       preferred_channel, language, language_other, large_print, bsl, interpreter) from stdin`,
    party.join(''),
  );
  if (names.length > 0)
    await tx.copy(
      'copy party_name (id, council_id, party_id, use, title, given_names, family_name, given_key, family_key, date_of_birth) from stdin',
      names.join(''),
    );
  if (identifiers.length > 0)
    await tx.copy(
      'copy party_identifier (id, council_id, party_id, scheme, system, value, value_key) from stdin',
      identifiers.join(''),
    );
  if (points.length > 0)
    await tx.copy(
      'copy contact_point (id, council_id, party_id, kind, value, label, is_preferred, is_verified, do_not_contact) from stdin',
      points.join(''),
    );
  if (addresses.length > 0)
    await tx.copy(
      'copy party_address (id, council_id, party_id, role, text, postcode, postcode_key, uprn, valid_from, valid_to) from stdin',
      addresses.join(''),
    );
  if (terms.length > 0)
    await sql`
      insert into party_name_term (council_id, part, term)
      select ${councilId}::uuid, * from unnest(${terms.map((t) => t.part)}::text[], ${terms.map((t) => t.term)}::text[])
      on conflict do nothing`.execute(tx.db);
}

/**
 * The register's search indexes that a first big load builds once, after loading, rather than
 * updating row by row: each is keyed on something random (a name, a phone, a postcode), so every row
 * lands on a different page of a large index, while building one sorts once. As the migrations
 * define them (a test checks). Unique indexes, the primary keys and the `party_id` indexes stay:
 * they keep the import idempotent, keep references unique and are cheap to keep up.
 */
export const DEFERRABLE_SEARCH_INDEXES: readonly { name: string; definition: string }[] = [
  { name: 'party_dob', definition: 'on party (council_id, date_of_birth)' },
  {
    name: 'party_name_keys',
    definition: 'on party_name (council_id, family_key, given_key) include (party_id, use, date_of_birth)',
  },
  {
    name: 'party_name_sounds',
    definition:
      'on party_name (council_id, family_sound, given_sound) include (party_id, use, given_key, family_key, date_of_birth)',
  },
  { name: 'party_identifier_value', definition: 'on party_identifier (council_id, value_key)' },
  { name: 'contact_point_value', definition: 'on contact_point (council_id, value)' },
  { name: 'party_address_postcode', definition: 'on party_address (council_id, postcode_key)' },
];

/** How many parties the register holds for every council (the search indexes serve them all). */
export async function countAllParties(db: Executor): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from party`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The foreign keys a first big load checks once, after loading, rather than row by row (each row's
 * check is a query of its own: most of the database's work for a row). As the migrations define them
 * (a test checks). They are added back `not valid` and then validated, so rows written meanwhile are
 * checked as they come and the whole table once; a failure is reported and the key stays in force
 * for new rows.
 */
export const DEFERRABLE_FOREIGN_KEYS: readonly { table: string; name: string; definition: string }[] = [
  {
    table: 'party',
    name: 'party_council_id_fkey',
    definition: 'foreign key (council_id) references council (id)',
  },
  ...['party_name', 'party_identifier', 'contact_point', 'party_address'].map((table) => ({
    table,
    name: `${table}_council_id_party_id_fkey`,
    definition: 'foreign key (council_id, party_id) references party (council_id, id)',
  })),
];

/** Drops the deferrable search indexes and foreign keys (a first big load; see `finishBulkLoad`). */
export async function dropForBulkLoad(db: Executor): Promise<void> {
  for (const index of DEFERRABLE_SEARCH_INDEXES)
    await sql`drop index if exists ${sql.id(index.name)}`.execute(db);
  for (const key of DEFERRABLE_FOREIGN_KEYS)
    await sql`alter table ${sql.id(key.table)} drop constraint if exists ${sql.id(key.name)}`.execute(db);
}

/** The deferrable search indexes that are missing (after a first big load, or one interrupted). */
export async function missingSearchIndexes(db: Executor): Promise<{ name: string; definition: string }[]> {
  const { rows } = await sql<{ indexname: string }>`
    select indexname from pg_indexes where schemaname = current_schema()
       and indexname = any(${DEFERRABLE_SEARCH_INDEXES.map((i) => i.name)}::text[])`.execute(db);
  const present = new Set(rows.map((r) => r.indexname));
  return DEFERRABLE_SEARCH_INDEXES.filter((i) => !present.has(i.name));
}

/** Builds one deferrable search index, in one sort (call it in a transaction of its own). */
export async function buildSearchIndex(db: Executor, name: string): Promise<void> {
  const index = DEFERRABLE_SEARCH_INDEXES.find((i) => i.name === name);
  if (!index) throw new Error(`Unknown search index ${name}`);
  // Sorting a million keys in memory rather than in temporary files (this transaction only).
  await sql`set local maintenance_work_mem = '128MB'`.execute(db);
  await sql`create index if not exists ${sql.id(index.name)} ${sql.raw(index.definition)}`.execute(db);
}

/** Refreshes the planner's statistics of one of the register's tables (after a big load). */
export async function analyzeRegisterTable(db: Executor, table: string): Promise<void> {
  if (!REGISTER_TABLES.includes(table)) throw new Error(`Not a register table: ${table}`);
  await sql`analyze ${sql.id(table)}`.execute(db);
}
export const REGISTER_TABLES: readonly string[] = [
  'party',
  'party_name',
  'party_identifier',
  'contact_point',
  'party_address',
];

/**
 * Adds back whichever deferrable foreign keys are missing, `not valid`: they hold for new rows from
 * now on. Returns the foreign keys to validate (`validateForeignKey`).
 */
export async function restoreForeignKeys(db: Executor): Promise<string[]> {
  const { rows: keys } = await sql<{ conname: string; convalidated: boolean }>`
    select conname, convalidated from pg_constraint
     where contype = 'f' and connamespace = current_schema()::regnamespace
       and conname = any(${DEFERRABLE_FOREIGN_KEYS.map((k) => k.name)}::text[])`.execute(db);
  const held = new Map(keys.map((k) => [k.conname, k.convalidated]));
  const toValidate: string[] = [];
  for (const key of DEFERRABLE_FOREIGN_KEYS) {
    if (held.get(key.name) === true) continue;
    if (!held.has(key.name))
      await sql`alter table ${sql.id(key.table)} add constraint ${sql.id(key.name)} ${sql.raw(key.definition)} not valid`.execute(
        db,
      );
    toValidate.push(key.name);
  }
  return toValidate;
}

/** Checks every existing row against a foreign key added `not valid`, in one pass. */
export async function validateForeignKey(db: Executor, name: string): Promise<void> {
  const key = DEFERRABLE_FOREIGN_KEYS.find((k) => k.name === name);
  if (!key) throw new Error(`Unknown foreign key ${name}`);
  await sql`alter table ${sql.id(key.table)} validate constraint ${sql.id(key.name)}`.execute(db);
}

export async function bulkInsertRelationships(
  db: Executor,
  councilId: string,
  relationships: readonly {
    type: string;
    fromPartyId: string;
    toPartyId: string;
    validFrom: string | null;
  }[],
): Promise<void> {
  if (relationships.length === 0) return;
  await sql`
    insert into party_relationship (council_id, type, from_party_id, to_party_id, valid_from)
    select ${councilId}::uuid, * from unnest(${relationships.map((r) => r.type)}::text[], ${relationships.map((r) => r.fromPartyId)}::uuid[],
      ${relationships.map((r) => r.toPartyId)}::uuid[], ${relationships.map((r) => r.validFrom)}::date[])`.execute(
    db,
  );
}

/** Which of these source keys already name a party. */
export async function existingSourceKeys(
  db: Executor,
  councilId: string,
  system: string,
  valueKeys: readonly string[],
): Promise<Set<string>> {
  if (valueKeys.length === 0) return new Set();
  // One index lookup per key, whatever the planner's statistics say: during a first big load the
  // table has none, and `value_key = any(...)` was then answered by reading every key of the system,
  // each batch more than the last.
  const { rows } = await sql<{ value_key: string }>`
    select k.value_key from unnest(${[...valueKeys]}::text[]) as k(value_key)
     cross join lateral (
       select 1 from party_identifier i
        where i.council_id = ${councilId} and i.scheme = 'source' and i.system = ${system} and i.value_key = k.value_key
        limit 1) as known`.execute(db);
  return new Set(rows.map((r) => r.value_key));
}

/** A party named by a source key, as a re-run of an import compares it (`partiesBySourceKeys`). */
export interface KnownParty {
  /** The party the key names now (the survivor, if it was merged). */
  party: PartyRecord;
  points: { kind: string; value: string }[];
  addresses: { text: string; postcode: string | null; validTo: string | null }[];
  identifiers: { scheme: string; system: string | null; value: string }[];
}

/**
 * The parties these source keys name (following a merge to its survivor), locked for update, with
 * the contact points, addresses and identifiers they hold: what updating them from a file compares.
 * One index probe per key, whatever the statistics (see `existingSourceKeys`).
 */
export async function partiesBySourceKeys(
  db: Executor,
  councilId: string,
  system: string,
  valueKeys: readonly string[],
): Promise<Map<string, KnownParty>> {
  if (valueKeys.length === 0) return new Map();
  const columns = sql.join(PARTY_COLUMNS.map((c) => sql`p.${sql.id(c)}`));
  const { rows } = await sql<
    PartyRow & {
      value_key: string;
      points: KnownParty['points'];
      addresses: { text: string; postcode: string | null; valid_to: string | null }[];
      identifiers: KnownParty['identifiers'];
    }
  >`
    select k.value_key, ${columns},
      (select coalesce(json_agg(json_build_object('kind', c.kind, 'value', c.value)), '[]')
         from contact_point c where c.party_id = p.id) as points,
      (select coalesce(json_agg(json_build_object('text', a.text, 'postcode', a.postcode, 'valid_to', a.valid_to)), '[]')
         from party_address a where a.party_id = p.id) as addresses,
      (select coalesce(json_agg(json_build_object('scheme', i.scheme, 'system', i.system, 'value', i.value)), '[]')
         from party_identifier i where i.party_id = p.id) as identifiers
    from unnest(${[...valueKeys]}::text[]) as k(value_key)
    cross join lateral (
      select party_id from party_identifier i
       where i.council_id = ${councilId} and i.scheme = 'source' and i.system = ${system} and i.value_key = k.value_key
       limit 1) as s
    cross join lateral (
      select case when m.status = 'merged' and m.merged_into is not null then m.merged_into else m.id end as target
        from party m where m.council_id = ${councilId} and m.id = s.party_id limit 1) as named
    cross join lateral (
      select * from party q where q.council_id = ${councilId} and q.id = named.target limit 1 for update) as p
    order by p.id`.execute(db);
  return new Map(
    rows.map((r) => [
      r.value_key,
      {
        party: toParty(r),
        points: r.points,
        addresses: r.addresses.map((a) => ({ text: a.text, postcode: a.postcode, validTo: a.valid_to })),
        identifiers: r.identifiers,
      },
    ]),
  );
}

/**
 * Changes many parties' own fields at once (a re-run of an import): moves each one's version on and
 * keeps the copy of the date of birth on its names in step, as `updateParty` does for one.
 */
export async function bulkUpdateParties(
  db: Executor,
  councilId: string,
  updates: readonly { id: string; fields: PartyFields }[],
): Promise<void> {
  if (updates.length === 0) return;
  const rows = JSON.stringify(updates.map((u) => ({ id: u.id, ...partyColumns(u.fields) })));
  await sql`
    with x as (
      select * from jsonb_to_recordset(${rows}::jsonb) as x(id uuid, kind text, title text, given_names text,
        family_name text, suffix text, preferred_name text, organisation_name text, organisation_type text,
        display_name text, name_key text, date_of_birth date, birth_date_precision text, date_of_death date,
        preferred_channel text, language text, language_other text, large_print boolean, bsl boolean,
        interpreter boolean)),
    p as (
      update party set kind = x.kind, title = x.title, given_names = x.given_names, family_name = x.family_name,
        suffix = x.suffix, preferred_name = x.preferred_name, organisation_name = x.organisation_name,
        organisation_type = x.organisation_type, display_name = x.display_name, name_key = x.name_key,
        date_of_birth = x.date_of_birth, birth_date_precision = x.birth_date_precision, date_of_death = x.date_of_death,
        preferred_channel = x.preferred_channel, language = x.language, language_other = x.language_other,
        large_print = x.large_print, bsl = x.bsl, interpreter = x.interpreter, version = version + 1, updated_at = now()
        from x where party.council_id = ${councilId} and party.id = x.id
      returning 1)
    update party_name n set date_of_birth = x.date_of_birth from x
     where n.council_id = ${councilId} and n.party_id = x.id and n.date_of_birth is distinct from x.date_of_birth`.execute(
    db,
  );
}

/** Deletes the current and preferred names of many parties (previous names are history and stay). */
export async function bulkDeleteCurrentNames(
  db: Executor,
  councilId: string,
  partyIds: readonly string[],
): Promise<void> {
  if (partyIds.length === 0) return;
  await sql`
    delete from party_name n using unnest(${[...partyIds]}::uuid[]) as k(id)
     where n.council_id = ${councilId} and n.party_id = k.id and n.use in ('current', 'preferred')`.execute(
    db,
  );
}

/** Whether the register holds any of a source system's keys. */
export async function holdsSourceKeys(db: Executor, councilId: string, system: string): Promise<boolean> {
  const { rows } = await sql<{ held: boolean }>`
    select exists (select 1 from party_identifier
      where council_id = ${councilId} and scheme = 'source' and system = ${system}) as held`.execute(db);
  return rows[0]?.held === true;
}

/** Whether any of these references is taken (references are random; clashes are rare but possible). */
export async function takenReferences(
  db: Executor,
  councilId: string,
  references: readonly string[],
): Promise<Set<string>> {
  // One index lookup per reference, as in `existingSourceKeys`.
  const { rows } = await sql<{ reference: string }>`
    select k.reference from unnest(${[...references]}::text[]) as k(reference)
     cross join lateral (
       select 1 from party p where p.council_id = ${councilId} and p.reference = k.reference limit 1) as taken`.execute(
    db,
  );
  return new Set(rows.map((r) => r.reference));
}

// ---------------------------------------------------------------------------------------------
// Search in few round trips: every word's close terms in one query, every candidate name in another.

export interface TermExpansion {
  part: 'given' | 'family';
  word: string;
  term: string;
  similarity: number;
  distance: number;
  sameSound: boolean;
  prefix: boolean;
}

/**
 * For each (part, word): the name keys in use that are close to it (trigram, same sound, best by
 * edit distance) and, where `prefix` is set, the keys it starts ("marg" → margaret, margery …).
 */
export async function expandNameWords(
  db: Executor,
  councilId: string,
  words: readonly { part: 'given' | 'family'; word: string; prefix: boolean }[],
  closeLimit: number,
  prefixLimit: number,
): Promise<TermExpansion[]> {
  if (words.length === 0) return [];
  const prefixed = words.filter((w) => w.prefix);
  const { rows } = await sql<{
    part: string;
    word: string;
    term: string;
    similarity: number;
    distance: number;
    same_sound: boolean;
    prefix: boolean;
  }>`
    select q.part, q.word, c.term, c.similarity, c.distance, c.same_sound, false as prefix
      from unnest(${words.map((w) => w.part)}::text[], ${words.map((w) => w.word)}::text[]) as q(part, word)
      cross join lateral (
        select x.term, similarity(x.term, q.word)::float8 as similarity, levenshtein(x.term, q.word) as distance,
               coalesce(dmetaphone(x.term) = dmetaphone(q.word), false) as same_sound
          from (
            (select t.term from party_name_term t
              where t.council_id = ${councilId} and t.part = q.part and t.term % q.word
              order by similarity(t.term, q.word) desc limit 30)
            union
            (select t.term from party_name_term t
              where t.council_id = ${councilId} and t.part = q.part and t.sound = dmetaphone(q.word) limit 40)
            union
            -- Swapped letters defeat trigrams and sounds; edit distance catches them among the words
            -- sharing the first letter (found through the prefix index).
            (select t.term from party_name_term t
              where t.council_id = ${councilId} and t.part = q.part
                and t.term ~>=~ left(q.word, 1) and t.term ~<~ (left(q.word, 1) || '{')
                and levenshtein_less_equal(t.term, q.word, 2) <= 2
              limit 40)
          ) x
         order by levenshtein(x.term, q.word), similarity(x.term, q.word) desc
         limit ${closeLimit}
      ) c
    union all
    select q.part, q.word, p.term, 0, 0, false, true
      from unnest(${prefixed.map((w) => w.part)}::text[], ${prefixed.map((w) => w.word)}::text[]) as q(part, word)
      cross join lateral (
        select t.term from party_name_term t
         where t.council_id = ${councilId} and t.part = q.part
           and t.term ~>=~ q.word and t.term ~<~ (q.word || '{')
         limit ${prefixLimit}
      ) p`.execute(db);
  return rows.map((r) => ({
    part: r.part as 'given' | 'family',
    word: r.word,
    term: r.term,
    similarity: Number(r.similarity),
    distance: Number(r.distance),
    sameSound: r.same_sound,
    prefix: r.prefix,
  }));
}

export interface NameCandidateSpec {
  familyKeys: readonly string[];
  /** Null: any forename. */
  givenKeys: readonly string[] | null;
  preferFamily: string;
  preferGiven: string;
  /** Also people whose family name sounds like this and forename like one of `soundGiven`. */
  soundFamily?: string;
  soundGiven?: readonly string[];
}

export interface NameCandidate extends NameHit {
  /** Which spec found it. */
  spec: number;
  bySound: boolean;
}

/** All the candidate names for several readings of a query, in one statement. */
export async function findNameCandidates(
  db: Executor,
  councilId: string,
  specs: readonly NameCandidateSpec[],
  options: { limit: number; dobFrom?: string; dobTo?: string },
): Promise<NameCandidate[]> {
  const dob =
    options.dobFrom && options.dobTo
      ? sql`and n.date_of_birth >= ${options.dobFrom} and n.date_of_birth < ${options.dobTo}`
      : sql``;
  const parts = specs.flatMap((s, i) => {
    if (s.familyKeys.length === 0 || (s.givenKeys && s.givenKeys.length === 0)) return [];
    const given = s.givenKeys ? sql`and n.given_key = any(${[...s.givenKeys]}::text[])` : sql``;
    const byKeys = sql`(select n.party_id, n.use, n.given_key, n.family_key, ${i}::int as spec, false as by_sound
        from party_name n
       where n.council_id = ${councilId} and n.family_key = any(${[...s.familyKeys]}::text[]) ${given} ${dob}
       order by (n.family_key = ${s.preferFamily}) desc, (n.given_key = ${s.preferGiven}) desc
       limit ${options.limit})`;
    if (!s.soundFamily || !s.soundGiven?.length) return [byKeys];
    const bySound = sql`(select n.party_id, n.use, n.given_key, n.family_key, ${i}::int as spec, true as by_sound
        from party_name n
       where n.council_id = ${councilId} and n.family_sound = dmetaphone(${s.soundFamily})
         and n.given_sound in (select dmetaphone(w) from unnest(${[...s.soundGiven]}::text[]) as w) ${dob}
       limit 100)`;
    return [byKeys, bySound];
  });
  if (parts.length === 0) return [];
  const { rows } = await sql<{
    party_id: string;
    use: string;
    given_key: string;
    family_key: string;
    spec: number;
    by_sound: boolean;
  }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return rows.map((r) => ({
    partyId: r.party_id,
    use: r.use,
    givenKey: r.given_key,
    familyKey: r.family_key,
    spec: Number(r.spec),
    bySound: r.by_sound,
  }));
}
