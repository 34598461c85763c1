import { type AuditContext, auditContextFor } from '../../platform/audit/audit.ts';
import type { PrincipalResolver } from '../../platform/auth/principal.ts';
import type { Executor } from '../../platform/db/database.ts';
import { DomainError, type FieldError, NotFound, ValidationFailed } from '../../platform/http/errors.ts';
import {
  type CaseLocationInput,
  CaseNotFound,
  type CaseRecord,
  type CaseStatus,
  type CreateCaseInput,
  canMove,
  isOpen,
  type Open311RequestRow,
  OUTCOME_LABELS,
  type Outcome,
  type RequesterDetails,
  type ServiceRequestFeed,
  type ServiceRequests,
  toOpen311,
} from '../cases/index.ts';
import { formatPostcode, isFullPostcode } from '../gazetteer/index.ts';
import { requireApiKey } from './open311.auth.ts';
import { checkJurisdiction, Open311RequestNotFound, Open311ServiceNotFound } from './open311.errors.ts';
import type { Open311RequestItem, Open311Value } from './open311.format.ts';
import { parseAttributes } from './open311.format.ts';
import * as repo from './open311.repository.ts';
import type { Open311Service } from './open311.service.ts';

/** The council box lat/long must fall in (the council record's `area`). */
export interface Open311Area {
  minLat: number | null;
  minLong: number | null;
  maxLat: number | null;
  maxLong: number | null;
}

export interface Open311RequestsDeps {
  db: Executor;
  requests: ServiceRequests;
  feed: ServiceRequestFeed;
  resolver: PrincipalResolver;
  open311: Open311Service;
  council: () => Promise<{ id: string; slug: string; name: string; area?: Open311Area | null }>;
  now?: () => Date;
}

/** Who is calling, for the audit trail: the API token behind api_key. */
export interface CallerRequest {
  id: string;
  ip: string;
}

export type Body = Record<string, unknown>;

/** What POST requests needs to know of a service's attribute. */
interface AttributeInfo {
  datatype: string;
  required: boolean;
  /** The keys a list attribute takes. */
  keys?: ReadonlySet<string>;
}

/** Most results one GET requests answers (the spec's default and cap). */
export const MAX_PAGE_SIZE = 1000;
/** The window GET requests covers when no dates are given. */
export const DEFAULT_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

/** ISO 8601 with a zone (Z or ±hh:mm), as the spec requires; seconds and fractions optional. */
const W3_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A plain decimal number: no hex, binary, octal, exponent or thousands separator. */
const DECIMAL = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;
/** How far a client's clock may be from ours when it dates an update. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The spec's limit on a request's description. */
const MAX_DESCRIPTION = 4000;

/** Whether year, month and day make a real calendar day (2026-02-30 does not). */
function realDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/**
 * An ISO 8601 date and time with a zone that names a real moment (no 30 February, no 25 o'clock, no
 * zone beyond ±14:00), or undefined. A `+` the client did not encode arrives as a space and is read
 * as the `+` it was.
 */
