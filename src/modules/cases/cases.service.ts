import { createHash } from 'node:crypto';
import type { AuditContext } from '../../platform/audit/audit.ts';
import { auditWrite, recordAudit, systemAuditContext } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { ttlCache } from '../../platform/cache/ttl-cache.ts';
import type { Executor, Tx } from '../../platform/db/database.ts';
import { isUniqueViolation, uuidV7 } from '../../platform/db/together.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { domainEventWrite, recordDomainEvent } from '../../platform/events/outbox.ts';
import { DomainError, type FieldError, ValidationFailed } from '../../platform/http/errors.ts';
import { type IdempotentResult, idempotentWrite } from '../../platform/idempotency/idempotency.ts';
import type { CatalogueService, ServiceView } from '../catalogue/index.ts';
import { checkAnswersRows, checkEligibility, ServiceNotFound, validateAnswers } from '../catalogue/index.ts';
import type { GazetteerService } from '../gazetteer/index.ts';
import { bngToWgs84, wgs84ToBng } from '../gazetteer/index.ts';
import type { CaseNotificationLookup } from '../notifications/index.ts';
import type { PartiesService } from '../parties/index.ts';
import { AttachmentNotFound, CaseClosed, CaseNotFound, ImpossibleTransition } from './cases.errors.ts';
import * as repo from './cases.repository.ts';
import bankHolidays from './data/bank-holidays.json' with { type: 'json' };
import {
  CASE_STATUSES,
  type CaseStatus,
  canMove,
  isOpen,
  needsOutcome,
  nextStatuses,
  OUTCOMES,
  type Outcome,
  toOpen311,
} from './lifecycle.ts';
import { generateReference, normaliseReference } from './reference.ts';
import { AT_RISK_SHARE, type SlaPosition, type SlaTarget, slaPosition } from './sla-clock.ts';
import {
  addWorkingDays,
  addWorkingMinutes,
  standardCalendar,
  type WorkingCalendar,
  workingMinutesBetween,
} from './working-calendar.ts';

export type { CaseListRow, CaseRecord, UpdateRecord } from './cases.repository.ts';

