import {
  type AuditContext,
  type AuditEvent,
  auditWrite,
  recordAudit,
  recordAuditEach,
} from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { copyAvailable, inCopyTransaction } from '../../platform/db/copy.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { isUniqueViolation, type PreparedWrite, uuidV7 } from '../../platform/db/together.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { idempotentTransaction, idempotentWrite } from '../../platform/idempotency/idempotency.ts';
import {
  AlertAlreadyEnded,
  MergeNotReversible,
  PartyAlreadyMerged,
  PartyChangedMeanwhile,
  PartyDetailNotFound,
  PartyNotFound,
  SourceKeyTaken,
  ValidationFailed,
} from './parties.errors.ts';
import {
  maskContactPoint,
  nameKey,
  newPartyReference,
  normaliseEmail,
  normalisePartyReference,
  normalisePhone,
  parsePartialDate,
} from './parties.normalise.ts';
import * as repo from './parties.repository.ts';
import { type PartySearchResult, searchParties } from './parties.search.ts';
import { activePeopleWithContact } from './parties.self-service.repository.ts';
import {
  type AddressInput,
  type ContactPointInput,
  type IdentifierInput,
  type PartyInput,
  searchNamesOf,
  type ValidParty,
  validateAddress,
  validateContactPoint,
  validateIdentifier,
  validateParty,
} from './parties.validate.ts';
import { nameVariants } from './parties.variants.ts';

export type {
  AddressRecord,
  AlertRecord,
  ContactPointRecord,
  IdentifierRecord,
  MergeRecord,
  NameRecord,
  PartyFields,
  PartyKind,
  PartyRecord,
  PartySummary,
  RelationshipRecord,
} from './parties.repository.ts';
export type { PartySearchResult } from './parties.search.ts';

/** Relationship types, each with how it reads from either end. */
export const RELATIONSHIP_TYPES = {
  household_member: { label: 'Member of household', inverse: 'Household member' },
  household_head: { label: 'Head of household', inverse: 'Household headed by' },
  employee_of: { label: 'Employee of', inverse: 'Employer of' },
  parent_of: { label: 'Parent of', inverse: 'Child of' },
  carer_of: { label: 'Carer of', inverse: 'Cared for by' },
  representative_of: { label: 'Representative or advocate of', inverse: 'Represented by' },
  landlord_of: { label: 'Landlord of', inverse: 'Tenant of' },
  director_of: { label: 'Director of', inverse: 'Has director' },
} as const;
export type RelationshipType = keyof typeof RELATIONSHIP_TYPES;

export const ALERT_KINDS = {
  potentially_violent: 'Potentially violent person',
  vulnerable: 'Vulnerable person',
  safeguarding: 'Safeguarding concern',
  other: 'Other warning',
} as const;

/** Which roles see an alert unless the person raising it says otherwise. */
export const DEFAULT_ALERT_ROLES = ['agent', 'officer', 'supervisor'] as const;

/** Fields that a merge may take from either record. */
export const MERGEABLE_FIELDS = [
  'title',
  'givenNames',
  'familyName',
  'suffix',
  'preferredName',
  'dateOfBirth',
  'dateOfDeath',
  'preferredChannel',
  'language',
] as const;
export type MergeableField = (typeof MERGEABLE_FIELDS)[number];

export interface SingleView {
  party: repo.PartyRecord;
  names: repo.NameRecord[];
  identifiers: repo.IdentifierRecord[];
  contactPoints: repo.ContactPointRecord[];
  addresses: repo.AddressRecord[];
  relationships: (repo.RelationshipRecord & { label: string })[];
  alerts: repo.AlertRecord[];
  merges: repo.MergeRecord[];
}

/** The smallest load for which building the search indexes afterwards beats keeping them up. */
export const BULK_FIRST_LOAD_ROWS = 100_000;

export interface BulkRow {
  /** Where the row came from (a CSV line number), for the rejected-rows report. */
  line: number;
  input: PartyInput;
  /** The source system's key for this row; imports are idempotent by it. */
  sourceKey?: string;
}

export interface BulkResult {
  created: { line: number; id: string }[];
  updated: number;
  unchanged: number;
  rejected: { line: number; errors: readonly FieldError[] }[];
}

/** What the batches of one load share (`PartiesService.bulkLoadState`). */
export interface BulkLoadState {
  /** The name terms written by earlier batches, so that each is sent once. */
  readonly termsWritten: Set<string>;
  /**
   * Whether each batch's source keys are looked up before it is written. When not, a batch that
   * meets a key held after all is written again with lookups, and so is every later batch.
   */
  lookUpKeys: boolean;
}

export interface PreparedBulk {
  fresh: { row: BulkRow; party: ValidParty; source?: repo.NewIdentifier }[];
  rejected: { line: number; errors: readonly FieldError[] }[];
}

/**
 * The validating half of a bulk load, with no database work, so an import can check the next batch
 * while the database writes this one.
 */
export function prepareBulk(
  rows: readonly BulkRow[],
  system?: string,
  seenKeys: Set<string> = new Set(),
): PreparedBulk {
  const prepared: PreparedBulk = { fresh: [], rejected: [] };
  for (const row of rows) {
    const errors: FieldError[] = [];
    let source: repo.NewIdentifier | undefined;
    if (system !== undefined) {
      source = validateIdentifier({ scheme: 'source', system, value: row.sourceKey ?? '' }, 'key', errors);
      if (source) {
        if (seenKeys.has(source.valueKey))
          errors.push({ field: 'key', message: 'The same key appears earlier in this file' });
        seenKeys.add(source.valueKey);
      }
    }
    const { party, errors: fieldErrors } = validateParty(row.input);
    errors.push(...fieldErrors);
    if (errors.length > 0 || !party) prepared.rejected.push({ line: row.line, errors });
    else prepared.fresh.push({ row, party, ...(source ? { source } : {}) });
  }
  return prepared;
}