function w3Moment(raw: string): Date | undefined {
  const value = raw.replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = W3_DATETIME.exec(value);
  if (!m) return undefined;
  const [, year = '', month = '', day = '', hour, minute, second, zoneHours, zoneMinutes] = m;
  if (!realDay(year, month, day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return undefined;
  if (Number(zoneHours ?? 0) > 14 || Number(zoneMinutes ?? 0) > 59) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The first moment after a time as clients read it. Times are published to the second, so a whole
 * second stands for all of it (an end_date of 09:30:00 takes in 09:30:00.999, and updated_after
 * 09:30:00 starts at 09:30:01); a time given to the millisecond is taken as it is.
 */
const after = (d: Date) => new Date(d.getTime() + (d.getTime() % 1000 === 0 ? 1000 : 1));

/** A time as GeoReport v2 publishes it: UTC, to the second. */
const w3c = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** The statuses clients may post in servicerequestupdates, and what each does to the request. */
const POSTED_STATUSES: Record<string, { status?: CaseStatus; outcome?: Outcome; open: boolean }> = {
  OPEN: { open: true },
  INVESTIGATING: { status: 'acknowledged', open: true },
  IN_PROGRESS: { status: 'in_progress', open: true },
  ACTION_SCHEDULED: { status: 'in_progress', outcome: 'action_scheduled', open: true },
  FIXED: { status: 'resolved', outcome: 'fixed', open: false },
  // Guildhall closes a request with an outcome; a bare CLOSED records no further action.
  CLOSED: { status: 'resolved', outcome: 'no_further_action', open: false },
  NO_FURTHER_ACTION: { status: 'resolved', outcome: 'no_further_action', open: false },
  DUPLICATE: { status: 'resolved', outcome: 'duplicate', open: false },
  NOT_COUNCILS_RESPONSIBILITY: { status: 'resolved', outcome: 'not_councils_responsibility', open: false },
  UNABLE_TO_FIX: { status: 'resolved', outcome: 'unable_to_fix', open: false },
  INTERNAL_REFERRAL: { status: 'resolved', outcome: 'referred_to_partner', open: false },
};

/** A single text field of a form or JSON body (the first, if repeated). */
function text(body: Body, name: string): string | undefined {
  const raw = body[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A field that may be sent more than once (status=open&status=closed) as one comma list. */
function joined(body: Body, name: string): string | undefined {
  const raw = body[name];
  if (!Array.isArray(raw)) return text(body, name);
  const parts = raw.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  return parts.length ? parts.join(',') : undefined;
}

function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function parseW3(value: string | undefined, field: string, errors: FieldError[]): Date | undefined {
  if (value === undefined) return undefined;
  const date = w3Moment(value);
  if (!date) {
    errors.push({
      field,
      message: `${field} must be an ISO 8601 date and time with a time zone, like 2026-11-22T09:30:00Z`,
    });
    return undefined;
  }
  return date;
}

function positiveInteger(value: string | undefined, field: string, errors: FieldError[]): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    errors.push({ field, message: `${field} must be a whole number, 1 or more` });
    return undefined;
  }
  return n;
}

const HTTP_URL = /^https?:\/\/[^\s]+$/i;

/** A UK postcode at the end of an address ("12 High Street, Westbrook, WB1 2AB"), or ''. */
const TRAILING_POSTCODE = /(?:^|[\s,])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$/i;
function postcodeIn(address: string | null): string {
  const match = address ? TRAILING_POSTCODE.exec(address.trimEnd()) : null;
  return match?.[1] ? formatPostcode(match[1]) : '';
}

/** The attributes of a form body (attribute[code], attribute[code][]) or a JSON body's `attribute` object. */
function attributesOf(body: Body, errors: FieldError[]): Record<string, string | string[]> {
  const { attribute: nested, ...flat } = body;
  const parsed = parseAttributes(flat);
  errors.push(...parsed.errors);
  if (nested && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const [code, value] of Object.entries(nested as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        parsed.attributes[code] = String(value);
      else if (Array.isArray(value)) parsed.attributes[code] = value.map((v) => String(v));
      else errors.push({ field: `attribute[${code}]`, message: `attribute[${code}] must be text or a list` });
    }
  }
  return parsed.attributes;
}

/**
 * Checks each attribute against the datatype its service definition publishes, for optional and
 * required attributes alike: a list takes only its keys (a single value list one of them), a number
 * only a decimal number, a datetime a real date, or a real date and time with a zone. What the form
 * checks beyond that (length, pattern, file type) is the form engine's. A datetime is passed on as its
 * date, which is what the form keeps.
 */
function checkDatatypes(
  attributes: Record<string, string | string[]>,
  datatypes: ReadonlyMap<string, AttributeInfo>,
  errors: FieldError[],
): void {
  for (const [code, value] of Object.entries(attributes)) {
    const info = datatypes.get(code);
    if (!info) continue;
    const field = `attribute[${code}]`;
    const values = Array.isArray(value) ? value : [value];
    const bad = (message: string) => errors.push({ field, message: `${field}: ${message}` });
    switch (info.datatype) {
      case 'singlevaluelist':
        if (values.length > 1) bad('takes one value, not a list');
        else if (info.keys && !info.keys.has(values[0] ?? ''))
          bad(`${String(values[0]).slice(0, 50)} is not one of its keys: ${[...info.keys].join(', ')}`);
        break;
      case 'multivaluelist': {
        const unknown = info.keys ? values.filter((v) => !info.keys?.has(v)) : [];
        if (unknown.length)
          bad(
            `${unknown.map((v) => v.slice(0, 50)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among its keys: ${[...(info.keys ?? [])].join(', ')}`,
          );
        break;
      }
      case 'number':
        if (values.length > 1) bad('takes one number, not a list');
        else if (!DECIMAL.test(String(values[0]).trim())) bad('must be a decimal number, like 12 or 3.5');
        break;
      case 'datetime': {
        const text = String(values[0]).trim();
        const date = ISO_DATE.exec(text);
        if (values.length > 1) bad('takes one date, not a list');
        else if (date ? !realDay(date[1] ?? '', date[2] ?? '', date[3] ?? '') : !w3Moment(text))
          bad('must be a real date as YYYY-MM-DD, or an ISO 8601 date and time with a time zone');
        else attributes[code] = text.slice(0, 10);
        break;
      }
      default:
        if (values.length > 1) bad('takes one value, not a list');
    }
  }
}

/** The Open311 name for a field the cases module reported. */
function open311Field(field: string, attributeCodes: readonly string[]): string {
  if (field.startsWith('answers.')) {
    const rest = field.slice('answers.'.length);
    const code =
      attributeCodes.find(
        (c) => rest === c.replaceAll('-', '.') || rest.startsWith(`${c.replaceAll('-', '.')}.`),
      ) ??
      rest.split('.')[0] ??
      rest;
    return `attribute[${code}]`;
  }
  const names: Record<string, string> = {
    serviceCode: 'service_code',
    'location.lat': 'lat',
    'location.long': 'long',
    'location.uprn': 'address_id',
    'location.address': 'address_string',
    description: 'description',
    'requester.email': 'email',
    'requester.phone': 'phone',
    'requester.givenName': 'first_name',
    'requester.familyName': 'last_name',
  };
  return names[field] ?? field;
}

function withField(field: string, message: string): string {
  return message.startsWith(field) ? message : `${field}: ${message}`;
}

export function createOpen311Requests(deps: Open311RequestsDeps) {
  const now = deps.now ?? (() => new Date());

  let councilCache: { at: number; value: Awaited<ReturnType<Open311RequestsDeps['council']>> } | null = null;
  async function council(jurisdictionId: string | undefined) {
    if (!councilCache || Date.now() - councilCache.at > 60_000)
      councilCache = { at: Date.now(), value: await deps.council() };
    return checkJurisdiction(councilCache.value, jurisdictionId);
  }

  // Each service's attributes, to name them in errors and read datetimes (a short cache keeps POST cheap).
  const definitions = new Map<string, { at: number; attributes: Map<string, AttributeInfo> | null }>();
  async function attributesOfService(code: string): Promise<Map<string, AttributeInfo> | null> {
    const hit = definitions.get(code);
    if (hit && Date.now() - hit.at < 15_000) return hit.attributes;
    let attributes: Map<string, AttributeInfo> | null;
    try {
      const definition = (await deps.open311.definition(code)) as {
        attributes: { code: string; datatype: string; required: boolean; values?: { key: string }[] }[];
      };
      attributes = new Map(
        definition.attributes.map((a) => [
          a.code,
          {
            datatype: a.datatype,
            required: a.required,
            ...(a.values ? { keys: new Set(a.values.map((v) => v.key)) } : {}),
          },
        ]),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.status !== 404) throw error;
      attributes = null;
    }
    definitions.set(code, { at: Date.now(), attributes });
    return attributes;
  }

  // The services GeoReport v2 lists. Requests for any other service (a safeguarding referral, a fraud
  // report) are the council's business, not the public's: Open311 neither shows nor updates them.
  let offeredCache: { at: number; codes: string[] } | null = null;
  async function offered(): Promise<string[]> {
    if (!offeredCache || Date.now() - offeredCache.at > 15_000) {
      const services = (await deps.open311.services()) as { service_code: string }[];
      offeredCache = { at: Date.now(), codes: services.map((s) => s.service_code) };
    }
    return offeredCache.codes;
  }

  async function caller(body: Body, request: CallerRequest): Promise<AuditContext> {
    const principal = await requireApiKey(deps.resolver, text(body, 'api_key'));
    return auditContextFor(principal, request);
  }

  /** A request as GeoReport v2 publishes it: no requester name, email or phone, ever. */
  function requestView(
    row: Open311RequestRow,
    agency: string,
    extras: repo.RequestExtras | undefined,
  ): Open311RequestItem {
    const open = isOpen(row.status);
    return {
      service_request_id: row.reference,
      status: open ? 'open' : 'closed',
      status_notes: !open && row.outcome ? OUTCOME_LABELS[row.outcome] : '',
      service_name: row.serviceName,
      service_code: row.serviceCode,
      description: row.description ?? '',
      agency_responsible: agency,
      service_notice: extras?.serviceNotice ?? '',
      requested_datetime: row.requestedAt,
      updated_datetime: row.updatedAt,
      expected_datetime: open ? row.dueAt : null,
      address: row.locationText ?? '',
      address_id: row.uprn === null ? '' : String(row.uprn),
      zipcode: extras?.zipcode ?? postcodeIn(row.locationText),
      lat: row.lat,
      long: row.long,
      media_url: extras?.mediaUrl ?? '',
    };
  }

  /** POST requests: one new service request from a GeoReport v2 client. */
  async function create(body: Body, request: CallerRequest): Promise<Open311Value> {
    const context = await caller(body, request);
    const current = await council(text(body, 'jurisdiction_id'));
    const councilId = context.councilId ?? current.id;
    const errors: FieldError[] = [];

    const serviceCode = text(body, 'service_code');
    let datatypes = new Map<string, AttributeInfo>();
    if (!serviceCode)
      errors.push({
        field: 'service_code',
        message: 'service_code is required: send the code of the service',
      });
    else {
      const found = await attributesOfService(serviceCode);
      // An unknown service is a 404, as for services/{code}: there is nothing to check the rest against.
      if (!found) throw new Open311ServiceNotFound(serviceCode);
      datatypes = found;
    }

    const latText = text(body, 'lat');
    const longText = text(body, 'long');
    const addressString = text(body, 'address_string');
    const addressId = text(body, 'address_id');
    const zipcodeText = text(body, 'zipcode');
    let zipcode: string | undefined;
    if (zipcodeText !== undefined) {
      if (isFullPostcode(zipcodeText)) zipcode = formatPostcode(zipcodeText);
      else
        errors.push({
          field: 'zipcode',
          message: `zipcode ${zipcodeText.slice(0, 20)} is not a full UK postcode, like SW1A 2AA`,
        });
    }
    let location: CaseLocationInput | undefined;
    const uprn = addressId !== undefined && /^\d{1,12}$/.test(addressId) ? addressId : undefined;
    if (addressId !== undefined && uprn === undefined)
      errors.push({
        field: 'address_id',
        message: 'address_id must be a UPRN: a number of up to 12 digits',
      });
    if (latText !== undefined || longText !== undefined) {
      const lat = Number(latText);
      const long = Number(longText);
      const area = current.area;
      if (latText === undefined || longText === undefined || !Number.isFinite(lat) || !Number.isFinite(long))
        errors.push({ field: 'lat', message: 'lat and long must both be given, as decimal degrees (WGS84)' });
      else if (
        area &&
        area.minLat !== null &&
        area.maxLat !== null &&
        area.minLong !== null &&
        area.maxLong !== null &&
        (lat < area.minLat || lat > area.maxLat || long < area.minLong || long > area.maxLong)
      )
        errors.push({
          field: 'lat',
          message: `lat/long ${lat}, ${long} is outside ${current.name}'s area (lat ${area.minLat} to ${area.maxLat}, long ${area.minLong} to ${area.maxLong})`,
        });
      // A property's UPRN is exact, and the gazetteer knows its point: it wins over lat/long.
      else location = uprn !== undefined ? { uprn } : { lat, long };
    } else if (addressId !== undefined) {
      if (uprn !== undefined) location = { uprn };
    } else if (addressString !== undefined || zipcode !== undefined)
      location = { address: [addressString, zipcode].filter(Boolean).join(', ') };
    else if (zipcodeText === undefined)
      errors.push({
        field: 'lat',
        message: 'A location is required: send lat and long, address_string, address_id or zipcode',
      });

    const mediaUrl = text(body, 'media_url');
    if (mediaUrl !== undefined && (!HTTP_URL.test(mediaUrl) || mediaUrl.length > 2000))
      errors.push({ field: 'media_url', message: 'media_url must be an http or https URL' });
    const email = text(body, 'email');
    if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      errors.push({ field: 'email', message: 'email must be an email address' });
    const attributes = attributesOf(body, errors);
    // An attribute sent empty (a form client posts every field, answered or not) was not answered.
    for (const [code, value] of Object.entries(attributes))
      if ((Array.isArray(value) ? value : [value]).every((v) => v.trim() === '')) delete attributes[code];
    checkDatatypes(attributes, datatypes, errors);
    const description = text(body, 'description');
    if (description !== undefined && description.length > MAX_DESCRIPTION)
      errors.push({
        field: 'description',
        message: `description must be ${MAX_DESCRIPTION.toLocaleString('en-GB')} characters or fewer (it has ${description.length.toLocaleString('en-GB')})`,
      });
    if (errors.length) throw new ValidationFailed(errors);

    const requester: RequesterDetails = {};
    for (const [field, key] of [
      ['email', 'email'],
      ['phone', 'phone'],
      ['first_name', 'firstName'],
      ['last_name', 'lastName'],
    ] as const) {
      const value = text(body, field);
      if (value !== undefined) requester[key] = value.slice(0, 200);
    }
    const input: CreateCaseInput = {
      serviceCode: serviceCode ?? '',
      channel: 'open311',
      answers: attributes,
      ...(location ? { location } : {}),
      ...(addressString !== undefined ? { locationText: addressString } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(Object.keys(requester).length ? { requester } : {}),
    };
    const codes = [...datatypes.keys()];
    const notices: string[] = [];
    let created: Awaited<ReturnType<ServiceRequests['create']>> | undefined;
    try {
      // What the council can do without is dropped rather than losing the report: contact details the
      // parties module cannot hold (a phone number it cannot read) and optional attributes that fail the
      // form's own checks. Checks come in stages (the form's, then the requester's), so each try may
      // find more to drop; the request is made with what is good, and service_notice says what was left out.
      let attempt = input;
      for (let tries = 0; !created; tries++) {
        try {
          created = await deps.requests.create(councilId, attempt, context);
        } catch (error) {
          if (
            tries >= 3 ||
            !(error instanceof DomainError) ||
            error.status !== 400 ||
            !error.fieldErrors.length
          )
            throw error;
          const kept = { ...attempt.requester };
          const answers = { ...attempt.answers };
          for (const e of error.fieldErrors) {
            if (e.field.startsWith('requester.') && attempt.requester) {
              const name = e.field.slice('requester.'.length);
              if (name === 'email' || name === 'phone') delete kept[name];
              else if (name === 'givenName') delete kept.firstName;
              else if (name === 'familyName') delete kept.lastName;
              else throw error;
              notices.push(`${open311Field(e.field, codes)} was left out: ${e.message}`);
              continue;
            }
            const field = open311Field(e.field, codes);
            const code = /^attribute\[(.+)\]$/.exec(field)?.[1];
            const info = code === undefined ? undefined : datatypes.get(code);
            if (code === undefined || !info || info.required || !(code in answers)) throw error;
            delete answers[code];
            notices.push(`${field} was left out: ${e.message}`);
          }
          const { requester: _dropped, ...rest } = attempt;
          attempt = { ...rest, answers, ...(Object.keys(kept).length ? { requester: kept } : {}) };
        }
      }
    } catch (error) {
      if (error instanceof DomainError && error.status === 400 && error.fieldErrors.length)
        throw new ValidationFailed(
          error.fieldErrors.map((e) => {
            const field = open311Field(e.field, codes);
            return { field, message: withField(field, e.message) };
          }),
        );
      throw error;
    }
    const accountId = text(body, 'account_id');
    const deviceId = text(body, 'device_id');
    const serviceNotice = notices.join('; ');
    if (mediaUrl || accountId || deviceId || zipcode || serviceNotice)
      await repo.insertRequestExtras(deps.db, councilId, created.body.id, {
        mediaUrl: mediaUrl ?? null,
        deviceId: deviceId?.slice(0, 200) ?? null,
        accountId: accountId?.slice(0, 200) ?? null,
        zipcode: zipcode ?? null,
        serviceNotice: serviceNotice || null,
      });
    return [
      {
        service_request_id: created.body.reference,
        service_notice: serviceNotice,
        account_id: accountId ?? null,
      },
    ];
  }

  /** Rows as published, with what the client sent beside each (media_url, zipcode). */
  async function published(
    current: { id: string; name: string },
    rows: Open311RequestRow[],
  ): Promise<Open311RequestItem[]> {
    const extras = await repo.requestExtras(
      deps.db,
      current.id,
      rows.map((r) => r.id),
    );
    return rows.map((r) => requestView(r, current.name, extras.get(r.id)));
  }

  /** GET requests: filters as the spec, newest first, the last 90 days by default, paged. */
  async function list(query: Body): Promise<Open311RequestItem[]> {
    const current = await council(text(query, 'jurisdiction_id'));
    const errors: FieldError[] = [];
    const ids = commaList(joined(query, 'service_request_id'));
    const serviceCodes = commaList(joined(query, 'service_code'));
    const start = parseW3(text(query, 'start_date'), 'start_date', errors);
    const end = parseW3(text(query, 'end_date'), 'end_date', errors);
    const updatedAfter = parseW3(text(query, 'updated_after'), 'updated_after', errors);
    const updatedBefore = parseW3(text(query, 'updated_before'), 'updated_before', errors);
    const statuses = commaList(joined(query, 'status')?.toLowerCase());
    for (const s of statuses ?? [])
      if (s !== 'open' && s !== 'closed')
        errors.push({ field: 'status', message: `status ${s} is not open or closed` });
    const page = positiveInteger(text(query, 'page'), 'page', errors) ?? 1;
    const pageSize = Math.min(
      positiveInteger(text(query, 'page_size'), 'page_size', errors) ?? MAX_PAGE_SIZE,
      MAX_PAGE_SIZE,
    );
    if (start && end && start > end)
      errors.push({ field: 'start_date', message: 'start_date must be before end_date' });
    if (updatedAfter && updatedBefore && updatedAfter >= updatedBefore)
      errors.push({ field: 'updated_after', message: 'updated_after must be before updated_before' });
    // Ids override every other argument (spec), paging included; an id that is not valid is no match.
    if (ids) {
      const rows = await deps.feed.open311Requests(current.id, {
        idsOrReferences: ids,
        serviceCodes: await offered(),
        limit: MAX_PAGE_SIZE,
        offset: 0,
      });
      return published(current, rows);
    }
    if (errors.length) throw new ValidationFailed(errors);

    const offeredCodes = await offered();
    const codes = serviceCodes ? serviceCodes.filter((c) => offeredCodes.includes(c)) : offeredCodes;
    if (codes.length === 0) return [];
    const open = statuses && new Set(statuses).size === 1 ? statuses[0] === 'open' : undefined;
    // Times are published to the second, so filters work to the second: end_date takes in the whole of
    // its second, and updated_after starts at the second after its own.
    let submittedFrom = start;
    const submittedTo = end && after(end);
    // With no dates, the last 90 days (unless asked what changed, by updated_after or updated_before).
    if (!start && !end && !updatedAfter && !updatedBefore)
      submittedFrom = new Date(now().getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
    else if (!start && end) submittedFrom = new Date(end.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
    const rows = await deps.feed.open311Requests(current.id, {
      serviceCodes: codes,
      ...(open !== undefined ? { open } : {}),
      ...(submittedFrom ? { submittedFrom } : {}),
      ...(submittedTo ? { submittedTo } : {}),
      ...(updatedAfter ? { updatedFrom: after(updatedAfter) } : {}),
      ...(updatedBefore ? { updatedBefore } : {}),
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return published(current, rows);
  }

  /** GET requests/{id}: one request, as a list of one (the spec's shape); unknown ids are 404. */
  async function one(id: string, query: Body): Promise<Open311RequestItem[]> {
    const current = await council(text(query, 'jurisdiction_id'));
    const rows = await deps.feed.open311Requests(current.id, {
      idsOrReferences: [id],
      serviceCodes: await offered(),
      limit: 1,
      offset: 0,
    });
    if (rows.length === 0) throw new Open311RequestNotFound(id);
    return published(current, rows);
  }

  /** GET tokens/{token}: Guildhall answers in real time, so a token is the request's own id. */
  async function token(tokenId: string, query: Body): Promise<Open311Value> {
    const current = await council(text(query, 'jurisdiction_id'));
    const [row] = await deps.feed.open311Requests(current.id, {
      idsOrReferences: [tokenId],
      serviceCodes: await offered(),
      limit: 1,
      offset: 0,
    });
    if (!row) throw new NotFound(`The token ${tokenId}`);
    return [{ service_request_id: row.reference, token: tokenId }];
  }

  /** The outcome a status change's text ends with ("Resolved – Fixed"), if any. */
  function outcomeOf(statusBody: string | null): Outcome | undefined {
    if (!statusBody) return undefined;
    return (Object.entries(OUTCOME_LABELS) as [Outcome, string][]).find(([, label]) =>
      statusBody.endsWith(` – ${label}`),
    )?.[0];
  }

  /**
   * GET servicerequestupdates (FixMyStreet's extension): public updates and status changes whose
   * updated_datetime falls in a window (both ends included, to the second), oldest first, paged (page,
   * page_size). An update a client posted comes once, as it was posted (the client's update_id,
   * status, time, description and media_url), whatever it changed, so its sender knows it for its own.
   */
  async function updates(query: Body): Promise<Open311Value> {
    const current = await council(text(query, 'jurisdiction_id'));
    const errors: FieldError[] = [];
    const end = parseW3(text(query, 'end_date'), 'end_date', errors) ?? now();
    const start =
      parseW3(text(query, 'start_date'), 'start_date', errors) ?? new Date(end.getTime() - DAY_MS);
    if (start > end) errors.push({ field: 'start_date', message: 'start_date must be before end_date' });
    const page = positiveInteger(text(query, 'page'), 'page', errors) ?? 1;
    const pageSize = Math.min(
      positiveInteger(text(query, 'page_size'), 'page_size', errors) ?? MAX_PAGE_SIZE,
      MAX_PAGE_SIZE,
    );
    if (errors.length) throw new ValidationFailed(errors);
    const serviceCodes = await offered();
    const window = { from: start, to: after(end) };
    // The council's updates and the clients' posted ones, each read up to the end of the page asked
    // for, merged in time order, then cut to the page.
    const upTo = page * pageSize;
    const [councils, posted] = await Promise.all([
      deps.feed.open311Updates(current.id, { ...window, serviceCodes, limit: upTo }),
      repo.postedUpdatesIn(deps.db, current.id, { ...window, limit: upTo }),
    ]);
    const references = posted.length
      ? new Map(
          (
            await deps.feed.open311Requests(current.id, {
              idsOrReferences: [...new Set(posted.map((p) => p.requestId))],
              serviceCodes,
              limit: upTo,
              offset: 0,
            })
          ).map((r) => [r.id, r.reference]),
        )
      : new Map<string, string>();
    const items: { at: string; value: Open311Value }[] = councils.map((u) => {
      const status: CaseStatus = u.statusTo ?? 'submitted';
      return {
        at: u.updatedAt,
        value: {
          update_id: u.updateId,
          service_request_id: u.reference,
          status: toOpen311(status, outcomeOf(u.statusBody)).extended,
          updated_datetime: u.updatedAt,
          description: u.body,
          media_url: '',
          external_status_code: status,
        },
      };
    });
    for (const p of posted) {
      const reference = references.get(p.requestId);
      if (reference) items.push({ at: w3c(p.updatedAt), value: postedView(p, reference) });
    }
    // Stable: within one second, the council's updates keep their order and come first.
    items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return items.slice((page - 1) * pageSize, upTo).map((i) => i.value);
  }

  function postedView(u: repo.PostedUpdate, reference: string): Open311Value {
    return {
      update_id: u.updateId,
      service_request_id: reference,
      status: u.status,
      updated_datetime: w3c(u.updatedAt),
      description: u.description,
      media_url: u.mediaUrl ?? '',
      external_status_code: u.externalStatusCode ?? '',
    };
  }

  /** POST servicerequestupdates: a client's update; CLOSED and the like close the request. */
  async function postUpdate(body: Body, request: CallerRequest): Promise<Open311Value> {
    const context = await caller(body, request);
    const current = await council(text(body, 'jurisdiction_id'));
    const councilId = context.councilId ?? current.id;
    const errors: FieldError[] = [];
    const serviceRequestId = text(body, 'service_request_id');
    if (!serviceRequestId)
      errors.push({ field: 'service_request_id', message: 'service_request_id is required' });
    const updateId = text(body, 'update_id');
    if (!updateId)
      errors.push({ field: 'update_id', message: 'update_id is required: your id for this update' });
    else if (updateId.length > 200)
      errors.push({ field: 'update_id', message: 'update_id must be 200 characters or fewer' });
    const statusText = text(body, 'status')?.toUpperCase();
    const posted = statusText ? POSTED_STATUSES[statusText] : undefined;
    if (!statusText)
      errors.push({ field: 'status', message: 'status is required (OPEN or CLOSED, or an extended status)' });
    else if (!posted)
      errors.push({
        field: 'status',
        message: `status ${statusText} is not known; use one of ${Object.keys(POSTED_STATUSES).join(', ')}`,
      });
    const updatedAt = parseW3(text(body, 'updated_datetime'), 'updated_datetime', errors) ?? now();
    const description = text(body, 'description') ?? '';
    if (description.length > MAX_DESCRIPTION)
      errors.push({
        field: 'description',
        message: `description must be ${MAX_DESCRIPTION.toLocaleString('en-GB')} characters or fewer`,
      });
    const mediaUrl = text(body, 'media_url');
    if (mediaUrl !== undefined && (!HTTP_URL.test(mediaUrl) || mediaUrl.length > 2000))
      errors.push({ field: 'media_url', message: 'media_url must be an http or https URL' });
    const externalStatusCode = text(body, 'external_status_code')?.slice(0, 100);
    if (errors.length || !serviceRequestId || !updateId || !posted || !statusText)
      throw new ValidationFailed(errors);

    let record: CaseRecord;
    try {
      record = (await deps.requests.get(councilId, serviceRequestId)).record;
    } catch (error) {
      if (error instanceof CaseNotFound) throw new Open311RequestNotFound(serviceRequestId);
      throw error;
    }
    // A request for a service Open311 does not list is not Open311's to see or to change.
    if (!(await offered()).includes(record.serviceCode)) throw new Open311RequestNotFound(serviceRequestId);
    // An update is published at the time it gives, so that time must be one it could have happened:
    // not before the request was made, nor in the future (a few minutes either way for clocks).
    const skew = CLOCK_SKEW_MS;
    if (updatedAt.getTime() < record.submittedAt.getTime() - skew)
      throw new ValidationFailed([
        {
          field: 'updated_datetime',
          message: `updated_datetime ${w3c(updatedAt)} is before the request was made (${w3c(record.submittedAt)})`,
        },
      ]);
    if (updatedAt.getTime() > now().getTime() + skew)
      throw new ValidationFailed([
        { field: 'updated_datetime', message: `updated_datetime ${w3c(updatedAt)} is in the future` },
      ]);
    const update: repo.PostedUpdate = {
      updateId,
      requestId: record.id,
      status: statusText,
      description,
      mediaUrl: mediaUrl ?? null,
      externalStatusCode: externalStatusCode ?? null,
      updatedAt,
    };
    // The update_id is claimed first (one per request), so a retry, or a race, never applies an
    // update twice.
    if (!(await repo.insertPostedUpdate(deps.db, councilId, update))) {
      const earlier = await repo.findPostedUpdate(deps.db, councilId, record.id, updateId);
      return [postedView(earlier ?? update, record.reference)];
    }
    try {
      let status: CaseStatus | undefined;
      let outcome: Outcome | undefined;
      if (posted.status && posted.status !== record.status && canMove(record.status, posted.status)) {
        status = posted.status;
        outcome = posted.outcome;
      } else if (posted.open && !isOpen(record.status)) status = 'in_progress';
      const message = [description, mediaUrl].filter(Boolean).join('\n');
      await deps.requests.externalUpdate(
        councilId,
        record.id,
        {
          ...(status ? { status } : {}),
          ...(outcome ? { outcome } : {}),
          ...(message ? { description: message } : {}),
          externalRef: updateId,
        },
        context,
      );
    } catch (error) {
      await repo.deletePostedUpdate(deps.db, councilId, record.id, updateId);
      throw error;
    }
    return [postedView(update, record.reference)];
  }

  return { create, list, one, token, updates, postUpdate };
}

export type Open311Requests = ReturnType<typeof createOpen311Requests>;
