import { type AuditContext, recordAudit } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import type { Executor } from '../../platform/db/database.ts';
import { recordDomainEvent } from '../../platform/events/outbox.ts';
import { type FieldError, NotFound, ValidationFailed } from '../../platform/http/errors.ts';
import {
  type IdempotentResult,
  idempotencyCaller,
  idempotentTransaction,
} from '../../platform/idempotency/idempotency.ts';
import type { TimelineItem, TimelineSource } from '../../platform/timeline/timeline.ts';
import { normaliseReference } from '../cases/index.ts';
import { INTERACTION_LABELS, INTERACTION_TYPES, type InteractionType } from '../catalogue/index.ts';
import { ContactNotFound } from './contacts.errors.ts';
import * as repo from './contacts.repository.ts';
import {
  AVOIDABLE_REASONS,
  CHANNEL_LABELS,
  CONTACT_CHANNELS,
  type ContactChannel,
  type ContactOutcome,
  DIRECTIONS,
  OUTCOME_LABELS,
  OUTCOMES,
} from './contacts.schemas.ts';

export type { ContactFilter } from './contacts.repository.ts';

/** A linked request as people know it: its id for links, its reference (GH-7KQ2-M4XD) to show. */
export interface LinkedRequest {
  id: string;
  reference: string;
}

/** A service discussed: its catalogue code (what is stored) and its name (what people read). */
export interface DiscussedService {
  code: string;
  name: string;
}

/** A contact with its linked requests' references and its services' names, as pages and the API show it. */
export interface ContactRecord extends repo.ContactRecord {
  requests: LinkedRequest[];
  services: DiscussedService[];
}

/** What the API and the pages send; strings, checked here so each bad value gets its own message. */
export interface ContactInput {
  partyId?: string | null | undefined;
  channel?: string | undefined;
  direction?: string | undefined;
  outcome?: string | undefined;
  caseIds?: readonly string[] | undefined;
  notes?: string | undefined;
  startedAt?: string | Date | undefined;
  endedAt?: string | Date | undefined;
  siteId?: string | null | undefined;
  interactionType?: string | null | undefined;
  serviceCodes?: readonly string[] | undefined;
  avoidable?: boolean | undefined;
  avoidableReason?: string | null | undefined;
}

export interface ContactsDeps {
  /** Checks a party exists (the parties module's `getParty`); throws a NotFound when it does not. */
  parties: { getParty(councilId: string, id: string): Promise<{ id: string; status: string }> };
  /** The council's sites (governance), to check a site id and name sites on pages. */
  sites: { listSites(councilId: string): Promise<{ id: string; name: string }[]> };
  /**
   * The requests with these ids or references (references normalised, as the cases module's
   * `normaliseReference` gives them), wired in by the app. When absent, any id is taken as it is and
   * no reference can be resolved.
   */
  findRequests?: (councilId: string, idsOrReferences: readonly string[]) => Promise<LinkedRequest[]>;
  /**
   * The catalogue services these values name, each value a service code or a service name (any
   * case); keyed by the value as given, missing when nothing matches. When absent, any value is taken
   * as a code and shown as it is.
   */
  findServices?: (
    councilId: string,
    codesOrNames: readonly string[],
  ) => Promise<Map<string, DiscussedService>>;
  /** For tests of "today"; defaults to the clock. */
  now?: () => Date;
}

export interface RecordRequest {
  /** The Idempotency-Key header, when the client sent one. */
  idempotencyKey?: string | undefined;
  /**
   * What identifies the request for the key, when not the input itself: the pages pass the form as
   * posted, because "end time: when saved" differs between a submission and its double-click.
   */
  fingerprint?: unknown;
}

export interface TodaySummary {
  contacts: ContactRecord[];
  byOutcome: { outcome: ContactOutcome; label: string; count: number }[];
  byChannel: { channel: ContactChannel; label: string; count: number }[];
  total: number;
  avoidable: number;
  /** Total time on contacts, in seconds. */
  durationSeconds: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** The time zone the council works in: "today" and day boundaries are local to it. */
const TIME_ZONE = 'Europe/London';

/** The date in the UK (YYYY-MM-DD) at an instant. */
export function londonDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(at);
}

/** Start of the local day containing `at`, as an instant. */
export function startOfLocalDay(at: Date): Date {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const sinceMidnight = (get('hour') * 3600 + get('minute') * 60 + get('second')) * 1000;
  return new Date(Math.floor(at.getTime() / 1000) * 1000 - sinceMidnight);
}