export const STATUS_LABELS: Record<CaseStatus, string> = {
  submitted: 'Submitted',
  acknowledged: 'Acknowledged',
  in_progress: 'In progress',
  on_hold: 'On hold',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export const OUTCOME_LABELS: Record<Outcome, string> = {
  fixed: 'Fixed',
  action_scheduled: 'Action scheduled',
  duplicate: 'Duplicate',
  not_councils_responsibility: 'Not the council’s responsibility',
  no_further_action: 'No further action',
  unable_to_fix: 'Unable to fix',
  referred_to_partner: 'Referred to a partner',
  withdrawn: 'Withdrawn by the requester',
};

export const CASE_CHANNELS = ['web', 'phone', 'face_to_face', 'email', 'sms', 'post', 'open311'] as const;
export type CaseChannel = (typeof CASE_CHANNELS)[number];

/** Complaint stages and their response times, in working days. */
export const COMPLAINT_STAGE_DAYS: Record<1 | 2, number> = { 1: 10, 2: 20 };

/** Open requests for the same service within this many metres are offered as duplicates. */
export const DEFAULT_DUPLICATE_RADIUS_M = 50;

export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
export const ATTACHMENT_TYPES: Record<string, string> = {
  'image/jpeg': 'JPEG image',
  'image/png': 'PNG image',
  'image/gif': 'GIF image',
  'image/webp': 'WebP image',
  'image/heic': 'HEIC image',
  'application/pdf': 'PDF',
  'application/msword': 'Word document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
  'application/vnd.ms-excel': 'Excel spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel spreadsheet',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument spreadsheet',
  'text/plain': 'Text file',
};

/** Where a request is: a property, a street, an asset, a point, or words (Open311's address_string). */
export type CaseLocationInput =
  | { uprn: number | string }
  | { usrn: number | string }
  | { assetRef: string }
  | { easting: number; northing: number }
  | { lat: number; long: number }
  | { address: string };

/** The requester as an outside system gives them: matched to a known party, or a new one created. */
export interface RequesterDetails {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
}

export interface CreateCaseInput {
  serviceCode: string;
  partyId?: string;
  onBehalfOfPartyId?: string;
  /** Matched to a party by email or phone, or created, unless `anonymous` is set. */
  requester?: RequesterDetails;
  /** Keep the requester anonymous: contact details are held on the request only. */
  anonymous?: boolean;
  location?: CaseLocationInput;
  /** Words for the place, e.g. Open311's address_string, kept with any other location. */
  locationText?: string;
  answers?: Record<string, unknown>;
  channel: CaseChannel;
  description?: string;
  priority?: 'urgent' | 'high' | 'normal' | 'low';
  /** When the request was made, if earlier than now (an outside system's own time). */
  submittedAt?: Date;
  externalId?: string;
  parentId?: string;
}

/** The JSON a created request answers with (also what an idempotent retry gets back). */
export interface CreatedCase {
  id: string;
  reference: string;
  status: CaseStatus;
  serviceCode: string;
  serviceVersion: number;
  priority: string;
  teamId: string | null;
  dueAt: string | null;
  submittedAt: string;
  requesterPartyId: string | null;
  possibleDuplicates: { id: string; reference: string; distanceMetres: number }[];
}

/** A request made elsewhere, loaded with its history (see importRequests). */
export interface ImportedRequest {
  serviceCode: string;
  status: CaseStatus;
  outcome?: Outcome;
  priority?: 'urgent' | 'high' | 'normal' | 'low';
  channel: CaseChannel;
  description?: string;
  answers: Record<string, unknown>;
  partyId?: string | null;
  place?: {
    uprn: number | null;
    usrn: number | null;
    easting: number;
    northing: number;
    lat: number;
    long: number;
    text: string | null;
    wardCode: string | null;
    wardName: string | null;
  };
  assignee?: { id: string; name: string; teamId: string | null } | null;
  ownerLabel?: string;
  submittedAt: Date;
  resolvedAt?: Date;
  externalId?: string;
  updates?: { body: string; public: boolean }[];
}

export interface StaffDirectory {
  listTeams(councilId: string): Promise<readonly { id: string; name: string; kind: string }[]>;
  listUsers(
    councilId: string,
  ): Promise<
    readonly { id: string; displayName: string; role: string; teamId: string | null; disabled: boolean }[]
  >;
}

export interface CasesDeps {
  catalogue: CatalogueService;
  parties: PartiesService;
  gazetteer: GazetteerService;
  staff: StaffDirectory;
  calendar?: WorkingCalendar;
  now?: () => Date;
}

// The notifications module defines what it needs to know about a request; this module provides it.
export type { CaseNotificationDetails, CaseNotificationLookup } from '../notifications/index.ts';

export interface CaseView {
  record: repo.CaseRecord;
  sla: SlaPosition;
  open311: { status: 'open' | 'closed'; extended: string };
  teamName: string | null;
  assigneeName: string | null;
  nextStatuses: readonly CaseStatus[];
}

export interface CaseDetail extends CaseView {
  updates: repo.UpdateRecord[];
  supporters: { partyId: string | null; fromRequestId: string | null; createdAt: Date }[];
  children: repo.CaseListRow[];
  duplicates: repo.CaseListRow[];
  parent: repo.CaseListRow | null;
  duplicateOf: repo.CaseListRow | null;
  attachments: repo.AttachmentRecord[];
}

export interface CaseListQueryInput {
  status?: readonly CaseStatus[];
  open?: boolean;
  serviceCodes?: readonly string[];
  ids?: readonly string[];
  teamId?: string;
  assigneeId?: string;
  unassigned?: boolean;
  partyId?: string;
  wardCode?: string;
  slaState?: repo.SlaFilter;
  updatedAfter?: Date;
  submittedFrom?: Date;
  submittedTo?: Date;
  sort?: repo.CaseListQuery['sort'];
  direction?: 'asc' | 'desc';
  page?: number;
  pageSize?: number;
  /** Stop counting at this many (queues); `total` is then at most countCap + 1. */
  countCap?: number;
  /** Words to find in the reference, service, place, ward or description (a queue's find box). */
  text?: string;
}

export interface CaseListItem extends repo.CaseListRow {
  slaState: repo.SlaFilter | 'none';
  teamName: string | null;
  assigneeName: string | null;
}

export interface CaseListPage {
  items: CaseListItem[];
  total: number;
  /** True when there are more than `total` (the count stopped at the cap). */
  totalCapped: boolean;
  page: number;
  pageSize: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

const CACHE_MS = 15_000;

export function defaultCalendar(): WorkingCalendar {
  return standardCalendar(bankHolidays['england-and-wales'].events.map((e) => e.date));
}

/** Catalogue SLA targets may be fractional days (half a day); the clock counts those in hours. */
export function slaTargetOf(unit: 'working_hours' | 'working_days', amount: number): SlaTarget {
  if (unit === 'working_days' && !Number.isInteger(amount))
    return { unit: 'working_hours', amount: amount * 8 };
  return { unit, amount };
}

/** When a request made at `start` is due, and when it reaches 80% of its target. */
export function clockMoments(
  calendar: WorkingCalendar,
  start: Date,
  target: SlaTarget,
  pausedMinutes = 0,
): { dueAt: Date; warnAt: Date } {
  const total =
    target.unit === 'working_hours'
      ? target.amount * 60
      : workingMinutesBetween(calendar, start, addWorkingDays(calendar, start, target.amount));
  return {
    dueAt: addWorkingMinutes(calendar, start, total + pausedMinutes),
    warnAt: addWorkingMinutes(calendar, start, total * AT_RISK_SHARE + pausedMinutes),
  };
}

function slaStateOf(
  row: { status: CaseStatus; dueAt: Date | null; warnAt: Date | null; resolvedAt: Date | null },
  now: Date,
): repo.SlaFilter | 'none' {
  if (!isOpen(row.status)) {
    if (!row.resolvedAt || !row.dueAt) return 'none';
    return row.resolvedAt <= row.dueAt ? 'met' : 'breached';
  }
  if (row.status === 'on_hold') return 'paused';
  if (!row.dueAt) return 'none';
  if (row.dueAt < now) return 'breached';
  if (row.warnAt && row.warnAt <= now) return 'at_risk';
  return 'on_track';
}

function distance(
  a: { easting: number; northing: number },
  b: { easting: number; northing: number },
): number {
  return Math.hypot(a.easting - b.easting, a.northing - b.northing);
}

export function createCasesService(db: Executor, deps: CasesDeps) {
  const calendar = deps.calendar ?? defaultCalendar();
  const now = deps.now ?? (() => new Date());

  // Service definitions, the staff directory, wards and duplicate radii change rarely; short caches
  // keep creation cheap.
  const services = ttlCache(CACHE_MS, (key: `${string}:${string}`) => {
    const [councilId = '', code = ''] = key.split(':');
    return deps.catalogue.get(councilId, code);
  });
  const serviceView = (councilId: string, code: string): Promise<ServiceView> =>
    services.get(`${councilId}:${code}`);
  const radii = ttlCache(CACHE_MS, async (key: `${string}:${string}`) => {
    const [councilId = '', serviceCode = ''] = key.split(':');
    return (await repo.duplicateRadius(db, councilId, serviceCode)) ?? DEFAULT_DUPLICATE_RADIUS_M;
  });
  const wardList = ttlCache(60_000, async (councilId: string) =>
    (await deps.gazetteer.listAreas(councilId))
      .filter((a) => a.kind === 'ward')
      .map((a) => ({ code: a.code, name: a.name ?? a.code })),
  );
  // The query scans open requests, so the queue filter's list of services is kept for a minute.
  const queueServiceList = ttlCache(60_000, (councilId: string) => repo.openServiceCodes(db, councilId));
  const directories = ttlCache(CACHE_MS, async (councilId: string) => {
    const [teams, users] = await Promise.all([
      deps.staff.listTeams(councilId),
      deps.staff.listUsers(councilId),
    ]);
    return {
      teams: new Map(teams.map((t) => [t.id, t.name])),
      users: new Map(
        users
          .filter((u) => !u.disabled)
          .map((u) => [u.id, { name: u.displayName, teamId: u.teamId, role: u.role }]),
      ),
    };
  });
  const directory = (councilId: string) => directories.get(councilId);

  function targetOf(record: repo.CaseRecord): SlaTarget {
    return slaTargetOf(record.slaUnit, record.slaAmount);
  }

  function positionOf(record: repo.CaseRecord, at = now()): SlaPosition {
    return slaPosition(
      calendar,
      record.submittedAt,
      targetOf(record),
      record.pauses.map((p) => ({ start: new Date(p.start), ...(p.end ? { end: new Date(p.end) } : {}) })),
      at,
      record.resolvedAt ?? undefined,
    );
  }

  async function toView(councilId: string, record: repo.CaseRecord): Promise<CaseView> {
    const dir = await directory(councilId);
    return {
      record,
      sla: positionOf(record),
      open311: toOpen311(record.status, record.outcome ?? undefined),
      teamName: record.teamId ? (dir.teams.get(record.teamId) ?? null) : null,
      assigneeName: record.assigneeId ? (dir.users.get(record.assigneeId)?.name ?? null) : null,
      nextStatuses: nextStatuses(record.status),
    };
  }

  /** Finds a request by id or by reference (as typed: any case, with or without dashes). */
  async function resolveId(executor: Executor, councilId: string, idOrReference: string): Promise<string> {
    if (isUuid(idOrReference)) return idOrReference;
    const reference = normaliseReference(idOrReference);
    if (!reference) throw new CaseNotFound();
    const id = await repo.findCaseIdByReference(executor, councilId, reference);
    if (!id) throw new CaseNotFound();
    return id;
  }

  async function requireCase(tx: Executor, councilId: string, idOrReference: string, forUpdate = false) {
    const id = await resolveId(tx, councilId, idOrReference);
    const record = await repo.findCase(tx, councilId, id, { forUpdate });
    if (!record) throw new CaseNotFound();
    return record;
  }

  // --- Creating a request --------------------------------------------------------------------

  interface PlacedLocation {
    uprn: number | null;
    usrn: number | null;
    assetRef: string | null;
    easting: number | null;
    northing: number | null;
    lat: number | null;
    long: number | null;
    text: string | null;
    wardCode: string | null;
    wardName: string | null;
    /** The ward is still to be looked up from the point (done alongside the duplicate search). */
    wardFromPoint?: boolean;
  }

  const EMPTY_LOCATION: PlacedLocation = {
    uprn: null,
    usrn: null,
    assetRef: null,
    easting: null,
    northing: null,
    lat: null,
    long: null,
    text: null,
    wardCode: null,
    wardName: null,
  };

  async function wardAt(councilId: string, easting: number, northing: number) {
    try {
      const placed = await deps.gazetteer.locate(councilId, { easting, northing });
      const ward = placed.areas.find((a) => a.kind === 'ward');
      return { wardCode: ward?.code ?? null, wardName: ward?.name ?? null };
    } catch {
      return { wardCode: null, wardName: null };
    }
  }

  async function placeLocation(
    councilId: string,
    location: CaseLocationInput | undefined,
    text: string | undefined,
    errors: FieldError[],
  ): Promise<PlacedLocation> {
    const words = text?.trim() ? text.trim().slice(0, 500) : null;
    if (!location) return { ...EMPTY_LOCATION, text: words };
    if ('uprn' in location) {
      const uprn = Number(location.uprn);
      if (!Number.isInteger(uprn) || uprn <= 0 || uprn > 999_999_999_999) {
        errors.push({ field: 'location.uprn', message: 'The UPRN must be a number of up to 12 digits' });
        return EMPTY_LOCATION;
      }
      const [property] = await deps.gazetteer.properties(councilId, [uprn]);
      if (!property) {
        errors.push({
          field: 'location.uprn',
          message: `There is no property with UPRN ${uprn} in the gazetteer`,
        });
        return EMPTY_LOCATION;
      }
      return {
        uprn,
        usrn: property.usrn,
        assetRef: null,
        easting: property.easting,
        northing: property.northing,
        lat: property.lat,
        long: property.long,
        text: property.address ?? words,
        wardCode: property.ward?.code ?? null,
        wardName: property.ward?.name ?? null,
      };
    }
    if ('usrn' in location) {
      const usrn = Number(location.usrn);
      if (!Number.isInteger(usrn) || usrn <= 0) {
        errors.push({ field: 'location.usrn', message: 'The USRN must be a whole number' });
        return EMPTY_LOCATION;
      }
      try {
        const street = await deps.gazetteer.getStreet(councilId, usrn, 1);
        const point = street.start ?? street.end;
        const ward = point
          ? await wardAt(councilId, point.easting, point.northing)
          : { wardCode: null, wardName: null };
        return {
          ...EMPTY_LOCATION,
          usrn,
          easting: point?.easting ?? null,
          northing: point?.northing ?? null,
          lat: point?.lat ?? null,
          long: point?.long ?? null,
          text: words ?? [street.name, street.town].filter(Boolean).join(', '),
          ...ward,
        };
      } catch (error) {
        if (error instanceof DomainError && error.status === 404) {
          errors.push({
            field: 'location.usrn',
            message: `There is no street with USRN ${usrn} in the gazetteer`,
          });
          return EMPTY_LOCATION;
        }
        throw error;
      }
    }
    if ('assetRef' in location) {
      try {
        const asset = await deps.gazetteer.getAsset(councilId, location.assetRef);
        const ward = await wardAt(councilId, asset.easting, asset.northing);
        return {
          ...EMPTY_LOCATION,
          usrn: asset.usrn,
          assetRef: asset.ref,
          easting: asset.easting,
          northing: asset.northing,
          lat: asset.lat,
          long: asset.long,
          text: words ?? [asset.typeName, asset.ref, asset.street].filter(Boolean).join(', '),
          ...ward,
        };
      } catch (error) {
        if (error instanceof DomainError && error.status === 404) {
          errors.push({ field: 'location.assetRef', message: `There is no asset “${location.assetRef}”` });
          return EMPTY_LOCATION;
        }
        throw error;
      }
    }
    if ('easting' in location) {
      const { easting, northing } = location;
      if (
        !Number.isFinite(easting) ||
        !Number.isFinite(northing) ||
        easting < 0 ||
        easting > 700_000 ||
        northing < 0 ||
        northing > 1_300_000
      ) {
        errors.push({
          field: 'location.easting',
          message: 'Give an easting and northing on the National Grid, in metres',
        });
        return EMPTY_LOCATION;
      }
      const ll = bngToWgs84(easting, northing);
      return {
        ...EMPTY_LOCATION,
        easting,
        northing,
        lat: ll.lat,
        long: ll.long,
        text: words,
        wardFromPoint: true,
      };
    }
    if ('lat' in location) {
      const { lat, long } = location;
      if (
        !Number.isFinite(lat) ||
        !Number.isFinite(long) ||
        lat < 49 ||
        lat > 61 ||
        long < -9 ||
        long > 2.5
      ) {
        errors.push({ field: 'location.lat', message: 'Give a latitude and longitude in Great Britain' });
        return EMPTY_LOCATION;
      }
      const grid = wgs84ToBng(lat, long);
      const easting = Math.round(grid.easting * 10) / 10;
      const northing = Math.round(grid.northing * 10) / 10;
      return {
        ...EMPTY_LOCATION,
        easting,
        northing,
        lat,
        long,
        text: words,
        wardFromPoint: true,
      };
    }
    if ('address' in location) {
      const address = location.address?.trim();
      if (!address) {
        errors.push({ field: 'location.address', message: 'Enter the address or describe the place' });
        return EMPTY_LOCATION;
      }
      return { ...EMPTY_LOCATION, text: address.slice(0, 500) };
    }
    errors.push({
      field: 'location',
      message: 'Give a UPRN, a USRN, an asset, an easting and northing, or a latitude and longitude',
    });
    return EMPTY_LOCATION;
  }

  /**
   * The place an address answer names, for a request made without a location: its UPRN placed by the
   * gazetteer (its point, street and ward), else its words. An agent who typed the caller's address
   * into the form, or an API client that sent it only as an answer, has said where the request is; so
   * the request can be found on a map, matched to duplicates, and tracked by its postcode. A UPRN the
   * gazetteer does not know leaves the words (the answer itself was valid).
   */
  async function placeFromAddressAnswer(
    councilId: string,
    view: ServiceView,
    answers: Record<string, unknown>,
    words: string | null,
  ): Promise<PlacedLocation | null> {
    for (const q of view.definition.questions) {
      if (q.type !== 'address') continue;
      const answer = answers[q.code];
      if (!answer || typeof answer !== 'object' || Array.isArray(answer)) continue;
      const { uprn, text } = answer as { uprn?: unknown; text?: unknown };
      const typed = typeof text === 'string' ? text.trim() : '';
      if (uprn !== undefined && uprn !== null && String(uprn).trim() !== '') {
        const unknown: FieldError[] = [];
        const placed = await placeLocation(councilId, { uprn: String(uprn) }, typed || undefined, unknown);
        if (unknown.length === 0) return placed;
      }
      if (!typed) continue;
      const together = !words || words === typed ? typed : `${typed} – ${words}`;
      return { ...EMPTY_LOCATION, text: together.slice(0, 500) };
    }
    return null;
  }

  /** Answers from a JSON body or a form, flattened to the form engine's inputs; the location fills location questions. */
  function rawAnswers(view: ServiceView, answers: Record<string, unknown>, place: PlacedLocation) {
    const raw: Record<string, unknown> = {};
    for (const [code, value] of Object.entries(answers)) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [part, v] of Object.entries(value as Record<string, unknown>)) {
          if (part === 'text' || part === 'description') raw[code] = v;
          raw[`${code}-${part}`] = v;
        }
      } else raw[code] = value;
    }
    for (const q of view.definition.questions) {
      const answered = Object.keys(raw).some((k) => k === q.code || k.startsWith(`${q.code}-`));
      if (answered) continue;
      if (q.type === 'location' && (place.lat !== null || place.text)) {
        if (place.lat !== null && place.long !== null) {
          raw[`${q.code}-lat`] = String(Math.round(place.lat * 1e6) / 1e6);
          raw[`${q.code}-long`] = String(Math.round(place.long * 1e6) / 1e6);
        }
        if (place.text) raw[`${q.code}-description`] = place.text;
      } else if (q.type === 'address' && (place.uprn !== null || place.text)) {
        raw[q.code] = place.text ?? '';
        if (place.uprn !== null) raw[`${q.code}-uprn`] = String(place.uprn);
      } else if (q.type === 'asset' && place.assetRef) raw[q.code] = place.assetRef;
    }
    return raw;
  }

  async function matchOrCreateRequester(
    councilId: string,
    details: RequesterDetails,
    context: AuditContext,
  ): Promise<string | null> {
    const email = details.email?.trim().toLowerCase();
    const phone = details.phone?.trim();
    const givenName = details.firstName?.trim();
    const familyName = details.lastName?.trim();
    const known = await deps.parties.personWithContact(councilId, { email, phone, familyName });
    if (known) return known;
    if (!familyName && !givenName) return null;
    const created = await deps.parties.createParty(
      councilId,
      {
        kind: 'person',
        ...(givenName ? { givenName } : {}),
        familyName: familyName || givenName || '',
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
      },
      context,
    );
    return created.id;
  }

  async function create(
    councilId: string,
    input: CreateCaseInput,
    context: AuditContext,
    options: { idempotencyKey?: string; caller?: string; owner?: { id: string; label: string } | null } = {},
  ): Promise<IdempotentResult<CreatedCase>> {
    const errors: FieldError[] = [];
    const code = typeof input.serviceCode === 'string' ? input.serviceCode.trim() : '';
    let view: ServiceView | null = null;
    if (!code)
      errors.push({ field: 'serviceCode', message: 'Give the code of the service the request is for' });
    else {
      try {
        view = await serviceView(councilId, code);
      } catch (error) {
        if (!(error instanceof ServiceNotFound)) throw error;
        errors.push({ field: 'serviceCode', message: `There is no service with the code “${code}”` });
      }
      if (view && (view.service.publishedVersion === null || view.service.status !== 'published'))
        errors.push({ field: 'serviceCode', message: `The service “${code}” is not open for requests` });
      else if (view?.definition.informationOnly)
        errors.push({
          field: 'serviceCode',
          message: `“${view.definition.name}” is information only; requests cannot be made for it`,
        });
    }
    if (!(CASE_CHANNELS as readonly string[]).includes(input.channel))
      errors.push({ field: 'channel', message: `Choose a channel: ${CASE_CHANNELS.join(', ')}` });
    const description = (input.description ?? '').trim();
    if (description.length > 5000)
      errors.push({ field: 'description', message: 'The description must be 5,000 characters or fewer' });

    for (const [field, id] of [
      ['partyId', input.partyId],
      ['onBehalfOfPartyId', input.onBehalfOfPartyId],
    ] as const) {
      if (!id) continue;
      try {
        const party = await deps.parties.getParty(councilId, id);
        if (party.status !== 'active')
          errors.push({ field, message: 'This person or organisation has been merged into another record' });
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 404) throw error;
        errors.push({ field, message: 'There is no person or organisation with this id' });
      }
    }
    let place = await placeLocation(councilId, input.location, input.locationText, errors);
    let answers: Record<string, unknown> = {};
    if (view) {
      const result = validateAnswers(
        view.definition.questions,
        rawAnswers(view, input.answers ?? {}, place),
        {
          today: now(),
        },
      );
      answers = result.answers;
      for (const e of result.errors)
        errors.push({ field: `answers.${e.field.replace(/-/g, '.')}`, message: e.message });
    }
    if (input.parentId && !isUuid(input.parentId))
      errors.push({ field: 'parentId', message: 'There is no request with this id' });
    if (errors.length > 0 || !view) throw new ValidationFailed(errors);
    if (!input.location)
      place = (await placeFromAddressAnswer(councilId, view, answers, place.text)) ?? place;

    let requesterPartyId = input.partyId ?? null;
    let contactDetails: repo.CaseRecord['contactDetails'] = null;
    if (!requesterPartyId && input.requester) {
      if (input.anonymous) {
        const name = [input.requester.firstName, input.requester.lastName].filter(Boolean).join(' ').trim();
        contactDetails = {
          ...(input.requester.email ? { email: input.requester.email.trim() } : {}),
          ...(input.requester.phone ? { phone: input.requester.phone.trim() } : {}),
          ...(name ? { name } : {}),
        };
      } else {
        try {
          requesterPartyId = await matchOrCreateRequester(councilId, input.requester, context);
        } catch (error) {
          if (error instanceof DomainError && error.fieldErrors.length > 0)
            throw new ValidationFailed(
              error.fieldErrors.map((e) => ({ field: `requester.${e.field}`, message: e.message })),
            );
          throw error;
        }
      }
    }

    const definition = view.definition;
    const routed = await deps.catalogue.route(councilId, definition, answers as never, {
      ...(place.uprn !== null ? { uprn: String(place.uprn) } : {}),
      ...(place.lat !== null && place.long !== null ? { point: { lat: place.lat, long: place.long } } : {}),
    });
    const priority = input.priority ?? routed.priority;
    const sla = deps.catalogue.slaTarget(definition, priority);
    const submittedAt = input.submittedAt && input.submittedAt < now() ? input.submittedAt : now();
    const moments = clockMoments(calendar, submittedAt, slaTargetOf(sla.unit, sla.amount));
    const complaint = definition.interaction === 'complaint';

    // The ward, and open requests for the same service close by (the person decides whether to
    // link a duplicate), looked up at the same time.
    const { easting, northing } = place;
    const [ward, possibleDuplicates] =
      easting !== null && northing !== null
        ? await Promise.all([
            place.wardFromPoint ? wardAt(councilId, easting, northing) : null,
            nearby(councilId, definition.code, easting, northing, null),
          ])
        : [null, []];
    if (ward) Object.assign(place, ward);

    const request =
      options.idempotencyKey && options.caller
        ? {
            councilId,
            caller: options.caller,
            key: options.idempotencyKey,
            operation: 'cases.create',
            body: { ...input, submittedAt: input.submittedAt?.toISOString() },
          }
        : null;
    const parent = input.parentId ? await repo.findCase(db, councilId, input.parentId) : null;
    if (input.parentId && !parent)
      throw new ValidationFailed([{ field: 'parentId', message: 'There is no request with this id' }]);

    // One statement writes the request, its events, its audit entry and the idempotency key's
    // response (see writeTogether): a quarter of the round trips of a transaction.
    for (let attempt = 1; ; attempt++) {
      const id = uuidV7();
      const reference = generateReference();
      const body: CreatedCase = {
        id,
        reference,
        status: 'submitted',
        serviceCode: definition.code,
        serviceVersion: view.version.version,
        priority,
        teamId: routed.teamId,
        dueAt: moments.dueAt.toISOString(),
        submittedAt: submittedAt.toISOString(),
        requesterPartyId,
        possibleDuplicates,
      };
      const writes = [
        repo.caseInsert(db, councilId, id, {
          reference,
          serviceId: view.service.id,
          serviceCode: definition.code,
          serviceName: definition.name,
          serviceVersion: view.version.version,
          status: 'submitted',
          priority,
          channel: input.channel,
          description,
          answers,
          requesterPartyId,
          onBehalfOfPartyId: input.onBehalfOfPartyId ?? null,
          contactDetails,
          uprn: place.uprn,
          usrn: place.usrn,
          assetRef: place.assetRef,
          easting: place.easting,
          northing: place.northing,
          lat: place.lat,
          long: place.long,
          locationText: place.text,
          wardCode: place.wardCode,
          wardName: place.wardName,
          ownerId: options.owner?.id ?? null,
          ownerLabel: options.owner?.label ?? null,
          teamId: routed.teamId,
          assigneeId: null,
          slaUnit: sla.unit,
          slaAmount: sla.amount,
          submittedAt,
          dueAt: moments.dueAt,
          warnAt: moments.warnAt,
          parentId: parent?.id ?? null,
          complaintStage: complaint ? 1 : null,
          complaintDueAt: complaint ? addWorkingDays(calendar, submittedAt, COMPLAINT_STAGE_DAYS[1]) : null,
          externalId: input.externalId ?? null,
        }),
        domainEventWrite(db, context, {
          aggregateType: 'case',
          aggregateId: id,
          eventType: 'case.created',
          payload: {
            reference,
            serviceCode: definition.code,
            serviceVersion: view.version.version,
            channel: input.channel,
            priority,
            teamId: routed.teamId,
            routedBy: routed.reason,
            partyId: requesterPartyId,
            parentId: parent?.id ?? null,
          },
        }),
        auditWrite(db, context, {
          action: 'case.created',
          subjectType: 'case',
          subjectId: id,
          details: { reference, serviceCode: definition.code, channel: input.channel },
        }),
      ];
      if (parent)
        writes.push(
          domainEventWrite(db, context, {
            aggregateType: 'case',
            aggregateId: parent.id,
            eventType: 'case.linked',
            payload: { kind: 'child', otherId: id },
          }),
        );
      try {
        return await idempotentWrite<CreatedCase>(db, request, { statusCode: 201, body }, writes);
      } catch (error) {
        // A reference drawn twice (one in a billion): draw again.
        if (attempt >= 5 || !isUniqueViolation(error, repo.CASE_REFERENCE_CONSTRAINT)) throw error;
      }
    }
  }

  async function nearby(
    councilId: string,
    serviceCode: string,
    easting: number,
    northing: number,
    excludeId: string | null,
  ): Promise<CreatedCase['possibleDuplicates']> {
    const radius = await radii.get(`${councilId}:${serviceCode}`);
    if (radius <= 0) return [];
    const rows = await repo.findNearbyOpen(db, councilId, serviceCode, easting, northing, radius, excludeId);
    return rows
      .map((r) => ({
        id: r.id,
        reference: r.reference,
        distanceMetres: Math.round(distance(r, { easting, northing })),
      }))
      .filter((r) => r.distanceMetres <= radius)
      .sort((a, b) => a.distanceMetres - b.distanceMetres)
      .slice(0, 10);
  }

  // --- Reading -------------------------------------------------------------------------------

  async function get(councilId: string, idOrReference: string): Promise<CaseView> {
    const record = await requireCase(db, councilId, idOrReference);
    return toView(councilId, record);
  }

  async function detail(
    councilId: string,
    idOrReference: string,
    context?: AuditContext,
  ): Promise<CaseDetail> {
    const record = await requireCase(db, councilId, idOrReference);
    const [view, updates, supporters, linked, attachments, parent, duplicateOf] = await Promise.all([
      toView(councilId, record),
      repo.listUpdates(db, councilId, record.id),
      repo.listSupporters(db, councilId, record.id),
      repo.listLinked(db, councilId, record.id),
      repo.listAttachments(db, councilId, record.id),
      record.parentId
        ? repo.listCases(db, councilId, { ids: [record.parentId], limit: 1, offset: 0 }, now())
        : [],
      record.duplicateOf
        ? repo.listCases(db, councilId, { ids: [record.duplicateOf], limit: 1, offset: 0 }, now())
        : [],
    ]);
    if (context && record.requesterPartyId)
      await recordAudit(db, context, {
        action: 'case.viewed',
        subjectType: 'case',
        subjectId: record.id,
        purpose: 'case work',
      });
    return {
      ...view,
      updates,
      supporters,
      children: linked.children,
      duplicates: linked.duplicates,
      parent: parent[0] ?? null,
      duplicateOf: duplicateOf[0] ?? null,
      attachments,
    };
  }

  /** The repository's query for a list's filters: `limit` rows from `offset`. */
  function listQuery(query: CaseListQueryInput, limit: number, offset: number): repo.CaseListQuery {
    const text = query.text?.trim().slice(0, 100);
    return {
      ...(query.status ? { status: query.status } : {}),
      ...(query.open !== undefined ? { open: query.open } : {}),
      ...(query.serviceCodes ? { serviceCodes: query.serviceCodes } : {}),
      ...(query.ids ? { ids: query.ids.filter(isUuid) } : {}),
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.assigneeId ? { assigneeId: query.assigneeId } : {}),
      ...(query.unassigned ? { unassigned: true } : {}),
      ...(query.partyId ? { partyId: query.partyId } : {}),
      ...(query.wardCode ? { wardCode: query.wardCode } : {}),
      ...(query.slaState ? { slaState: query.slaState } : {}),
      ...(query.updatedAfter ? { updatedAfter: query.updatedAfter } : {}),
      ...(query.submittedFrom ? { submittedFrom: query.submittedFrom } : {}),
      ...(query.submittedTo ? { submittedTo: query.submittedTo } : {}),
      ...(query.sort ? { sort: query.sort } : {}),
      ...(query.direction ? { direction: query.direction } : {}),
      ...(text ? { text } : {}),
      limit,
      offset,
    };
  }

  /** Rows of a list with their SLA state and their team's and assignee's names. */
  async function listItems(
    executor: Executor,
    councilId: string,
    q: repo.CaseListQuery,
    at: Date,
  ): Promise<CaseListItem[]> {
    const [rows, dir] = await Promise.all([repo.listCases(executor, councilId, q, at), directory(councilId)]);
    return rows.map((r) => ({
      ...r,
      slaState: slaStateOf(r, at),
      teamName: r.teamId ? (dir.teams.get(r.teamId) ?? null) : null,
      assigneeName: r.assigneeId ? (dir.users.get(r.assigneeId)?.name ?? null) : null,
    }));
  }

  async function list(councilId: string, query: CaseListQueryInput): Promise<CaseListPage> {
    const pageSize = Math.min(Math.max(query.pageSize ?? 25, 1), 500);
    const page = Math.max(query.page ?? 1, 1);
    const at = now();
    const q = listQuery(query, pageSize, (page - 1) * pageSize);
    if (query.ids && q.ids?.length === 0) return { items: [], total: 0, totalCapped: false, page, pageSize };
    const [items, total] = await Promise.all([
      listItems(db, councilId, q, at),
      repo.countCases(db, councilId, q, at, query.countCap),
    ]);
    const capped = query.countCap !== undefined && total > query.countCap;
    return {
      items,
      total: capped ? (query.countCap as number) : total,
      totalCapped: capped,
      page,
      pageSize,
    };
  }

  /**
   * Every request a list's filters find, up to `limit`, read a thousand at a time through `executor`
   * (a download reads in the transaction that audits it).
   */
  async function listAll(
    executor: Executor,
    councilId: string,
    query: CaseListQueryInput,
    limit: number,
  ): Promise<CaseListItem[]> {
    const at = now();
    const rows: CaseListItem[] = [];
    const batch = 1000;
    for (let offset = 0; offset < limit; offset += batch) {
      const q = listQuery(query, Math.min(batch, limit - offset), offset);
      if (query.ids && q.ids?.length === 0) break;
      const found = await listItems(executor, councilId, q, at);
      rows.push(...found);
      if (found.length < batch) break;
    }
    return rows;
  }

  // --- Changing a request ----------------------------------------------------------------------

  async function event(
    tx: Tx,
    context: AuditContext,
    caseId: string,
    eventType: string,
    payload: Record<string, unknown>,
  ) {
    await recordDomainEvent(tx, context, { aggregateType: 'case', aggregateId: caseId, eventType, payload });
  }

  async function addUpdateIn(
    tx: Tx,
    councilId: string,
    record: repo.CaseRecord,
    input: { body: string; public: boolean; externalRef?: string; withStatusChange?: boolean },
    context: AuditContext,
  ): Promise<string> {
    const updateId = await repo.insertUpdate(tx, councilId, {
      requestId: record.id,
      kind: input.public ? 'public' : 'internal',
      isPublic: input.public,
      body: input.body,
      authorId: context.actorId,
      authorLabel: context.actorLabel,
      externalRef: input.externalRef ?? null,
    });
    // A message that goes with a status change is told with it, in one notification (withStatus).
    await event(tx, context, record.id, 'case.update_added', {
      updateId,
      public: input.public,
      ...(input.withStatusChange ? { withStatus: true } : {}),
    });
    return updateId;
  }

  function checkNote(body: string | undefined, field: string, required: boolean): string {
    const text = (body ?? '').trim();
    if (required && text === '')
      throw new ValidationFailed([{ field, message: 'Enter the text of the update' }]);
    if (text.length > 5000)
      throw new ValidationFailed([{ field, message: 'The update must be 5,000 characters or fewer' }]);
    return text;
  }

  async function changeStatus(
    councilId: string,
    idOrReference: string,
    input: { status: string; outcome?: string; note?: string; notePublic?: boolean; externalRef?: string },
    context: AuditContext,
  ): Promise<CaseView> {
    const to = input.status as CaseStatus;
    if (!(CASE_STATUSES as readonly string[]).includes(to))
      throw new ValidationFailed([
        {
          field: 'status',
          message: to
            ? `Choose a status: ${CASE_STATUSES.join(', ')}`
            : 'Choose the status to move the request to',
        },
      ]);
    if (
      input.outcome !== undefined &&
      input.outcome !== '' &&
      !(OUTCOMES as readonly string[]).includes(input.outcome)
    )
      throw new ValidationFailed([
        { field: 'outcome', message: `Choose an outcome: ${OUTCOMES.join(', ')}` },
      ]);
    const outcome = input.outcome ? (input.outcome as Outcome) : undefined;
    if (needsOutcome(to) && !outcome)
      throw new ValidationFailed([
        {
          field: 'outcome',
          message: `Choose the outcome: a request that is ${STATUS_LABELS[to].toLowerCase()} needs one`,
        },
      ]);
    const note = checkNote(input.note, 'note', false);
    const record = await inTransaction(db, async (tx) => {
      const current = await requireCase(tx, councilId, idOrReference, true);
      const from = current.status;
      if (!canMove(from, to)) throw new ImpossibleTransition(from, to, nextStatuses(from));
      const at = now();
      const change: repo.CaseChange = { status: to };
      const pauses = [...current.pauses];
      if (to === 'on_hold') pauses.push({ start: at.toISOString() });
      if (from === 'on_hold') {
        const open = pauses.at(-1);
        if (open && !open.end) open.end = at.toISOString();
      }
      if (to === 'on_hold' || from === 'on_hold') {
        change.pauses = pauses;
        if (from === 'on_hold') {
          // The clock moves on by the working time spent on hold.
          const pausedMinutes = pauses.reduce(
            (sum, p) =>
              sum +
              workingMinutesBetween(
                calendar,
                new Date(p.start) < current.submittedAt ? current.submittedAt : new Date(p.start),
                new Date(p.end ?? at.toISOString()),
              ),
            0,
          );
          const moments = clockMoments(calendar, current.submittedAt, targetOf(current), pausedMinutes);
          change.dueAt = moments.dueAt;
          change.warnAt = moments.warnAt;
          if (moments.warnAt > at) change.slaWarnedAt = null;
          if (moments.dueAt > at) change.slaBreachedAt = null;
        }
      }
      if (to === 'resolved' || to === 'cancelled') {
        change.resolvedAt = at;
        change.outcome = outcome ?? null;
      }
      if (to === 'closed') change.closedAt = at;
      const reopening = !isOpen(from) && isOpen(to);
      if (reopening) {
        change.resolvedAt = null;
        change.closedAt = null;
        change.outcome = null;
      }
      if (to === 'in_progress' && outcome === 'action_scheduled') change.outcome = outcome;
      await repo.updateCase(tx, councilId, current.id, change);
      await repo.insertUpdate(tx, councilId, {
        requestId: current.id,
        kind: 'status',
        isPublic: true,
        body: [
          reopening ? `Reopened: ${STATUS_LABELS[to]}` : STATUS_LABELS[to],
          outcome ? OUTCOME_LABELS[outcome] : null,
        ]
          .filter(Boolean)
          .join(' – '),
        statusFrom: from,
        statusTo: to,
        authorId: context.actorId,
        authorLabel: context.actorLabel,
        externalRef: input.externalRef ?? null,
      });
      // A public message given with the change goes out with it, as one notification.
      const noteId = note
        ? await addUpdateIn(
            tx,
            councilId,
            current,
            {
              body: note,
              public: input.notePublic ?? true,
              withStatusChange: true,
              ...(input.externalRef ? { externalRef: input.externalRef } : {}),
            },
            context,
          )
        : null;
      await event(tx, context, current.id, 'case.status_changed', {
        from,
        to,
        outcome: outcome ?? null,
        ...(noteId && (input.notePublic ?? true) ? { updateId: noteId } : {}),
      });
      if (reopening) await event(tx, context, current.id, 'case.reopened', { from, to });
      await recordAudit(tx, context, {
        action: 'case.status_changed',
        subjectType: 'case',
        subjectId: current.id,
        details: { from, to, outcome: outcome ?? null },
      });
      const updated = await repo.findCase(tx, councilId, current.id);
      if (!updated) throw new CaseNotFound();
      return updated;
    });
    return toView(councilId, record);
  }

  async function addUpdate(
    councilId: string,
    idOrReference: string,
    input: { body?: string; public?: boolean; externalRef?: string },
    context: AuditContext,
  ): Promise<{ updateId: string; caseId: string }> {
    const body = checkNote(input.body, 'body', true);
    if (typeof input.public !== 'boolean')
      throw new ValidationFailed([
        {
          field: 'public',
          message: 'Say whether the requester sees this update (public) or it is an internal note',
        },
      ]);
    return inTransaction(db, async (tx) => {
      const record = await requireCase(tx, councilId, idOrReference, true);
      const updateId = await addUpdateIn(
        tx,
        councilId,
        record,
        {
          body,
          public: input.public as boolean,
          ...(input.externalRef ? { externalRef: input.externalRef } : {}),
        },
        context,
      );
      await repo.updateCase(tx, councilId, record.id, {});
      await recordAudit(tx, context, {
        action: input.public ? 'case.update_added' : 'case.note_added',
        subjectType: 'case',
        subjectId: record.id,
        details: { updateId },
      });
      return { updateId, caseId: record.id };
    });
  }

  async function checkAssignment(
    councilId: string,
    input: { teamId?: string | null; assigneeId?: string | null },
  ) {
    const dir = await directory(councilId);
    const errors: FieldError[] = [];
    if (input.teamId && !dir.teams.has(input.teamId))
      errors.push({ field: 'teamId', message: 'There is no such team' });
    if (input.assigneeId && !dir.users.has(input.assigneeId))
      errors.push({
        field: 'assigneeId',
        message: 'There is no such member of staff, or their account is disabled',
      });
    if (input.teamId === undefined && input.assigneeId === undefined)
      errors.push({ field: 'teamId', message: 'Choose a team or an officer to assign the request to' });
    if (errors.length) throw new ValidationFailed(errors);
    return dir;
  }

  async function assignIn(
    tx: Tx,
    councilId: string,
    record: repo.CaseRecord,
    input: { teamId?: string | null; assigneeId?: string | null },
    dir: Awaited<ReturnType<typeof directory>>,
    context: AuditContext,
  ): Promise<void> {
    if (!isOpen(record.status)) throw new CaseClosed('This request is closed; reopen it before assigning it');
    // Assigning an officer keeps the request in its team (it shows in the officer's My work); moving
    // it to another team is a choice made on its own, and leaves it with nobody in the new team.
    const teamId = input.teamId !== undefined ? input.teamId : record.teamId;
    const assigneeId =
      input.assigneeId !== undefined ? input.assigneeId : teamId !== record.teamId ? null : record.assigneeId;
    if (teamId === record.teamId && assigneeId === record.assigneeId) return;
    await repo.updateCase(tx, councilId, record.id, { teamId, assigneeId });
    const teamName = teamId ? dir.teams.get(teamId) : null;
    const officerName = assigneeId ? dir.users.get(assigneeId)?.name : null;
    await repo.insertUpdate(tx, councilId, {
      requestId: record.id,
      kind: 'assignment',
      isPublic: false,
      body: `Assigned to ${[officerName, teamName].filter(Boolean).join(', ') || 'nobody'}`,
      authorId: context.actorId,
      authorLabel: context.actorLabel,
    });
    await event(tx, context, record.id, 'case.assigned', {
      fromTeamId: record.teamId,
      fromAssigneeId: record.assigneeId,
      teamId,
      assigneeId,
    });
    await recordAudit(tx, context, {
      action: 'case.assigned',
      subjectType: 'case',
      subjectId: record.id,
      details: { teamId, assigneeId },
    });
  }

  async function assign(
    councilId: string,
    idOrReference: string,
    input: { teamId?: string | null; assigneeId?: string | null },
    context: AuditContext,
  ): Promise<CaseView> {
    const dir = await checkAssignment(councilId, input);
    const record = await inTransaction(db, async (tx) => {
      const current = await requireCase(tx, councilId, idOrReference, true);
      await assignIn(tx, councilId, current, input, dir, context);
      return (await repo.findCase(tx, councilId, current.id)) ?? current;
    });
    return toView(councilId, record);
  }

  /** Assigns many requests at once (bulk assign from a queue); closed ones are skipped and counted. */
  async function assignMany(
    councilId: string,
    ids: readonly string[],
    input: { teamId?: string | null; assigneeId?: string | null },
    context: AuditContext,
  ): Promise<{ assigned: number; skipped: number }> {
    const wanted = [...new Set(ids.filter(isUuid))].slice(0, 500);
    if (wanted.length === 0)
      throw new ValidationFailed([{ field: 'ids', message: 'Select at least one request' }]);
    const dir = await checkAssignment(councilId, input);
    return inTransaction(db, async (tx) => {
      let assigned = 0;
      let skipped = 0;
      for (const id of [...wanted].sort()) {
        const record = await repo.findCase(tx, councilId, id, { forUpdate: true });
        if (!record || !isOpen(record.status)) {
          skipped++;
          continue;
        }
        await assignIn(tx, councilId, record, input, dir, context);
        assigned++;
      }
      return { assigned, skipped };
    });
  }

  /** Links two requests: `duplicate_of` (this one is a duplicate; its requester becomes a "me too"), or `parent`. */
  async function link(
    councilId: string,
    idOrReference: string,
    input: { kind?: string; otherId?: string },
    context: AuditContext,
  ): Promise<CaseView> {
    if (input.kind !== 'duplicate_of' && input.kind !== 'parent')
      throw new ValidationFailed([
        { field: 'kind', message: 'Choose the kind of link: duplicate_of or parent' },
      ]);
    if (!input.otherId?.trim())
      throw new ValidationFailed([
        { field: 'otherId', message: 'Give the id or reference of the other request' },
      ]);
    const kind = input.kind;
    const record = await inTransaction(db, async (tx) => {
      const current = await requireCase(tx, councilId, idOrReference, true);
      let other: repo.CaseRecord;
      try {
        other = await requireCase(tx, councilId, input.otherId as string, true);
      } catch (error) {
        if (error instanceof CaseNotFound)
          throw new ValidationFailed([
            { field: 'otherId', message: 'There is no request with this id or reference' },
          ]);
        throw error;
      }
      if (other.id === current.id)
        throw new ValidationFailed([{ field: 'otherId', message: 'A request cannot be linked to itself' }]);
      if (kind === 'duplicate_of') {
        if (!isOpen(current.status))
          throw new CaseClosed('Only an open request can be marked as a duplicate');
        if (other.duplicateOf)
          throw new ValidationFailed([
            { field: 'otherId', message: 'That request is itself a duplicate; link to the original' },
          ]);
        const at = now();
        await repo.updateCase(tx, councilId, current.id, {
          duplicateOf: other.id,
          status: 'resolved',
          outcome: 'duplicate',
          resolvedAt: at,
        });
        await repo.insertSupporter(tx, councilId, {
          requestId: other.id,
          partyId: current.requesterPartyId,
          fromRequestId: current.id,
        });
        await repo.insertUpdate(tx, councilId, {
          requestId: current.id,
          kind: 'status',
          isPublic: true,
          body: `Resolved – Duplicate of ${other.reference}`,
          statusFrom: current.status,
          statusTo: 'resolved',
          authorId: context.actorId,
          authorLabel: context.actorLabel,
        });
        await repo.insertUpdate(tx, councilId, {
          requestId: other.id,
          kind: 'link',
          isPublic: false,
          body: `${current.reference} linked as a duplicate (me too)`,
          authorId: context.actorId,
          authorLabel: context.actorLabel,
        });
        await event(tx, context, current.id, 'case.status_changed', {
          from: current.status,
          to: 'resolved',
          outcome: 'duplicate',
        });
        await event(tx, context, current.id, 'case.linked', { kind: 'duplicate_of', otherId: other.id });
        await event(tx, context, other.id, 'case.linked', {
          kind: 'me_too',
          otherId: current.id,
          partyId: current.requesterPartyId,
        });
      } else {
        // Guard against cycles: the new parent must not descend from this request.
        for (let cursor: repo.CaseRecord | null = other, depth = 0; cursor && depth < 20; depth++) {
          if (cursor.id === current.id)
            throw new ValidationFailed([{ field: 'otherId', message: 'That request is a task of this one' }]);
          cursor = cursor.parentId ? await repo.findCase(tx, councilId, cursor.parentId) : null;
        }
        await repo.updateCase(tx, councilId, current.id, { parentId: other.id });
        await repo.insertUpdate(tx, councilId, {
          requestId: current.id,
          kind: 'link',
          isPublic: false,
          body: `Linked as a task of ${other.reference}`,
          authorId: context.actorId,
          authorLabel: context.actorLabel,
        });
        await event(tx, context, current.id, 'case.linked', { kind: 'parent', otherId: other.id });
        await event(tx, context, other.id, 'case.linked', { kind: 'child', otherId: current.id });
      }
      await recordAudit(tx, context, {
        action: 'case.linked',
        subjectType: 'case',
        subjectId: current.id,
        details: { kind, otherId: other.id },
      });
      return (await repo.findCase(tx, councilId, current.id)) ?? current;
    });
    return toView(councilId, record);
  }

  /** Splits work off to another team: a child request for a service, under this one. */
  async function createChild(
    councilId: string,
    parentIdOrReference: string,
    input: Omit<CreateCaseInput, 'parentId'>,
    context: AuditContext,
    owner: { id: string; label: string } | null,
  ): Promise<CreatedCase> {
    const parent = await requireCase(db, councilId, parentIdOrReference);
    const location: CaseLocationInput | undefined =
      input.location ??
      (parent.uprn !== null
        ? { uprn: parent.uprn }
        : parent.easting !== null && parent.northing !== null
          ? { easting: parent.easting, northing: parent.northing }
          : undefined);
    const result = await create(
      councilId,
      {
        ...input,
        parentId: parent.id,
        ...(parent.requesterPartyId && !input.partyId ? { partyId: parent.requesterPartyId } : {}),
        ...(location ? { location } : {}),
      },
      context,
      { owner },
    );
    return result.body;
  }

  async function escalateComplaint(
    councilId: string,
    idOrReference: string,
    input: { to?: string; note?: string },
    context: AuditContext,
  ): Promise<CaseView> {
    if (input.to !== 'stage_2' && input.to !== 'ombudsman')
      throw new ValidationFailed([{ field: 'to', message: 'Choose stage_2 or ombudsman' }]);
    const note = checkNote(input.note, 'note', false);
    const record = await inTransaction(db, async (tx) => {
      const current = await requireCase(tx, councilId, idOrReference, true);
      if (current.complaintStage === null)
        throw new ValidationFailed([{ field: 'to', message: 'This request is not a complaint' }]);
      const at = now();
      if (input.to === 'stage_2') {
        if (current.complaintStage === 2)
          throw new ValidationFailed([{ field: 'to', message: 'This complaint is already at stage 2' }]);
        await repo.updateCase(tx, councilId, current.id, {
          complaintStage: 2,
          complaintDueAt: addWorkingDays(calendar, at, COMPLAINT_STAGE_DAYS[2]),
          ...(isOpen(current.status)
            ? {}
            : { status: 'in_progress', resolvedAt: null, closedAt: null, outcome: null }),
        });
        if (!isOpen(current.status))
          await event(tx, context, current.id, 'case.status_changed', {
            from: current.status,
            to: 'in_progress',
            outcome: null,
          });
      } else {
        if (current.ombudsmanReferredAt)
          throw new ValidationFailed([
            { field: 'to', message: 'This complaint has already been referred to the ombudsman' },
          ]);
        await repo.updateCase(tx, councilId, current.id, { ombudsmanReferredAt: at });
      }
      await repo.insertUpdate(tx, councilId, {
        requestId: current.id,
        kind: 'complaint',
        isPublic: true,
        body:
          input.to === 'stage_2'
            ? `Escalated to stage 2: a response is due within ${COMPLAINT_STAGE_DAYS[2]} working days${note ? ` – ${note}` : ''}`
            : `Referred to the Local Government and Social Care Ombudsman${note ? ` – ${note}` : ''}`,
        authorId: context.actorId,
        authorLabel: context.actorLabel,
      });
      await event(tx, context, current.id, 'case.complaint_escalated', { to: input.to });
      await recordAudit(tx, context, {
        action: 'case.complaint_escalated',
        subjectType: 'case',
        subjectId: current.id,
        details: { to: input.to },
      });
      return (await repo.findCase(tx, councilId, current.id)) ?? current;
    });
    return toView(councilId, record);
  }

  // --- Attachments -----------------------------------------------------------------------------

  async function addAttachment(
    councilId: string,
    idOrReference: string,
    input: { filename: string; contentType: string; content: Buffer; public?: boolean },
    context: AuditContext,
  ): Promise<{ id: string; sha256: string }> {
    const filename = input.filename.replace(/[\\/]/g, '_').trim().slice(0, 200);
    const errors: FieldError[] = [];
    if (!filename) errors.push({ field: 'file', message: 'Select a file' });
    if (input.content.length === 0) errors.push({ field: 'file', message: 'The selected file is empty' });
    if (input.content.length > ATTACHMENT_MAX_BYTES)
      errors.push({ field: 'file', message: 'The selected file must be smaller than 10MB' });
    if (!(input.contentType in ATTACHMENT_TYPES))
      errors.push({
        field: 'file',
        message:
          'The selected file must be an image (JPG, PNG, GIF, WebP, HEIC), a PDF or an office document',
      });
    if (errors.length) throw new ValidationFailed(errors.slice(0, 1));
    const sha256 = createHash('sha256').update(input.content).digest('hex');
    return inTransaction(db, async (tx) => {
      const record = await requireCase(tx, councilId, idOrReference, true);
      const id = await repo.insertAttachment(tx, councilId, {
        requestId: record.id,
        filename,
        contentType: input.contentType,
        content: input.content,
        sha256,
        isPublic: input.public ?? false,
        uploadedById: context.actorId,
        uploadedByLabel: context.actorLabel,
      });
      await repo.insertUpdate(tx, councilId, {
        requestId: record.id,
        kind: 'attachment',
        isPublic: false,
        body: `File added: ${filename}`,
        authorId: context.actorId,
        authorLabel: context.actorLabel,
      });
      await event(tx, context, record.id, 'case.attachment_added', { attachmentId: id, sha256 });
      await recordAudit(tx, context, {
        action: 'case.attachment_added',
        subjectType: 'case',
        subjectId: record.id,
        details: { attachmentId: id, sizeBytes: input.content.length, sha256 },
      });
      return { id, sha256 };
    });
  }

  async function getAttachment(councilId: string, idOrReference: string, attachmentId: string) {
    if (!isUuid(attachmentId)) throw new AttachmentNotFound();
    const caseId = await resolveId(db, councilId, idOrReference);
    const found = await repo.findAttachment(db, councilId, caseId, attachmentId);
    if (!found) throw new AttachmentNotFound();
    return found;
  }

  // --- SLA timers ------------------------------------------------------------------------------

  /**
   * Records SLA warnings (80% of the target used) and breaches (100%) that have fallen due, each as
   * a domain event the notifications module passes to the team's supervisor. Runs as a scheduled job.
   */
  async function sweepSla(limit = 1000): Promise<{ warned: number; breached: number }> {
    const at = now();
    return inTransaction(db, async (tx) => {
      const breaches = await repo.claimDueBreaches(tx, at, limit);
      const warnings = await repo.claimDueWarnings(tx, at, limit);
      const breachedIds = new Set(breaches.map((b) => b.id));
      for (const w of warnings) {
        const context = systemAuditContext(w.councilId, 'SLA timer');
        await event(tx, context, w.id, 'case.sla_warning', { share: AT_RISK_SHARE });
        await repo.insertUpdate(tx, w.councilId, {
          requestId: w.id,
          kind: 'sla',
          isPublic: false,
          body: 'At risk: 80% of the target time has been used',
          authorId: null,
          authorLabel: 'SLA timer',
        });
      }
      for (const b of breaches) {
        const context = systemAuditContext(b.councilId, 'SLA timer');
        await event(tx, context, b.id, 'case.sla_breached', {});
        await repo.insertUpdate(tx, b.councilId, {
          requestId: b.id,
          kind: 'sla',
          isPublic: false,
          body: 'Breached: the target time has passed',
          authorId: null,
          authorLabel: 'SLA timer',
        });
      }
      await repo.markSla(
        tx,
        warnings.map((w) => w.id),
        'sla_warned_at',
        at,
      );
      await repo.markSla(tx, [...breachedIds], 'sla_breached_at', at);
      return { warned: warnings.length, breached: breaches.length };
    });
  }

  // --- Supervisor figures ----------------------------------------------------------------------

  async function dashboard(councilId: string) {
    const at = now();
    const [teams, ageing, workload, dir] = await Promise.all([
      repo.teamFigures(db, councilId, at),
      repo.ageingBuckets(db, councilId, at),
      repo.officerWorkload(db, councilId, at),
      directory(councilId),
    ]);
    return {
      teams: teams.map((t) => ({
        ...t,
        teamName: t.teamId ? (dir.teams.get(t.teamId) ?? 'Unknown team') : 'No team',
      })),
      ageing,
      workload: workload.map((w) => ({ ...w, name: dir.users.get(w.assigneeId)?.name ?? 'Unknown officer' })),
      totals: teams.reduce(
        (sum, t) => ({
          open: sum.open + t.open,
          atRisk: sum.atRisk + t.atRisk,
          breached: sum.breached + t.breached,
          unassigned: sum.unassigned + t.unassigned,
        }),
        { open: 0, atRisk: 0, breached: 0, unassigned: 0 },
      ),
    };
  }

  // --- For other modules -----------------------------------------------------------------------

  /**
   * What a notification about a request needs: the requester's preferred contact points, and the
   * status and public update of the event it tells of (not the request's state when the job runs,
   * which later changes may have moved on).
   */
  const notificationDetails: CaseNotificationLookup = async (councilId, caseId, facts = {}) => {
    if (!isUuid(caseId)) return null;
    const record = await repo.findCase(db, councilId, caseId);
    if (!record) return null;
    const status = (CASE_STATUSES as readonly string[]).includes(facts.status ?? '')
      ? (facts.status as CaseStatus)
      : record.status;
    const outcome = (OUTCOMES as readonly string[]).includes(facts.outcome ?? '')
      ? (facts.outcome as Outcome)
      : null;
    const update =
      facts.updateId && isUuid(facts.updateId)
        ? await repo.publicUpdateBody(db, councilId, record.id, facts.updateId)
        : null;
    let email: string | null = record.contactDetails?.email ?? null;
    let phone: string | null = record.contactDetails?.phone ?? null;
    let language: 'en' | 'cy' = 'en';
    const view = record.requesterPartyId
      ? await requesterView(councilId, record.requesterPartyId, 'notifications', 'Request notifications')
      : null;
    if (view) {
      const usable = view.contactPoints.filter((c) => !c.doNotContact);
      const pick = (kind: 'email' | 'phone') =>
        (usable.find((c) => c.kind === kind && c.isPreferred) ?? usable.find((c) => c.kind === kind))
          ?.value ?? null;
      email = pick('email');
      phone = pick('phone');
      language = view.party.language === 'cy' ? 'cy' : 'en';
    }
    const sla = positionOf(record);
    return {
      caseId: record.id,
      reference: record.reference,
      serviceName: record.serviceName,
      statusLabel: STATUS_LABELS[status],
      outcomeLabel: outcome ? OUTCOME_LABELS[outcome] : null,
      // A date to expect is given only while the request is open, then and now.
      expectedAt: isOpen(status) && isOpen(record.status) ? (sla.dueAt ?? record.dueAt) : null,
      partyId: record.requesterPartyId,
      email,
      phone,
      trackPath: `/track/${record.reference}`,
      update,
      language,
    };
  };

  /**
   * The email address that proves a citizen knows a request (tracking it on the portal): the one given
   * with it, else its requester's preferred email address, whether or not they agreed to be contacted
   * there. Withdrawing consent to updates (or deleting an online account) must not stop a citizen
   * tracking their own request. Reading the person is audited.
   */
  async function requesterEmail(councilId: string, caseId: string): Promise<string | null> {
    if (!isUuid(caseId)) return null;
    const record = await repo.findCase(db, councilId, caseId);
    if (!record) return null;
    if (record.contactDetails?.email) return record.contactDetails.email;
    if (!record.requesterPartyId) return null;
    const view = await requesterView(councilId, record.requesterPartyId, 'tracking', 'Request tracking');
    const emails = view?.contactPoints.filter((c) => c.kind === 'email') ?? [];
    return (emails.find((c) => c.isPreferred) ?? emails[0])?.value ?? null;
  }

  /**
   * A requester's record, read by the system for `use` (notifications, tracking) and audited as such;
   * null when the party no longer exists.
   */
  async function requesterView(
    councilId: string,
    partyId: string,
    use: 'notifications' | 'tracking',
    label: string,
  ) {
    const principal: Principal = { kind: 'api', councilId, id: `cases-${use}`, label, role: 'integration' };
    try {
      return await deps.parties.singleView(
        principal,
        partyId,
        systemAuditContext(councilId, label.toLowerCase()),
        use === 'notifications' ? 'request notification' : 'request tracking',
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.status !== 404) throw error;
      return null;
    }
  }

  async function forParty(councilId: string, partyId: string, options: { before?: Date; limit: number }) {
    const at = now();
    const rows = await repo.listForParty(db, councilId, partyId, options);
    return rows.map((r) => ({ ...r, slaState: slaStateOf(r, at) }));
  }

  /**
   * An update from an outside system (an Open311 back office, a contractor): a public message and,
   * when it differs and the move is allowed, a new status, in one transaction. `externalRef` (the
   * system's own id for the update) is kept on what it writes.
   */
  async function externalUpdate(
    councilId: string,
    idOrReference: string,
    input: { status?: CaseStatus; outcome?: Outcome; description?: string; externalRef?: string },
    context: AuditContext,
  ): Promise<CaseView> {
    const view = await get(councilId, idOrReference);
    const description = input.description?.trim();
    const ref = input.externalRef ? { externalRef: input.externalRef } : {};
    if (input.status && input.status !== view.record.status) {
      try {
        return await changeStatus(
          councilId,
          view.record.id,
          {
            status: input.status,
            ...(input.outcome ? { outcome: input.outcome } : {}),
            ...(description ? { note: description, notePublic: true } : {}),
            ...ref,
          },
          context,
        );
      } catch (error) {
        // Another update moved the request first (two posted at once): the move is no longer needed,
        // or no longer allowed, and the message still stands.
        if (!(error instanceof ImpossibleTransition)) throw error;
      }
    }
    if (!description) return get(councilId, view.record.id);
    await addUpdate(councilId, view.record.id, { body: description, public: true, ...ref }, context);
    return get(councilId, view.record.id);
  }

  /**
   * Loads requests made elsewhere (a legacy system's history, or the demo council) in bulk: routed and
   * timed like new ones, but with their own status and dates, and without a domain event each (they
   * are not news to anybody). One audit event records the load.
   */
  async function importRequests(
    councilId: string,
    items: readonly ImportedRequest[],
    context: AuditContext,
  ): Promise<{ ids: string[] }> {
    const rows: repo.ImportedCase[] = [];
    const history: { index: number; update: Omit<repo.NewUpdate, 'requestId'> & { createdAt: Date } }[] = [];
    for (const [index, item] of items.entries()) {
      const view = await serviceView(councilId, item.serviceCode);
      const definition = view.definition;
      const routed = await deps.catalogue.route(councilId, definition, item.answers as never);
      const priority = item.priority ?? routed.priority;
      const sla = deps.catalogue.slaTarget(definition, priority);
      const target = slaTargetOf(sla.unit, sla.amount);
      const moments = clockMoments(calendar, item.submittedAt, target);
      const open = isOpen(item.status);
      const endedAt = open ? null : (item.resolvedAt ?? now());
      const at = now();
      const pauses: repo.PauseRow[] =
        item.status === 'on_hold'
          ? [
              {
                start: new Date(
                  Math.max(item.submittedAt.getTime(), at.getTime() - 86_400_000),
                ).toISOString(),
              },
            ]
          : [];
      rows.push({
        reference: generateReference(),
        serviceId: view.service.id,
        serviceCode: definition.code,
        serviceName: definition.name,
        serviceVersion: view.version.version,
        status: item.status,
        priority,
        channel: item.channel,
        description: item.description ?? '',
        answers: item.answers,
        requesterPartyId: item.partyId ?? null,
        onBehalfOfPartyId: null,
        contactDetails: null,
        uprn: item.place?.uprn ?? null,
        usrn: item.place?.usrn ?? null,
        assetRef: null,
        easting: item.place?.easting ?? null,
        northing: item.place?.northing ?? null,
        lat: item.place?.lat ?? null,
        long: item.place?.long ?? null,
        locationText: item.place?.text ?? null,
        wardCode: item.place?.wardCode ?? null,
        wardName: item.place?.wardName ?? null,
        ownerId: null,
        ownerLabel: item.ownerLabel ?? null,
        teamId: item.assignee?.teamId ?? routed.teamId,
        assigneeId: item.assignee?.id ?? null,
        slaUnit: sla.unit,
        slaAmount: sla.amount,
        submittedAt: item.submittedAt,
        dueAt: moments.dueAt,
        warnAt: moments.warnAt,
        parentId: null,
        complaintStage: definition.interaction === 'complaint' ? 1 : null,
        complaintDueAt:
          definition.interaction === 'complaint'
            ? addWorkingDays(calendar, item.submittedAt, COMPLAINT_STAGE_DAYS[1])
            : null,
        externalId: item.externalId ?? null,
        outcome: open ? null : (item.outcome ?? (item.status === 'cancelled' ? 'withdrawn' : 'fixed')),
        resolvedAt: endedAt,
        closedAt: item.status === 'closed' ? endedAt : null,
        // The SLA sweep records warnings and breaches for open requests from now on.
        slaWarnedAt: open ? null : endedAt,
        slaBreachedAt: open ? null : endedAt && endedAt > moments.dueAt ? endedAt : null,
        pauses,
      });
      if (item.status !== 'submitted')
        history.push({
          index,
          update: {
            kind: 'status',
            isPublic: true,
            body: STATUS_LABELS[item.status],
            statusFrom: 'submitted',
            statusTo: item.status,
            authorId: item.assignee?.id ?? null,
            authorLabel: item.assignee?.name ?? 'Imported',
            createdAt: endedAt ?? new Date(Math.min(at.getTime(), item.submittedAt.getTime() + 3_600_000)),
          },
        });
      for (const note of item.updates ?? [])
        history.push({
          index,
          update: {
            kind: note.public ? 'public' : 'internal',
            isPublic: note.public,
            body: note.body,
            authorId: item.assignee?.id ?? null,
            authorLabel: item.assignee?.name ?? 'Imported',
            createdAt: new Date(Math.min(at.getTime(), item.submittedAt.getTime() + 2 * 3_600_000)),
          },
        });
    }
    return inTransaction(db, async (tx) => {
      const ids = await repo.bulkInsertCases(tx, councilId, rows);
      await repo.bulkInsertUpdates(
        tx,
        councilId,
        history.map((h) => ({ ...h.update, requestId: ids[h.index] as string })),
      );
      await recordAudit(tx, context, {
        action: 'case.imported',
        subjectType: 'case',
        details: { count: ids.length, firstId: ids[0] ?? null, lastId: ids.at(-1) ?? null },
      });
      return { ids };
    });
  }

  // --- The staff journey: raise a request for a caller ---------------------------------------

  /** Services a request can be raised for, best match first (the catalogue's finder). */
  async function findServices(councilId: string, text: string) {
    if (!text.trim()) return [];
    const hits = await deps.catalogue.find(councilId, text, 15);
    return hits.filter((h) => !h.informationOnly && h.status === 'published').slice(0, 10);
  }

  /** What is known of the caller, for the form: their name, and their home address as the location. */
  async function callerFacts(principal: Principal, partyId: string | undefined, context: AuditContext) {
    if (!partyId) return null;
    const view = await deps.parties.singleView(principal, partyId, context, 'raising a service request');
    const home =
      view.addresses.find((a) => a.validTo === null && a.role === 'home' && a.uprn !== null) ??
      view.addresses.find((a) => a.validTo === null && a.uprn !== null) ??
      view.addresses.find((a) => a.validTo === null) ??
      null;
    const [property] = home?.uprn
      ? await deps.gazetteer.properties(principal.councilId, [Number(home.uprn)])
      : [];
    let age: number | undefined;
    if (view.party.dateOfBirth) {
      const born = new Date(`${view.party.dateOfBirth.slice(0, 10)}T12:00:00Z`);
      age = Math.floor((now().getTime() - born.getTime()) / (365.25 * 86_400_000));
    }
    return {
      id: view.party.id,
      displayName: view.party.displayName,
      address: home ? [home.text, home.postcode].filter(Boolean).join(', ') : null,
      uprn: home?.uprn ? String(home.uprn) : null,
      point: property ? { lat: property.lat, long: property.long } : null,
      facts: { ...(age !== undefined ? { age } : {}) },
    };
  }

  /** The form's first answers: the caller's address fills address and location questions. */
  async function startRequest(
    principal: Principal,
    code: string,
    partyId: string | undefined,
    context: AuditContext,
  ) {
    const view = await serviceView(principal.councilId, code);
    const caller = await callerFacts(principal, partyId, context);
    const raw: Record<string, string> = {};
    if (caller?.address) {
      for (const q of view.definition.questions) {
        if (q.type === 'address') {
          raw[q.code] = caller.address;
          if (caller.uprn) raw[`${q.code}-uprn`] = caller.uprn;
        } else if (q.type === 'location') {
          raw[`${q.code}-description`] = caller.address;
          if (caller.point) {
            raw[`${q.code}-lat`] = String(Math.round(caller.point.lat * 1e6) / 1e6);
            raw[`${q.code}-long`] = String(Math.round(caller.point.long * 1e6) / 1e6);
          }
        }
      }
    }
    return { view, caller, raw };
  }

  /** Validates the form and works out the eligibility, route and target for the check-answers page. */
  async function checkRequest(
    principal: Principal,
    code: string,
    raw: Record<string, unknown>,
    partyId: string | undefined,
    context: AuditContext,
  ) {
    const view = await serviceView(principal.councilId, code);
    const { answers, errors } = validateAnswers(view.definition.questions, raw, { today: now() });
    const caller = await callerFacts(principal, partyId, context);
    if (errors.length) return { view, caller, answers, errors };
    const route = await deps.catalogue.route(principal.councilId, view.definition, answers);
    const dir = await directory(principal.councilId);
    return {
      view,
      caller,
      answers,
      errors,
      rows: checkAnswersRows(view.definition.questions, answers),
      eligibility: checkEligibility(view.definition.eligibility, { answers, party: caller?.facts ?? {} }),
      route,
      routeTeam: dir.teams.get(route.teamId) ?? 'Unknown team',
      sla: deps.catalogue.slaTarget(view.definition, route.priority),
    };
  }

  return {
    /** The caller's name for a page heading (no audited read: nothing else of the record is shown). */
    async callerName(
      councilId: string,
      partyId: string,
    ): Promise<{ id: string; displayName: string } | null> {
      try {
        const party = await deps.parties.getParty(councilId, partyId);
        return { id: party.id, displayName: party.displayName };
      } catch (error) {
        if (error instanceof DomainError && error.status === 404) return null;
        throw error;
      }
    },
    async serviceDefinition(councilId: string, code: string) {
      try {
        return (await serviceView(councilId, code)).definition;
      } catch (error) {
        if (error instanceof ServiceNotFound) return null;
        throw error;
      }
    },
    findServices,
    startRequest,
    checkRequest,
    create,
    importRequests,
    externalUpdate,
    get,
    detail,
    list,
    listAll,
    changeStatus,
    addUpdate,
    assign,
    assignMany,
    link,
    createChild,
    escalateComplaint,
    addAttachment,
    getAttachment,
    sweepSla,
    dashboard,
    notificationDetails,
    requesterEmail,
    forParty,
    nearby: async (councilId: string, idOrReference: string) => {
      const record = await requireCase(db, councilId, idOrReference);
      if (record.easting === null || record.northing === null || !isOpen(record.status)) return [];
      return nearby(councilId, record.serviceCode, record.easting, record.northing, record.id);
    },
    async setDuplicateRadius(councilId: string, serviceCode: string, metres: number) {
      await repo.setDuplicateRadius(db, councilId, serviceCode, metres);
      radii.forget(`${councilId}:${serviceCode}`);
    },
    directory: async (councilId: string) => {
      const dir = await directory(councilId);
      return {
        teams: [...dir.teams]
          .map(([id, name]) => ({ id, name }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        officers: [...dir.users]
          .filter(([, u]) => u.role === 'officer' || u.role === 'supervisor')
          .map(([id, u]) => ({ id, name: u.name, teamId: u.teamId }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
    statusLabel: (status: CaseStatus) => STATUS_LABELS[status],
    /** Services with open requests, for the queue filter. */
    queueServices: (councilId: string): Promise<{ code: string; name: string }[]> =>
      queueServiceList.get(councilId),
    wards: (councilId: string): Promise<{ code: string; name: string }[]> => wardList.get(councilId),
    slaStateOf: (row: Parameters<typeof slaStateOf>[0]) => slaStateOf(row, now()),
  };
}

export type CasesService = ReturnType<typeof createCasesService>;