/** Runs `work` on every item, two at a time, in order; the first failure is thrown once both stop. */
async function twoAtATime<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  const results = await Promise.allSettled([worker(), worker()]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** An `Idempotency-Key` sent with a creating request, and who sent it (`idempotencyCaller`). */
export interface IdempotencyKeyOf {
  readonly caller: string;
  readonly key: string;
}

/** How a page or an API call asks for a change to be made. */
export interface WriteOptions {
  /** Makes a creating request safe to retry. */
  readonly idempotency?: IdempotencyKeyOf;
  /** The party's version the form was filled from: a change made meanwhile refuses this one. */
  readonly expectedVersion?: number;
}

/** A day given for ending something; today when none is given. */
function endDate(value: string | undefined, field: string): string {
  const today = new Date().toISOString().slice(0, 10);
  if (!value?.trim()) return today;
  const parsed = parsePartialDate(value.trim());
  if (parsed?.precision !== 'day')
    throw new ValidationFailed([{ field, message: 'Enter a real date in the format YYYY-MM-DD' }]);
  return parsed.date;
}

function fail(errors: FieldError[]): never {
  throw new ValidationFailed(errors);
}

/**
 * Changes a party's own fields in the caller's transaction; what is not sent stays. A changed family
 * name keeps the old one as a previous name. Contact points, identifiers and addresses sent are added.
 */
export async function updatePartyIn(
  tx: Tx,
  councilId: string,
  id: string,
  input: PartyInput,
  context: AuditContext,
  expectedVersion?: number,
): Promise<repo.PartyRecord> {
  const existing = await repo.findParty(tx, councilId, id, { forUpdate: true });
  if (!existing) throw new PartyNotFound();
  if (existing.status === 'merged') throw new PartyAlreadyMerged();
  const { party, errors } = validateParty(input, existing);
  if (!party) fail(errors);
  if (!(await repo.updateParty(tx, councilId, id, party.fields, expectedVersion)))
    throw new PartyChangedMeanwhile();
  const nameChanged =
    existing.familyName !== party.fields.familyName ||
    existing.givenNames !== party.fields.givenNames ||
    existing.preferredName !== party.fields.preferredName;
  if (nameChanged) {
    await repo.deleteCurrentNames(tx, councilId, id);
    const names = [...party.names];
    if (existing.kind === 'person' && existing.familyName !== party.fields.familyName) {
      const [previous] = searchNamesOf(existing);
      if (previous)
        names.push({ ...previous, use: 'previous', validTo: new Date().toISOString().slice(0, 10) });
    }
    await repo.insertNames(tx, councilId, id, names);
  }
  try {
    await repo.insertIdentifiers(tx, councilId, id, party.identifiers);
  } catch (error) {
    if (isUniqueViolation(error)) throw new SourceKeyTaken('source system');
    throw error;
  }
  await repo.insertContactPoints(tx, councilId, id, party.contactPoints);
  await repo.insertAddresses(tx, councilId, id, party.addresses);
  const changed = Object.keys(input).filter((k) => k !== 'kind');
  await recordAudit(tx, context, {
    action: 'party.updated',
    subjectType: 'party',
    subjectId: id,
    details: { fields: changed },
  });
  const updated = await repo.findParty(tx, councilId, id);
  if (!updated) throw new PartyNotFound();
  return updated;
}

export function createPartiesService(db: Executor) {
  const variants = nameVariants();

  async function insertValidParty(
    tx: Executor,
    councilId: string,
    party: ValidParty,
  ): Promise<{ id: string; reference: string }> {
    // References are random; on the rare clash, draw again.
    for (let attempt = 0; ; attempt++) {
      const reference = newPartyReference();
      try {
        const id = await repo.insertParty(tx, councilId, reference, party.fields);
        await repo.insertNames(tx, councilId, id, party.names);
        await repo.insertIdentifiers(tx, councilId, id, party.identifiers);
        await repo.insertContactPoints(tx, councilId, id, party.contactPoints);
        await repo.insertAddresses(tx, councilId, id, party.addresses);
        return { id, reference };
      } catch (error) {
        if (
          isUniqueViolation(error) &&
          String((error as { constraint?: string }).constraint).includes('reference') &&
          attempt < 3
        )
          continue;
        if (isUniqueViolation(error)) {
          const source = party.identifiers.find((i) => i.scheme === 'source');
          throw new SourceKeyTaken(source?.system ?? 'source system');
        }
        throw error;
      }
    }
  }

  async function requireActive(tx: Executor, councilId: string, id: string): Promise<repo.PartyRecord> {
    const party = await repo.findParty(tx, councilId, id, { forUpdate: true });
    if (!party) throw new PartyNotFound();
    if (party.status === 'merged') throw new PartyAlreadyMerged();
    return party;
  }

  /**
   * Runs a creating change once per idempotency key: a retry with the same key and body gets the first
   * answer back, and nothing is created twice. Without a key, it is an ordinary transaction.
   */
  const once = async <T>(
    councilId: string,
    operation: string,
    body: unknown,
    idempotency: IdempotencyKeyOf | undefined,
    work: (tx: Tx) => Promise<T>,
  ): Promise<T> => {
    const result = await idempotentTransaction(
      db,
      idempotency ? { councilId, operation, body, ...idempotency } : null,
      // A change that answers nothing is stored as null (JSON has no undefined).
      async (tx) => ({ statusCode: 201, body: ((await work(tx)) ?? null) as T }),
    );
    return result.body;
  };

  /** Moves the party's version on; with an expected version, refuses a change made from a stale form. */
  const guardVersion = async (tx: Tx, councilId: string, partyId: string, expected?: number) => {
    if (!(await repo.bumpVersion(tx, councilId, partyId, expected))) throw new PartyChangedMeanwhile();
  };

  const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

  return {
    /** Creates a person, organisation or household with its contact details, in one transaction. */
    async createParty(
      councilId: string,
      input: PartyInput,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<{ id: string; reference: string }> {
      const { party, errors } = validateParty(input);
      if (!party) fail(errors);
      const request = options.idempotency
        ? { councilId, operation: 'parties.create', body: input, ...options.idempotency }
        : null;
      // One statement writes the party, its names, identifiers, contact points and addresses and
      // the audit entry (see writeTogether): a party is made on the path of a citizen's report.
      for (let attempt = 0; ; attempt++) {
        const id = uuidV7();
        const reference = newPartyReference();
        const writes: PreparedWrite[] = [
          repo.partyInsert(db, councilId, id, reference, party.fields),
          auditWrite(db, context, {
            action: 'party.created',
            subjectType: 'party',
            subjectId: id,
            details: { kind: party.fields.kind, reference },
          }),
        ];
        if (party.names.length > 0) {
          writes.push(repo.namesInsert(db, councilId, id, party.names, party.fields.dateOfBirth));
          const terms = repo.nameTermsInsert(db, councilId, repo.nameTermsOf(party.names));
          if (terms) writes.push(terms);
        }
        if (party.identifiers.length > 0)
          writes.push(repo.identifiersInsert(db, councilId, id, party.identifiers));
        if (party.contactPoints.length > 0)
          writes.push(repo.contactPointsInsert(db, councilId, id, party.contactPoints));
        if (party.addresses.length > 0) writes.push(repo.addressesInsert(db, councilId, id, party.addresses));
        try {
          return (await idempotentWrite(db, request, { statusCode: 201, body: { id, reference } }, writes))
            .body;
        } catch (error) {
          if (isUniqueViolation(error, repo.PARTY_REFERENCE_CONSTRAINT) && attempt < 3) continue;
          // Source-system keys are stored for the import and for integrations; they must be unique.
          if (isUniqueViolation(error)) {
            const source = party.identifiers.find((i) => i.scheme === 'source');
            throw new SourceKeyTaken(source?.system ?? 'source system');
          }
          throw error;
        }
      }
    },

    /**
     * Changes a party's own fields; what is not sent stays. A changed family name keeps the old one as
     * a previous name. Contact points, identifiers and addresses sent here are added.
     */
    async updateParty(
      councilId: string,
      id: string,
      input: PartyInput,
      context: AuditContext,
      expectedVersion?: number,
    ): Promise<repo.PartyRecord> {
      if (!isUuid(id)) throw new PartyNotFound();
      return inTransaction(db, (tx) => updatePartyIn(tx, councilId, id, input, context, expectedVersion));
    },

    /**
     * Everything about a party on one screen. Reading a person's record is audited with the purpose.
     * Alerts are filtered to those the viewer's role may see.
     */
    async singleView(
      principal: Principal,
      id: string,
      context: AuditContext,
      purpose?: string,
    ): Promise<SingleView> {
      if (!isUuid(id)) throw new PartyNotFound();
      return inTransaction(db, async (tx) => {
        const party = await repo.findParty(tx, principal.councilId, id);
        if (!party) throw new PartyNotFound();
        const [names, identifiers, contactPoints, addresses, relationships, alerts, merges] =
          await Promise.all([
            repo.listNames(tx, id),
            repo.listIdentifiers(tx, id),
            repo.listContactPoints(tx, id),
            repo.listAddresses(tx, id),
            repo.listRelationships(tx, id),
            repo.listAlerts(tx, principal.councilId, id, principal.role),
            repo.listMergesOf(tx, principal.councilId, id),
          ]);
        await recordAudit(tx, context, {
          action: 'party.viewed',
          subjectType: 'party',
          subjectId: id,
          purpose: purpose ?? 'enquiry',
        });
        return {
          party,
          names,
          identifiers,
          contactPoints,
          addresses,
          relationships: relationships.map((r) => {
            const type = RELATIONSHIP_TYPES[r.type as RelationshipType];
            return { ...r, label: type ? (r.outgoing ? type.label : type.inverse) : r.type };
          }),
          alerts,
          merges,
        };
      });
    },

    /**
     * The alerts in force on a party that the viewer's role may see, exactly as the single view shows
     * them, for another module's page about the party (a request, a form raising one). Showing one is
     * a read of the person's record, so it is audited with the purpose; no alerts, no read.
     */
    async alertsFor(
      principal: Principal,
      partyId: string,
      context: AuditContext,
      purpose: string,
    ): Promise<repo.AlertRecord[]> {
      if (!isUuid(partyId)) return [];
      return inTransaction(db, async (tx) => {
        const party = await repo.findParty(tx, principal.councilId, partyId);
        if (!party) return [];
        const alerts = await repo.listAlerts(tx, principal.councilId, partyId, principal.role);
        if (alerts.length > 0)
          await recordAudit(tx, context, {
            action: 'party.alerts_viewed',
            subjectType: 'party',
            subjectId: partyId,
            purpose,
            details: { alertIds: alerts.map((a) => a.id) },
          });
        return alerts;
      });
    },

    /** A party without its related rows and without an audit event (for forms and checks). */
    async getParty(councilId: string, id: string): Promise<repo.PartyRecord> {
      if (!isUuid(id)) throw new PartyNotFound();
      const party = await repo.findParty(db, councilId, id);
      if (!party) throw new PartyNotFound();
      return party;
    },

    /**
     * Names and references of parties for the audit trail, one statement for them all. Not audited:
     * the auditor may already see who was looked at.
     */
    async namesForAudit(
      councilId: string,
      ids: readonly string[],
    ): Promise<Map<string, { displayName: string; reference: string }>> {
      const rows = await repo.partyNamesByIds(db, councilId, ids.filter(isUuid));
      return new Map(rows.map((r) => [r.id, { displayName: r.displayName, reference: r.reference }]));
    },

    /** The id of the party with this reference (typed loosely), without an audit event. */
    async idForReference(councilId: string, text: string): Promise<string | undefined> {
      const reference = normalisePartyReference(text);
      if (!reference) return undefined;
      return (await repo.findPartyByReference(db, councilId, reference))?.id;
    },

    search(councilId: string, query: string, limit = 20): Promise<PartySearchResult[]> {
      const trimmed = query.trim().slice(0, 200);
      if (trimmed === '') return Promise.resolve([]);
      return searchParties(db, councilId, trimmed, Math.min(Math.max(limit, 1), 100), variants);
    },

    /**
     * The active person a report's email, else phone, belongs to: an exact contact point, not a
     * fuzzy search. Where several people share it, the one with the report's family name, else the
     * longest on the register. Null when nobody has it (the caller then records a new person).
     */
    async personWithContact(
      councilId: string,
      contact: { email?: string | undefined; phone?: string | undefined; familyName?: string | undefined },
    ): Promise<string | null> {
      const family = contact.familyName ? nameKey(contact.familyName) : '';
      const clues: ['email' | 'phone', string | undefined][] = [
        ['email', contact.email ? normaliseEmail(contact.email) : undefined],
        ['phone', contact.phone ? normalisePhone(contact.phone) : undefined],
      ];
      for (const [kind, value] of clues) {
        if (!value) continue;
        const people = await activePeopleWithContact(db, councilId, kind, value);
        const named = family
          ? people.find((p) => p.familyName && nameKey(p.familyName) === family)
          : undefined;
        const chosen = named ?? people[0];
        if (chosen) return chosen.partyId;
      }
      return null;
    },

    /** "Is this one of these people?": likely matches for a new person, before creating them. */
    async possibleDuplicates(councilId: string, input: PartyInput): Promise<PartySearchResult[]> {
      const name =
        input.kind === 'person' || input.kind === undefined
          ? [input.givenNames ?? input.givenName, input.familyName].filter(Boolean).join(' ')
          : (input.organisationName ?? input.name ?? '');
      if (name.trim() === '') return [];
      const dob = input.dateOfBirth ? parsePartialDate(input.dateOfBirth) : undefined;
      const byName = await searchParties(
        db,
        councilId,
        dob ? `${name} ${input.dateOfBirth}` : name,
        10,
        variants,
      );
      const extra: PartySearchResult[] = [];
      for (const clue of [
        input.email,
        input.phone,
        input.address?.postcode ? `${name} ${input.address.postcode}` : undefined,
      ]) {
        if (clue?.trim()) extra.push(...(await searchParties(db, councilId, clue, 5, variants)));
      }
      const seen = new Set<string>();
      return [...byName, ...extra]
        .filter((r) => {
          if (seen.has(r.party.id)) return false;
          seen.add(r.party.id);
          return true;
        })
        .filter((r) => r.score >= 0.6)
        .slice(0, 10);
    },

    async addIdentifier(
      councilId: string,
      partyId: string,
      input: IdentifierInput,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<string> {
      const errors: FieldError[] = [];
      const identifier = validateIdentifier(input, 'identifier', errors);
      if (!identifier) fail(errors.map((e) => ({ ...e, field: e.field.replace(/^identifier\./, '') })));
      if (!isUuid(partyId)) throw new PartyNotFound();
      return once(
        councilId,
        'parties.identifiers.add',
        { partyId, input },
        options.idempotency,
        async (tx) => {
          await requireActive(tx, councilId, partyId);
          await guardVersion(tx, councilId, partyId, options.expectedVersion);
          let id: string;
          try {
            [id] = (await repo.insertIdentifiers(tx, councilId, partyId, [identifier])) as [string];
          } catch (error) {
            if (isUniqueViolation(error)) throw new SourceKeyTaken(identifier.system ?? 'source system');
            throw error;
          }
          await recordAudit(tx, context, {
            action: 'party.identifier_added',
            subjectType: 'party',
            subjectId: partyId,
            details: { scheme: identifier.scheme, system: identifier.system },
          });
          return id;
        },
      );
    },

    async addContactPoint(
      councilId: string,
      partyId: string,
      input: ContactPointInput,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      const errors: FieldError[] = [];
      const point = validateContactPoint(input, 'contactPoint', errors);
      if (!point) fail(errors.map((e) => ({ ...e, field: e.field.replace(/^contactPoint\./, '') })));
      if (!isUuid(partyId)) throw new PartyNotFound();
      await once(
        councilId,
        'parties.contact_points.add',
        { partyId, input },
        options.idempotency,
        async (tx) => {
          await requireActive(tx, councilId, partyId);
          await guardVersion(tx, councilId, partyId, options.expectedVersion);
          await repo.insertContactPoints(tx, councilId, partyId, [point]);
          await recordAudit(tx, context, {
            action: 'party.contact_point_added',
            subjectType: 'party',
            subjectId: partyId,
            details: { kind: point.kind },
          });
        },
      );
    },

    async addAddress(
      councilId: string,
      partyId: string,
      input: AddressInput,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      const errors: FieldError[] = [];
      const address = validateAddress(input, 'address', errors);
      if (!address) fail(errors.map((e) => ({ ...e, field: e.field.replace(/^address\./, '') })));
      if (!isUuid(partyId)) throw new PartyNotFound();
      await once(councilId, 'parties.addresses.add', { partyId, input }, options.idempotency, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        await repo.insertAddresses(tx, councilId, partyId, [address]);
        await recordAudit(tx, context, {
          action: 'party.address_added',
          subjectType: 'party',
          subjectId: partyId,
          details: { role: address.role },
        });
      });
    },

    async addRelationship(
      councilId: string,
      input: {
        type?: string;
        fromPartyId?: string;
        toPartyId?: string;
        validFrom?: string;
        validTo?: string;
      },
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<string> {
      const errors: FieldError[] = [];
      if (!input.type || !(input.type in RELATIONSHIP_TYPES))
        errors.push({
          field: 'type',
          message: `Choose a relationship type: ${Object.keys(RELATIONSHIP_TYPES).join(', ')}`,
        });
      if (!input.fromPartyId || !isUuid(input.fromPartyId))
        errors.push({ field: 'fromPartyId', message: 'Give the id of the party the relationship is from' });
      if (!input.toPartyId || !isUuid(input.toPartyId))
        errors.push({ field: 'toPartyId', message: 'Give the id of the party the relationship is to' });
      if (input.fromPartyId && input.fromPartyId === input.toPartyId)
        errors.push({ field: 'toPartyId', message: 'A party cannot be related to itself' });
      const from = input.validFrom ? parsePartialDate(input.validFrom) : undefined;
      if (input.validFrom && from?.precision !== 'day')
        errors.push({ field: 'validFrom', message: 'Enter a real date in the format YYYY-MM-DD' });
      const to = input.validTo ? parsePartialDate(input.validTo) : undefined;
      if (input.validTo && to?.precision !== 'day')
        errors.push({ field: 'validTo', message: 'Enter a real date in the format YYYY-MM-DD' });
      if (from && to && to.date < from.date)
        errors.push({ field: 'validTo', message: 'The end date must be on or after the start date' });
      if (errors.length > 0) fail(errors);
      const type = input.type as RelationshipType;
      return once(councilId, 'parties.relationships.add', input, options.idempotency, async (tx) => {
        const fromParty = await requireActive(tx, councilId, input.fromPartyId as string);
        const toParty = await requireActive(tx, councilId, input.toPartyId as string);
        await guardVersion(tx, councilId, fromParty.id, options.expectedVersion);
        if (type.startsWith('household_') && toParty.kind !== 'household')
          fail([{ field: 'toPartyId', message: 'A household relationship must be to a household' }]);
        if ((type === 'employee_of' || type === 'director_of') && toParty.kind !== 'organisation')
          fail([{ field: 'toPartyId', message: 'This relationship must be to an organisation' }]);
        if (fromParty.kind === 'household')
          fail([
            { field: 'fromPartyId', message: 'A household cannot be the first party of a relationship' },
          ]);
        const id = await repo.insertRelationship(tx, councilId, {
          type,
          fromPartyId: fromParty.id,
          toPartyId: toParty.id,
          validFrom: from?.date ?? null,
          validTo: to?.date ?? null,
        });
        for (const subject of [fromParty.id, toParty.id]) {
          await recordAudit(tx, context, {
            action: 'party.relationship_added',
            subjectType: 'party',
            subjectId: subject,
            details: { relationshipId: id, type },
          });
        }
        return id;
      });
    },

    async addAlert(
      councilId: string,
      partyId: string,
      input: { kind?: string; reason?: string; reviewOn?: string; visibleTo?: string[] },
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<string> {
      const errors: FieldError[] = [];
      if (!input.kind || !(input.kind in ALERT_KINDS))
        errors.push({ field: 'kind', message: 'Choose the kind of alert' });
      const reason = input.reason?.trim() ?? '';
      if (reason === '' || reason.length > 500)
        errors.push({ field: 'reason', message: 'Give the reason for the alert in up to 500 characters' });
      const review = input.reviewOn ? parsePartialDate(input.reviewOn) : undefined;
      const today = new Date().toISOString().slice(0, 10);
      if (review?.precision !== 'day' || review.date <= today)
        errors.push({
          field: 'reviewOn',
          message: 'Enter a review date in the future, in the format YYYY-MM-DD',
        });
      const visibleTo = input.visibleTo?.length ? input.visibleTo : [...DEFAULT_ALERT_ROLES];
      if (!visibleTo.every((r) => ['agent', 'officer', 'supervisor', 'admin', 'auditor'].includes(r)))
        errors.push({ field: 'visibleTo', message: 'Choose which staff roles may see the alert' });
      if (errors.length > 0 || !review) fail(errors);
      if (!isUuid(partyId)) throw new PartyNotFound();
      return once(councilId, 'parties.alerts.add', { partyId, input }, options.idempotency, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        const id = await repo.insertAlert(tx, councilId, partyId, {
          kind: input.kind as string,
          reason,
          reviewOn: review.date,
          visibleTo,
          raisedBy: context.actorLabel,
        });
        await recordAudit(tx, context, {
          action: 'party.alert_raised',
          subjectType: 'party',
          subjectId: partyId,
          details: { alertId: id, kind: input.kind },
        });
        return id;
      });
    },

    /**
     * Merges `mergedId` into `survivorId`. `choices` says, field by field, which record's value survives
     * (the survivor's by default). Every name, identifier, contact point, address, alert and
     * relationship moves to the survivor; the merge keeps what it needs to be undone.
     */
    async merge(
      councilId: string,
      survivorId: string,
      mergedId: string,
      choices: Partial<Record<MergeableField, 'survivor' | 'merged'>>,
      context: AuditContext,
    ): Promise<string> {
      if (!isUuid(survivorId) || !isUuid(mergedId)) throw new PartyNotFound();
      if (survivorId === mergedId)
        fail([{ field: 'mergedId', message: 'Choose two different records to merge' }]);
      return inTransaction(db, async (tx) => {
        const survivor = await requireActive(tx, councilId, survivorId);
        const merged = await requireActive(tx, councilId, mergedId);
        if (survivor.kind !== merged.kind)
          fail([{ field: 'mergedId', message: `A ${merged.kind} cannot be merged into a ${survivor.kind}` }]);
        const pick = <K extends MergeableField>(field: K) =>
          choices[field] === 'merged' ? merged[field] : survivor[field];
        const input: PartyInput = {
          title: pick('title') ?? '',
          givenNames: pick('givenNames') ?? '',
          familyName: pick('familyName') ?? '',
          suffix: pick('suffix') ?? '',
          preferredName: pick('preferredName') ?? '',
          communication: {
            preferredChannel: pick('preferredChannel') ?? '',
            language: pick('language'),
            languageOther:
              choices.language === 'merged' ? (merged.languageOther ?? '') : (survivor.languageOther ?? ''),
          },
        };
        const { party, errors } = validateParty(input, survivor);
        if (!party) fail(errors);
        const fields = { ...party.fields };
        if (choices.dateOfBirth === 'merged') {
          fields.dateOfBirth = merged.dateOfBirth;
          fields.birthDatePrecision = merged.birthDatePrecision;
        }
        if (choices.dateOfDeath === 'merged') fields.dateOfDeath = merged.dateOfDeath;
        const moved = await repo.moveAllRows(tx, councilId, mergedId, survivorId);
        await repo.updateParty(tx, councilId, survivorId, fields);
        await repo.setPartyStatus(tx, councilId, mergedId, 'merged', survivorId);
        // The merged record's names moved with it, so the survivor is found by either record's name.
        const nameChanged =
          fields.givenNames !== survivor.givenNames ||
          fields.familyName !== survivor.familyName ||
          fields.preferredName !== survivor.preferredName;
        if (nameChanged) {
          await repo.deleteCurrentNames(tx, councilId, survivorId, moved.party_name);
          await repo.insertNames(tx, councilId, survivorId, searchNamesOf(fields));
        }
        const survivorBefore = strip(survivor);
        const mergedBefore = strip(merged);
        const mergeId = await repo.insertMerge(tx, councilId, {
          survivorId,
          mergedId,
          survivorBefore,
          mergedBefore,
          moved,
          mergedBy: context.actorLabel,
        });
        for (const subject of [survivorId, mergedId]) {
          await recordAudit(tx, context, {
            action: 'party.merged',
            subjectType: 'party',
            subjectId: subject,
            details: {
              mergeId,
              survivorId,
              mergedId,
              fromMerged: Object.entries(choices)
                .filter(([, v]) => v === 'merged')
                .map(([k]) => k),
            },
          });
        }
        return mergeId;
      });
    },

    /** Undoes a merge: both records return as they were, each with its own rows. */
    async unmerge(
      councilId: string,
      mergeId: string,
      context: AuditContext,
    ): Promise<{ survivorId: string; mergedId: string }> {
      if (!isUuid(mergeId)) throw new MergeNotReversible('There is no such merge');
      return inTransaction(db, async (tx) => {
        const merge = await repo.findMerge(tx, councilId, mergeId);
        if (!merge) throw new MergeNotReversible('There is no such merge');
        if (merge.unmergedAt) throw new MergeNotReversible('This merge has already been undone');
        if (await repo.hasLaterMerge(tx, councilId, merge.survivorId, merge.id))
          throw new MergeNotReversible('The record has been merged again since; undo the later merge first');
        // Rows added to the survivor since the merge stay with it; the merged record gets its own back.
        const survivorNow = await repo.findParty(tx, councilId, merge.survivorId, { forUpdate: true });
        if (!survivorNow) throw new PartyNotFound();
        await repo.moveRowsBack(tx, councilId, merge.moved, merge.mergedId);
        await repo.deleteCurrentNames(tx, councilId, merge.survivorId);
        await repo.updateParty(tx, councilId, merge.survivorId, merge.survivorBefore);
        await repo.insertNames(tx, councilId, merge.survivorId, searchNamesOf(merge.survivorBefore));
        await repo.updateParty(tx, councilId, merge.mergedId, merge.mergedBefore);
        await repo.setPartyStatus(tx, councilId, merge.mergedId, 'active', null);
        await repo.markUnmerged(tx, mergeId, context.actorLabel);
        for (const subject of [merge.survivorId, merge.mergedId]) {
          await recordAudit(tx, context, {
            action: 'party.unmerged',
            subjectType: 'party',
            subjectId: subject,
            details: { mergeId, survivorId: merge.survivorId, mergedId: merge.mergedId },
          });
        }
        return { survivorId: merge.survivorId, mergedId: merge.mergedId };
      });
    },

    /**
     * Creates or updates the party that a source system's key names (the bulk import). Returns what
     * happened; a validation failure throws, naming the fields.
     */
    async upsertBySourceKey(
      councilId: string,
      system: string,
      key: string,
      input: PartyInput,
      context: AuditContext,
    ): Promise<{ id: string; outcome: 'created' | 'updated' | 'unchanged' }> {
      const sourceErrors: FieldError[] = [];
      const source = validateIdentifier({ scheme: 'source', system, value: key }, 'key', sourceErrors);
      if (!source) fail(sourceErrors);
      return inTransaction(db, async (tx) => {
        const existingId = await repo.findPartyIdBySourceKey(
          tx,
          councilId,
          source.system ?? system,
          source.valueKey,
        );
        if (!existingId) {
          const { party, errors } = validateParty(input);
          if (!party) fail(errors);
          party.identifiers.unshift(source);
          const created = await insertValidParty(tx, councilId, party);
          await recordAudit(tx, context, {
            action: 'party.imported',
            subjectType: 'party',
            subjectId: created.id,
            details: { system: source.system, outcome: 'created' },
          });
          return { id: created.id, outcome: 'created' };
        }
        const existing = await repo.findParty(tx, councilId, existingId, { forUpdate: true });
        if (!existing) throw new PartyNotFound();
        const target =
          existing.status === 'merged' && existing.mergedInto ? existing.mergedInto : existing.id;
        const current =
          target === existing.id
            ? existing
            : await repo.findParty(tx, councilId, target, { forUpdate: true });
        if (!current) throw new PartyNotFound();
        const { party, errors } = validateParty({ ...input, kind: current.kind }, current);
        if (!party) fail(errors);
        const before = strip(current);
        const same = (Object.keys(before) as (keyof repo.PartyFields)[]).every(
          (k) => before[k] === party.fields[k],
        );
        // Contact details already held are not added twice.
        const [points, addresses, identifiers] = await Promise.all([
          repo.listContactPoints(tx, target),
          repo.listAddresses(tx, target),
          repo.listIdentifiers(tx, target),
        ]);
        const newPoints = party.contactPoints.filter(
          (p) => !points.some((q) => q.kind === p.kind && q.value === p.value),
        );
        const newAddresses = party.addresses.filter(
          (a) =>
            !addresses.some(
              (b) => b.validTo === null && b.text === a.text && (b.postcode ?? null) === a.postcode,
            ),
        );
        const newIdentifiers = party.identifiers.filter(
          (i) =>
            !identifiers.some((j) => j.scheme === i.scheme && j.system === i.system && j.value === i.value),
        );
        if (same && newPoints.length === 0 && newAddresses.length === 0 && newIdentifiers.length === 0)
          return { id: target, outcome: 'unchanged' };
        if (!same) {
          await repo.updateParty(tx, councilId, target, party.fields);
          await repo.deleteCurrentNames(tx, councilId, target);
          await repo.insertNames(tx, councilId, target, party.names);
        }
        await repo.insertContactPoints(tx, councilId, target, newPoints);
        await repo.insertAddresses(tx, councilId, target, newAddresses);
        await repo.insertIdentifiers(tx, councilId, target, newIdentifiers);
        await recordAudit(tx, context, {
          action: 'party.imported',
          subjectType: 'party',
          subjectId: target,
          details: { system: source.system, outcome: 'updated' },
        });
        return { id: target, outcome: 'updated' };
      });
    },

    /**
     * Loads many parties at once (imports, demo data). Rows that fail validation are reported with
     * their line and reasons and the rest are loaded. With a source system, rows whose key is already
     * known update that party instead, so running the same file twice changes nothing.
     */
    async bulkLoad(
      councilId: string,
      rows: readonly BulkRow[],
      context: AuditContext,
      system?: string,
      /** Keys already seen earlier in the same file (a file loaded in batches shares one set). */
      seenKeys: Set<string> = new Set(),
    ): Promise<BulkResult> {
      return this.commitBulk(councilId, prepareBulk(rows, system, seenKeys), context, system);
    },

    /** The database half of bulkLoad: inserts what prepareBulk accepted (or updates known keys). */
    async commitBulk(
      councilId: string,
      prepared: PreparedBulk,
      context: AuditContext,
      system?: string,
      /** What the batches of one load share (`bulkLoadState`); without it, every key is looked up. */
      state?: BulkLoadState,
    ): Promise<BulkResult> {
      const result: BulkResult = { created: [], updated: 0, unchanged: 0, rejected: [...prepared.rejected] };
      const { fresh } = prepared;
      const lookUpKeys = state?.lookUpKeys ?? true;
      const existing =
        system !== undefined && lookUpKeys
          ? await repo.existingSourceKeys(
              db,
              councilId,
              system,
              fresh.flatMap((f) => (f.source ? [f.source.valueKey] : [])),
            )
          : new Set<string>();
      const known: { input: PartyInput; source: repo.NewIdentifier }[] = [];
      const toInsert: repo.BulkParty[] = [];
      const references = new Set<string>();
      const lines: number[] = [];
      for (const { row, party, source } of fresh) {
        if (source && existing.has(source.valueKey)) {
          known.push({ input: row.input, source });
          continue;
        }
        let reference = newPartyReference();
        while (references.has(reference)) reference = newPartyReference();
        references.add(reference);
        toInsert.push({
          id: uuidV7(),
          reference,
          fields: party.fields,
          names: party.names,
          identifiers: source ? [source, ...party.identifiers] : party.identifiers,
          contactPoints: party.contactPoints,
          addresses: party.addresses,
        });
        lines.push(row.line);
      }
      if (toInsert.length > 0) {
        const terms = repo.bulkNameTerms(toInsert, state?.termsWritten);
        const audit = {
          action: 'party.bulk_loaded',
          subjectType: 'party',
          details: {
            created: toInsert.length,
            system: system ?? null,
            firstId: toInsert[0]?.id,
            lastId: toInsert.at(-1)?.id,
          },
        };
        // References are random (32^7 of them), so one already in the register is rare: a batch that
        // meets one (or one another batch took meanwhile) is undone, then written again with every
        // taken reference drawn afresh. Looking each one up first would cost more than the few retries
        // of a big load (and each lookup is a random read of a large index, as the insert is).
        const drawAgainForTaken = async (tx: Executor, attempt: number) => {
          if (attempt === 1) return;
          for (let round = 0; round < 5; round++) {
            const taken = await repo.takenReferences(
              tx,
              councilId,
              toInsert.map((p) => p.reference),
            );
            if (taken.size === 0) return;
            for (const p of toInsert) {
              if (!taken.has(p.reference)) continue;
              do p.reference = newPartyReference();
              while (references.has(p.reference));
              references.add(p.reference);
            }
          }
        };
        for (let attempt = 1; ; attempt++) {
          try {
            // On the Postgres server the rows travel by COPY; the embedded database takes them as one
            // statement (its socket does not carry COPY). Either way, one transaction per batch.
            if (copyAvailable(db))
              await inCopyTransaction(db, async (tx) => {
                await repo.commitWithoutWaitingForDisk(tx.db);
                await drawAgainForTaken(tx.db, attempt);
                await repo.copyParties(tx, councilId, toInsert, terms);
                await recordAudit(tx.db, context, audit);
              });
            else
              await inTransaction(db, async (tx) => {
                await repo.commitWithoutWaitingForDisk(tx);
                await drawAgainForTaken(tx, attempt);
                await repo.bulkInsertParties(tx, councilId, toInsert, terms);
                await recordAudit(tx, context, audit);
              });
            break;
          } catch (error) {
            if (attempt < 3 && isUniqueViolation(error, 'party_council_id_reference_key')) continue;
            // A key held after all (written since the load began): the batch again, looking keys up,
            // and so every later batch of the load.
            if (state && !lookUpKeys && isUniqueViolation(error, 'party_identifier_source')) {
              for (const term of terms) state.termsWritten.delete(`${term.part}:${term.term}`);
              state.lookUpKeys = true;
              return this.commitBulk(councilId, prepared, context, system, state);
            }
            throw error;
          }
        }
        toInsert.forEach((p, i) => {
          result.created.push({ line: lines[i] ?? 0, id: p.id });
        });
      }
      // Rows whose key is already known update their party as `upsertBySourceKey` would, the whole
      // batch in one transaction: new contact details are added, changed fields replace the old.
      const oneByOne: typeof known = [];
      if (known.length > 0)
        await inTransaction(db, async (tx) => {
          const current = await repo.partiesBySourceKeys(
            tx,
            councilId,
            known[0]?.source.system ?? '',
            known.map((k) => k.source.valueKey),
          );
          const targets = new Set<string>();
          const updates: { id: string; fields: repo.PartyFields }[] = [];
          const details: repo.BulkParty[] = [];
          const events: AuditEvent[] = [];
          for (const k of known) {
            const held = current.get(k.source.valueKey);
            // A key gone meanwhile, or a second key for the same party (after a merge): one by one,
            // after this batch, so each sees what came before it.
            if (!held || targets.has(held.party.id)) {
              oneByOne.push(k);
              continue;
            }
            targets.add(held.party.id);
            const { party, errors } = validateParty({ ...k.input, kind: held.party.kind }, held.party);
            if (!party) fail(errors);
            const before = strip(held.party);
            const same = (Object.keys(before) as (keyof repo.PartyFields)[]).every(
              (f) => before[f] === party.fields[f],
            );
            const contactPoints = party.contactPoints.filter(
              (p) => !held.points.some((q) => q.kind === p.kind && q.value === p.value),
            );
            const addresses = party.addresses.filter(
              (a) =>
                !held.addresses.some(
                  (b) => b.validTo === null && b.text === a.text && (b.postcode ?? null) === a.postcode,
                ),
            );
            const identifiers = party.identifiers.filter(
              (i) =>
                !held.identifiers.some(
                  (j) => j.scheme === i.scheme && j.system === i.system && j.value === i.value,
                ),
            );
            if (same && contactPoints.length === 0 && addresses.length === 0 && identifiers.length === 0) {
              result.unchanged++;
              continue;
            }
            if (!same) updates.push({ id: held.party.id, fields: party.fields });
            details.push({
              id: held.party.id,
              reference: held.party.reference,
              fields: party.fields,
              names: same ? [] : party.names,
              identifiers,
              contactPoints,
              addresses,
            });
            events.push({
              action: 'party.imported',
              subjectType: 'party',
              subjectId: held.party.id,
              details: { system: k.source.system, outcome: 'updated' },
            });
            result.updated++;
          }
          await repo.bulkUpdateParties(tx, councilId, updates);
          await repo.bulkDeleteCurrentNames(
            tx,
            councilId,
            updates.map((u) => u.id),
          );
          await repo.bulkInsertParties(tx, councilId, details, repo.bulkNameTerms(details), 'details');
          await recordAuditEach(tx, context, events);
        });
      for (const k of oneByOne) {
        const outcome = await this.upsertBySourceKey(
          councilId,
          k.source.system ?? '',
          k.source.value,
          k.input,
          context,
        );
        if (outcome.outcome === 'updated') result.updated++;
        else result.unchanged++;
      }
      return result;
    },

    /**
     * What the batches of one load share: the name terms written so far, and whether each batch's
     * source keys need looking up: not while the register holds none of the system's keys (a first
     * load), which spares a lookup per row.
     */
    async bulkLoadState(councilId: string, system?: string): Promise<BulkLoadState> {
      return {
        termsWritten: new Set(),
        lookUpKeys: system !== undefined && (await repo.holdsSourceKeys(db, councilId, system)),
      };
    },

    /**
     * Before a big load: drops the search indexes and foreign keys that `finishBulkLoad` builds and
     * checks again after it, when that is quicker than keeping them up row by row: a first load of at
     * least `BULK_FIRST_LOAD_ROWS` rows into a register holding at most a quarter as many parties
     * (every council's: the indexes serve them all). Searches still answer meanwhile, only slower.
     * Returns whether it did; `force` decides instead of the rule.
     */
    async beginBulkLoad(expectedRows: number, force?: boolean): Promise<boolean> {
      const defer =
        force ??
        (expectedRows >= BULK_FIRST_LOAD_ROWS && (await repo.countAllParties(db)) * 4 <= expectedRows);
      if (defer) await inTransaction(db, (tx) => repo.dropForBulkLoad(tx));
      return defer;
    },

    /**
     * After a big load (or to repair one that was interrupted): builds any missing search index and
     * checks the loaded rows against any missing foreign key, one pass per table.
     */
    async finishBulkLoad(): Promise<void> {
      // Two at a time, each on its own connection: the import has finished with Node's core.
      const missing = await repo.missingSearchIndexes(db);
      await twoAtATime(missing, (index) => inTransaction(db, (tx) => repo.buildSearchIndex(tx, index.name)));
      if (missing.length > 0)
        await twoAtATime(repo.REGISTER_TABLES, (table) => repo.analyzeRegisterTable(db, table));
      const toValidate = await inTransaction(db, (tx) => repo.restoreForeignKeys(tx));
      await twoAtATime(toValidate, (name) => repo.validateForeignKey(db, name));
    },

    /** Relates many parties at once (demo households). */
    async bulkRelate(
      councilId: string,
      relationships: readonly {
        type: RelationshipType;
        fromPartyId: string;
        toPartyId: string;
        validFrom: string | null;
      }[],
    ): Promise<void> {
      await inTransaction(db, (tx) => repo.bulkInsertRelationships(tx, councilId, relationships));
    },

    /** Ends a current address (it stays on the record, with the date it ended). */
    async endAddress(
      councilId: string,
      partyId: string,
      addressId: string,
      validTo: string | undefined,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      const end = endDate(validTo, 'validTo');
      if (!isUuid(partyId) || !isUuid(addressId)) throw new PartyNotFound();
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        if (!(await repo.endAddress(tx, councilId, partyId, addressId, end)))
          fail([
            {
              field: 'validTo',
              message: 'This address has already ended, or the end date is before it started',
            },
          ]);
        await recordAudit(tx, context, {
          action: 'party.address_ended',
          subjectType: 'party',
          subjectId: partyId,
          details: { addressId, validTo: end },
        });
      });
    },

    /** Verifies a contact point, marks it do-not-contact (or not), makes it preferred, or removes it. */
    async changeContactPoint(
      councilId: string,
      partyId: string,
      contactPointId: string,
      change: repo.ContactPointChange,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      if (!isUuid(partyId) || !isUuid(contactPointId)) throw new PartyNotFound();
      if (!['verify', 'do_not_contact', 'allow_contact', 'prefer', 'remove'].includes(change))
        fail([{ field: 'change', message: 'Choose what to do with the contact detail' }]);
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        const point = await repo.changeContactPoint(tx, councilId, partyId, contactPointId, change);
        if (!point) throw new PartyDetailNotFound('The contact detail');
        await recordAudit(tx, context, {
          action: change === 'remove' ? 'party.contact_point_removed' : 'party.contact_point_changed',
          subjectType: 'party',
          subjectId: partyId,
          // Enough for a data protection officer to tell which detail it was, never the whole of it.
          details: { contactPointId, kind: point.kind, change, masked: maskContactPoint(point) },
        });
      });
    },

    async removeIdentifier(
      councilId: string,
      partyId: string,
      identifierId: string,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      if (!isUuid(partyId) || !isUuid(identifierId)) throw new PartyNotFound();
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        const scheme = await repo.deleteIdentifier(tx, councilId, partyId, identifierId);
        if (!scheme) throw new PartyDetailNotFound('The identifier');
        await recordAudit(tx, context, {
          action: 'party.identifier_removed',
          subjectType: 'party',
          subjectId: partyId,
          details: { identifierId, scheme },
        });
      });
    },

    /** Ends a relationship, seen from either of its parties. */
    async endRelationship(
      councilId: string,
      partyId: string,
      relationshipId: string,
      validTo: string | undefined,
      context: AuditContext,
      options: WriteOptions = {},
    ): Promise<void> {
      const end = endDate(validTo, 'validTo');
      if (!isUuid(partyId) || !isUuid(relationshipId)) throw new PartyNotFound();
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        await guardVersion(tx, councilId, partyId, options.expectedVersion);
        const ended = await repo.endRelationship(tx, councilId, partyId, relationshipId, end);
        if (!ended)
          fail([
            {
              field: 'validTo',
              message: 'This relationship has already ended, or the end date is before it started',
            },
          ]);
        for (const subject of [ended.fromPartyId, ended.toPartyId]) {
          await recordAudit(tx, context, {
            action: 'party.relationship_ended',
            subjectType: 'party',
            subjectId: subject,
            details: { relationshipId, type: ended.type, validTo: end },
          });
        }
      });
    },

    /** Ends an alert, saying why; it no longer shows on the record. */
    async endAlert(
      councilId: string,
      partyId: string,
      alertId: string,
      input: { reason?: string },
      context: AuditContext,
    ): Promise<void> {
      const reason = input.reason?.trim() ?? '';
      if (reason === '' || reason.length > 500)
        fail([{ field: 'reason', message: 'Give the reason for ending the alert in up to 500 characters' }]);
      if (!isUuid(partyId) || !isUuid(alertId)) throw new PartyDetailNotFound('The alert');
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        const alert = await repo.findAlert(tx, councilId, partyId, alertId);
        if (!alert) throw new PartyDetailNotFound('The alert');
        if (alert.endedAt || !(await repo.endAlert(tx, councilId, alertId, reason, context.actorLabel)))
          throw new AlertAlreadyEnded();
        await guardVersion(tx, councilId, partyId);
        await recordAudit(tx, context, {
          action: 'party.alert_ended',
          subjectType: 'party',
          subjectId: partyId,
          details: { alertId, kind: alert.kind },
        });
      });
    },

    /** Records that an alert was reviewed and is still needed, with the next review date. */
    async reviewAlert(
      councilId: string,
      partyId: string,
      alertId: string,
      input: { nextReviewOn?: string },
      context: AuditContext,
    ): Promise<{ reviewOn: string }> {
      const next = input.nextReviewOn ? parsePartialDate(input.nextReviewOn) : undefined;
      const today = new Date().toISOString().slice(0, 10);
      if (next?.precision !== 'day' || next.date <= today)
        fail([
          {
            field: 'nextReviewOn',
            message: 'Enter the next review date, in the future, in the format YYYY-MM-DD',
          },
        ]);
      if (!isUuid(partyId) || !isUuid(alertId)) throw new PartyDetailNotFound('The alert');
      await inTransaction(db, async (tx) => {
        await requireActive(tx, councilId, partyId);
        const alert = await repo.findAlert(tx, councilId, partyId, alertId);
        if (!alert) throw new PartyDetailNotFound('The alert');
        if (
          alert.endedAt ||
          !(await repo.markAlertReviewed(tx, councilId, alertId, next.date, context.actorLabel))
        )
          throw new AlertAlreadyEnded();
        await guardVersion(tx, councilId, partyId);
        await recordAudit(tx, context, {
          action: 'party.alert_reviewed',
          subjectType: 'party',
          subjectId: partyId,
          details: { alertId, kind: alert.kind, previousReviewOn: alert.reviewOn, reviewOn: next.date },
        });
      });
      return { reviewOn: next.date };
    },

    /** Alerts in force due for review by `onOrBefore` (today by default), oldest first. */
    alertsDueForReview(councilId: string, onOrBefore?: string, limit = 200): Promise<repo.DueAlert[]> {
      return repo.listAlertsDue(db, councilId, onOrBefore ?? new Date().toISOString().slice(0, 10), limit);
    },

    /** An alert of the party, for the pages that end or review it (no audit: the party page audits). */
    async getAlert(councilId: string, partyId: string, alertId: string) {
      if (!isUuid(partyId) || !isUuid(alertId)) throw new PartyDetailNotFound('The alert');
      const alert = await repo.findAlert(db, councilId, partyId, alertId);
      if (!alert || alert.endedAt) throw new PartyDetailNotFound('The alert');
      return alert;
    },

    /** Active parties with a current address at the property. */
    async partiesAtProperty(councilId: string, uprn: string): Promise<repo.PartyAtProperty[]> {
      if (!/^\d{1,12}$/.test(uprn)) return [];
      return repo.partiesAtUprn(db, councilId, uprn);
    },

    countParties: (councilId: string) => repo.countParties(db, councilId),
  };
}

/** The editable fields of a party, as a merge snapshot keeps them. */
function strip(party: repo.PartyRecord): repo.PartyFields {
  return {
    kind: party.kind,
    title: party.title,
    givenNames: party.givenNames,
    familyName: party.familyName,
    suffix: party.suffix,
    preferredName: party.preferredName,
    organisationName: party.organisationName,
    organisationType: party.organisationType,
    displayName: party.displayName,
    nameKey: party.nameKey,
    dateOfBirth: party.dateOfBirth,
    birthDatePrecision: party.birthDatePrecision,
    dateOfDeath: party.dateOfDeath,
    preferredChannel: party.preferredChannel,
    language: party.language,
    languageOther: party.languageOther,
    largePrint: party.largePrint,
    bsl: party.bsl,
    interpreter: party.interpreter,
  };
}

export type PartiesService = ReturnType<typeof createPartiesService>;