function parseInstant(
  value: string | Date | undefined,
  field: string,
  errors: FieldError[],
): Date | undefined {
  if (value === undefined || value === '') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    errors.push({ field, message: `${field} must be a date and time such as 2026-04-01T09:30:00Z` });
    return undefined;
  }
  return date;
}

/** A date (YYYY-MM-DD, local day) or an RFC 3339 time, for list filters. */
export function parseFilterTime(
  value: string | undefined,
  field: string,
  endOfDay = false,
): Date | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const noon = new Date(`${value}T12:00:00Z`);
    if (Number.isNaN(noon.getTime()))
      throw new ValidationFailed([{ field, message: `${field} is not a real date` }]);
    const start = startOfLocalDay(noon);
    return endOfDay ? startOfLocalDay(new Date(start.getTime() + 36 * 3_600_000)) : start;
  }
  const errors: FieldError[] = [];
  const date = parseInstant(value, field, errors);
  if (errors.length > 0 || !date) throw new ValidationFailed(errors);
  return date;
}

export function durationSeconds(c: { startedAt: Date; endedAt: Date }): number {
  return Math.max(0, Math.round((c.endedAt.getTime() - c.startedAt.getTime()) / 1000));
}

function timelineItem(c: repo.ContactRow, serviceNames: ReadonlyMap<string, string>): TimelineItem {
  const channel = CHANNEL_LABELS[c.channel as ContactChannel] ?? c.channel;
  const interaction = c.interactionType
    ? (INTERACTION_LABELS[c.interactionType as InteractionType] ?? c.interactionType)
    : null;
  const summary = [
    c.direction === 'outbound' ? 'Outbound' : 'Inbound',
    interaction,
    c.serviceCodes.length > 0
      ? c.serviceCodes.map((code) => serviceNames.get(code) ?? code).join(', ')
      : null,
    c.notes ? (c.notes.length > 120 ? `${c.notes.slice(0, 117)}…` : c.notes) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    kind: 'contact',
    id: c.id,
    at: c.startedAt,
    title: `${channel} contact`,
    summary,
    href: `/staff/contacts/${c.id}`,
    status: OUTCOME_LABELS[c.outcome as ContactOutcome] ?? c.outcome,
  };
}

export function createContactsService(db: Executor, deps: ContactsDeps) {
  const now = deps.now ?? (() => new Date());

  /** Service names for stored codes; a code the catalogue no longer knows is shown as it is. */
  async function serviceNames(councilId: string, codes: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(codes)];
    const found = unique.length > 0 && deps.findServices ? await deps.findServices(councilId, unique) : null;
    return new Map(unique.map((code) => [code, found?.get(code)?.name ?? code]));
  }

  /** Contacts with their linked requests' references and their services' names: one look-up each. */
  async function describe(councilId: string, contacts: repo.ContactRecord[]): Promise<ContactRecord[]> {
    const ids = [...new Set(contacts.flatMap((c) => c.caseIds))];
    const found = ids.length > 0 && deps.findRequests ? await deps.findRequests(councilId, ids) : [];
    const references = new Map(found.map((r) => [r.id, r.reference]));
    const names = await serviceNames(
      councilId,
      contacts.flatMap((c) => c.serviceCodes),
    );
    return contacts.map((c) => ({
      ...c,
      // A request that cannot be found (another council's, or since removed) keeps its id.
      requests: c.caseIds.map((id) => ({ id, reference: references.get(id) ?? id })),
      services: c.serviceCodes.map((code) => ({ code, name: names.get(code) ?? code })),
    }));
  }

  /** The services an agent named (by name or code), each bad one an error naming its place. */
  async function discussedServices(
    councilId: string,
    values: readonly string[] | undefined,
    errors: FieldError[],
  ): Promise<DiscussedService[]> {
    // Agents choose a service by name (the form suggests names) or type its code; codes are stored.
    const services: DiscussedService[] = [];
    const givenServices = (values ?? []).map((c) => c.trim());
    if (givenServices.some(Boolean)) {
      const found = deps.findServices
        ? await deps.findServices(councilId, givenServices.filter(Boolean))
        : null;
      givenServices.forEach((value, i) => {
        if (!value) return;
        const service = found ? found.get(value) : { code: value, name: value };
        if (!service) {
          errors.push({
            field: `serviceCodes[${i}]`,
            message: `There is no service called ${value}: choose a service from the list, or enter its code`,
          });
        } else if (!services.some((s) => s.code === service.code)) services.push(service);
      });
    }
    return services;
  }

  async function validate(
    principal: Principal,
    input: ContactInput,
  ): Promise<{ contact: repo.NewContact; requests: LinkedRequest[]; services: DiscussedService[] }> {
    const errors: FieldError[] = [];
    const councilId = principal.councilId;
    const at = now();

    let partyId: string | null = null;
    if (input.partyId) {
      if (!isUuid(input.partyId)) {
        errors.push({ field: 'partyId', message: 'partyId must be the id of a person or organisation' });
      } else {
        try {
          const party = await deps.parties.getParty(councilId, input.partyId);
          if (party.status !== 'active') {
            errors.push({
              field: 'partyId',
              message: 'This record has been merged into another one; record the contact against that one',
            });
          } else partyId = party.id;
        } catch (error) {
          if (!(error instanceof NotFound)) throw error;
          errors.push({ field: 'partyId', message: 'There is no person or organisation with this id' });
        }
      }
    }

    const channel = input.channel ?? '';
    if (!(CONTACT_CHANNELS as readonly string[]).includes(channel)) {
      errors.push({
        field: 'channel',
        message: channel
          ? `channel must be one of ${CONTACT_CHANNELS.join(', ')}`
          : 'Select how the customer made contact',
      });
    }
    const direction = input.direction || 'inbound';
    if (!(DIRECTIONS as readonly string[]).includes(direction)) {
      errors.push({ field: 'direction', message: 'direction must be inbound or outbound' });
    }
    const outcome = input.outcome ?? '';
    if (!(OUTCOMES as readonly string[]).includes(outcome)) {
      errors.push({
        field: 'outcome',
        message: outcome
          ? `outcome must be one of ${OUTCOMES.join(', ')}`
          : 'Select the outcome of the contact',
      });
    }

    const startedAt = parseInstant(input.startedAt, 'startedAt', errors) ?? at;
    const endedAt = parseInstant(input.endedAt, 'endedAt', errors) ?? at;
    const tolerance = 5 * 60_000;
    if (startedAt.getTime() > at.getTime() + tolerance) {
      errors.push({ field: 'startedAt', message: 'The start of the contact cannot be in the future' });
    }
    if (endedAt.getTime() > at.getTime() + tolerance) {
      errors.push({ field: 'endedAt', message: 'The end of the contact cannot be in the future' });
    }
    if (endedAt.getTime() < startedAt.getTime()) {
      errors.push({ field: 'endedAt', message: 'The end of the contact must be after its start' });
    }

    let siteId: string | null = null;
    if (input.siteId) {
      const sites = await deps.sites.listSites(councilId);
      if (!isUuid(input.siteId) || !sites.some((s) => s.id === input.siteId)) {
        errors.push({ field: 'siteId', message: 'siteId must be one of the council’s sites' });
      } else siteId = input.siteId;
    }

    let interactionType: string | null = null;
    if (input.interactionType) {
      if (!(INTERACTION_TYPES as readonly string[]).includes(input.interactionType)) {
        errors.push({
          field: 'interactionType',
          message: `interactionType must be one of ${INTERACTION_TYPES.join(', ')}`,
        });
      } else interactionType = input.interactionType;
    }

    const services = await discussedServices(councilId, input.serviceCodes, errors);
    const serviceCodes = services.map((s) => s.code);

    const avoidable = input.avoidable ?? false;
    let avoidableReason: string | null = null;
    if (avoidable) {
      if (!input.avoidableReason) {
        errors.push({ field: 'avoidableReason', message: 'Select why the contact was avoidable' });
      } else if (!(AVOIDABLE_REASONS as readonly string[]).includes(input.avoidableReason)) {
        errors.push({
          field: 'avoidableReason',
          message: `avoidableReason must be one of ${AVOIDABLE_REASONS.join(', ')}`,
        });
      } else avoidableReason = input.avoidableReason;
    } else if (input.avoidableReason) {
      errors.push({
        field: 'avoidableReason',
        message: 'Give a reason only when the contact was avoidable (set avoidable to true)',
      });
    }

    // Linked requests by id or by reference, typed as the caller reads it out (any case, dashes optional).
    const requests: LinkedRequest[] = [];
    const wanted: { raw: string; key: string; index: number }[] = [];
    (input.caseIds ?? []).forEach((raw, index) => {
      const value = raw.trim();
      const key = isUuid(value) ? value.toLowerCase() : normaliseReference(value);
      if (!key) {
        errors.push({
          field: `caseIds[${index}]`,
          message: value
            ? `${value} is not a request reference: enter one like GH-7KQ2-M4XD`
            : 'An empty value is not a request reference',
        });
      } else wanted.push({ raw: value, key, index });
    });
    if (wanted.length > 0) {
      const keys = [...new Set(wanted.map((w) => w.key))];
      const found = deps.findRequests
        ? await deps.findRequests(councilId, keys)
        : keys.filter(isUuid).map((id) => ({ id, reference: id }));
      const byKey = new Map<string, LinkedRequest>();
      for (const r of found) {
        byKey.set(r.id.toLowerCase(), r);
        byKey.set(r.reference, r);
      }
      for (const w of wanted) {
        const request = byKey.get(w.key);
        if (!request) errors.push({ field: `caseIds[${w.index}]`, message: `There is no request ${w.raw}` });
        else if (!requests.some((r) => r.id === request.id)) requests.push(request);
      }
    }
    requests.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const notes = (input.notes ?? '').trim();
    if (notes.length > 5000)
      errors.push({ field: 'notes', message: 'Notes must be 5,000 characters or fewer' });

    if (errors.length > 0) throw new ValidationFailed(errors);
    const contact: repo.NewContact = {
      councilId,
      partyId,
      channel,
      direction,
      startedAt,
      endedAt,
      siteId,
      agentId: principal.kind === 'staff' ? principal.id : null,
      recordedBy: principal.label,
      interactionType,
      serviceCodes,
      outcome,
      avoidable,
      avoidableReason,
      notes,
    };
    return { contact, requests, services };
  }

  /** The signed-in agent's contacts today (local time), with totals by outcome and channel. */
  async function today(principal: Principal): Promise<TodaySummary> {
    const from = startOfLocalDay(now());
    const contacts = await describe(
      principal.councilId,
      await repo.listContacts(db, principal.councilId, { agentId: principal.id, from, limit: 1000 }),
    );
    const count = <K extends string>(keys: readonly K[], of: (c: repo.ContactRecord) => string) =>
      keys.map((k) => ({ key: k, count: contacts.filter((c) => of(c) === k).length }));
    return {
      contacts,
      byOutcome: count(OUTCOMES, (c) => c.outcome).map(({ key, count }) => ({
        outcome: key,
        label: OUTCOME_LABELS[key],
        count,
      })),
      byChannel: count(CONTACT_CHANNELS, (c) => c.channel)
        .filter((c) => c.count > 0)
        .map(({ key, count }) => ({ channel: key, label: CHANNEL_LABELS[key], count })),
      total: contacts.length,
      avoidable: contacts.filter((c) => c.avoidable).length,
      durationSeconds: contacts.reduce((sum, c) => sum + durationSeconds(c), 0),
    };
  }

  return {
    /**
     * Checks the first screen (channel, direction, interaction type, services) before the wrap-up;
     * returns the services discussed, with their names.
     */
    async checkStart(
      principal: Principal,
      input: Pick<ContactInput, 'channel' | 'direction' | 'interactionType' | 'serviceCodes'>,
    ): Promise<DiscussedService[]> {
      try {
        const { channel, direction, interactionType, serviceCodes } = input;
        return (
          await validate(principal, {
            channel,
            direction,
            interactionType,
            serviceCodes,
            outcome: 'resolved',
          })
        ).services;
      } catch (error) {
        if (!(error instanceof ValidationFailed)) throw error;
        const first = error.fieldErrors.filter(
          (e) =>
            ['channel', 'direction', 'interactionType'].includes(e.field) ||
            e.field.startsWith('serviceCodes'),
        );
        if (first.length > 0) throw new ValidationFailed(first);
        return discussedServices(principal.councilId, input.serviceCodes, []);
      }
    },

    /**
     * Records a contact, its linked requests, its domain event and audit entry in one transaction;
     * with an idempotency key, a retry returns the first response.
     */
    async record(
      principal: Principal,
      input: ContactInput,
      context: AuditContext,
      request: RecordRequest = {},
    ): Promise<IdempotentResult<ContactRecord>> {
      const { contact, requests, services } = await validate(principal, input);
      const caseIds = requests.map((r) => r.id);
      const idempotency = request.idempotencyKey
        ? {
            councilId: principal.councilId,
            caller: idempotencyCaller(principal),
            key: request.idempotencyKey,
            operation: 'contacts.record',
            body: request.fingerprint ?? input,
          }
        : null;
      const result = await idempotentTransaction(db, idempotency, async (tx) => {
        const row = await repo.insertContact(tx, contact);
        await repo.insertContactCases(tx, principal.councilId, row.id, caseIds);
        await recordDomainEvent(tx, context, {
          aggregateType: 'contact',
          aggregateId: row.id,
          eventType: 'contact.recorded',
          payload: {
            contactId: row.id,
            partyId: row.partyId,
            channel: row.channel,
            direction: row.direction,
            outcome: row.outcome,
            avoidable: row.avoidable,
            serviceCodes: row.serviceCodes,
            caseIds,
          },
        });
        await recordAudit(tx, context, {
          action: 'contact.recorded',
          subjectType: 'contact',
          subjectId: row.id,
          details: { partyId: row.partyId, outcome: row.outcome, caseIds },
        });
        return { statusCode: 201, body: { ...row, caseIds, requests, services } };
      });
      // A replayed body has come back through JSON: restore its dates.
      const body = result.body;
      return result.replayed
        ? {
            ...result,
            body: {
              ...body,
              startedAt: new Date(body.startedAt),
              endedAt: new Date(body.endedAt),
              createdAt: new Date(body.createdAt),
            },
          }
        : result;
    },

    async get(principal: Principal, id: string): Promise<ContactRecord> {
      if (!isUuid(id)) throw new ContactNotFound();
      const contact = await repo.findContact(db, principal.councilId, id);
      if (!contact) throw new ContactNotFound();
      const [described] = await describe(principal.councilId, [contact]);
      if (!described) throw new ContactNotFound();
      return described;
    },

    async list(principal: Principal, filter: Omit<repo.ContactFilter, 'limit'> & { limit?: number }) {
      for (const [field, value] of [
        ['partyId', filter.partyId],
        ['agent', filter.agentId],
      ] as const) {
        if (value && !isUuid(value)) {
          throw new ValidationFailed([{ field, message: `${field} must be an id (a UUID)` }]);
        }
      }
      return describe(
        principal.councilId,
        await repo.listContacts(db, principal.councilId, { ...filter, limit: filter.limit ?? 50 }),
      );
    },

    today,

    /**
     * "My contacts today" as a download: the same contacts, with names and call notes, leave the
     * system as a file, so the export is audited with the day (UK time) and the number of rows.
     */
    async exportToday(principal: Principal, context: AuditContext): Promise<TodaySummary & { date: string }> {
      const summary = await today(principal);
      const date = londonDate(now());
      await recordAudit(db, context, {
        action: 'contact.exported',
        details: { date, count: summary.contacts.length },
      });
      return { ...summary, date };
    },

    /** Stored service codes with their names, for showing them again (a code no longer known as is). */
    async servicesNamed(principal: Principal, codes: readonly string[]): Promise<DiscussedService[]> {
      const names = await serviceNames(principal.councilId, codes);
      return codes.map((code) => ({ code, name: names.get(code) ?? code }));
    },

    /** The references of the requests with these ids or references; what matches no request is dropped. */
    async requestReferences(principal: Principal, idsOrReferences: readonly string[]): Promise<string[]> {
      const keys = idsOrReferences
        .map((v) => (isUuid(v.trim()) ? v.trim().toLowerCase() : normaliseReference(v.trim())))
        .filter((k): k is string => Boolean(k));
      if (keys.length === 0 || !deps.findRequests) return [];
      return (await deps.findRequests(principal.councilId, keys)).map((r) => r.reference);
    },

    sites: (councilId: string) => deps.sites.listSites(councilId),

    /** Contacts on a party's timeline. */
    timelineSource(): TimelineSource {
      return {
        id: 'contacts',
        permission: 'contacts.read',
        async itemsForParty(councilId, partyId, query) {
          if (!isUuid(partyId)) return [];
          const rows = await repo.partyContacts(db, councilId, partyId, query.before, query.limit);
          const names = await serviceNames(
            councilId,
            rows.flatMap((r) => r.serviceCodes),
          );
          return rows.map((r) => timelineItem(r, names));
        },
      };
    },

    /** Creates this month's and the next `monthsAhead` months' partitions (a scheduled job). */
    async ensurePartitions(monthsAhead = 3): Promise<string[]> {
      const at = now();
      const names: string[] = [];
      for (let i = 0; i <= monthsAhead; i++) {
        const month = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + i, 1));
        names.push(await repo.ensureMonthPartition(db, month));
      }
      return names;
    },

    /** Demo data: a few thousand contacts over the last `days` days across the council's parties. */
    async seedDemo(plan: Omit<repo.DemoContactPlan, 'interactionTypes'>): Promise<number> {
      const at = now();
      for (let i = 0; i <= Math.ceil(plan.days / 28) + 1; i++) {
        await repo.ensureMonthPartition(db, new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - i, 1)));
      }
      return repo.insertDemoContacts(db, { ...plan, interactionTypes: [...INTERACTION_TYPES] });
    },
  };
}

export type ContactsService = ReturnType<typeof createContactsService>;
