import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { auditContextFor } from '../../platform/audit/audit.ts';
import { can } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { idempotencyCaller, idempotencyKeyFrom } from '../../platform/idempotency/idempotency.ts';
import { loadPanels, type PagePanel } from '../../platform/views/panels.ts';
import { partiesEditRoutes } from './parties.edit.routes.ts';
import { formatNhsNumber, formatPartialDate, formatPhone } from './parties.normalise.ts';
import type { PartySummary } from './parties.repository.ts';
import {
  AddressBody,
  AlertBody,
  ContactPointBody,
  IdentifierBody,
  MergeBody,
  PartyBody,
  PartyIdParams,
  RelationshipBody,
  SearchQuery,
  ViewQuery,
} from './parties.schemas.ts';
import type { PartySearchResult } from './parties.search.ts';
import {
  ALERT_KINDS,
  MERGEABLE_FIELDS,
  type MergeableField,
  type PartiesService,
  RELATIONSHIP_TYPES,
  type SingleView,
} from './parties.service.ts';
import { IDENTIFIER_LABELS, type PartyInput, validateParty } from './parties.validate.ts';

/** What a panel on the party page is about. */
export interface PartyPanelSubject {
  readonly councilId: string;
  readonly partyId: string;
}

export interface PartiesRouteOptions {
  service: PartiesService;
  /** Sections other modules add to the single view (requests, the contact timeline). */
  panels?: readonly PagePanel<PartyPanelSubject>[];
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

const context = (request: FastifyRequest) => auditContextFor(principalOf(request), request);

/** The request's `Idempotency-Key`, scoped to its sender; undefined when none was sent. */
function idempotencyOf(request: FastifyRequest) {
  const key = idempotencyKeyFrom(request.headers);
  return key === undefined ? undefined : { key, caller: idempotencyCaller(principalOf(request)) };
}

function summaryJson(p: PartySummary) {
  return {
    id: p.id,
    reference: p.reference,
    kind: p.kind,
    displayName: p.displayName,
    dateOfBirth:
      p.dateOfBirth && p.birthDatePrecision ? partialDateString(p.dateOfBirth, p.birthDatePrecision) : null,
    address: p.address,
    postcode: p.postcode,
  };
}

function partialDateString(date: string, precision: 'day' | 'month' | 'year'): string {
  return precision === 'day' ? date : precision === 'month' ? date.slice(0, 7) : date.slice(0, 4);
}

function resultJson(r: PartySearchResult) {
  return { ...summaryJson(r.party), score: r.score, reasons: r.reasons };
}

function singleViewJson(view: SingleView) {
  const p = view.party;
  return {
    id: p.id,
    reference: p.reference,
    kind: p.kind,
    status: p.status,
    mergedInto: p.mergedInto,
    displayName: p.displayName,
    title: p.title,
    givenNames: p.givenNames,
    familyName: p.familyName,
    suffix: p.suffix,
    preferredName: p.preferredName,
    organisationName: p.organisationName,
    organisationType: p.organisationType,
    dateOfBirth:
      p.dateOfBirth && p.birthDatePrecision ? partialDateString(p.dateOfBirth, p.birthDatePrecision) : null,
    dateOfDeath: p.dateOfDeath,
    communication: {
      preferredChannel: p.preferredChannel,
      language: p.language,
      languageOther: p.languageOther,
      largePrint: p.largePrint,
      bsl: p.bsl,
      interpreter: p.interpreter,
    },
    names: view.names,
    identifiers: view.identifiers.map((i) => ({
      id: i.id,
      scheme: i.scheme,
      system: i.system,
      value: i.value,
    })),
    contactPoints: view.contactPoints,
    addresses: view.addresses,
    relationships: view.relationships.map((r) => ({
      id: r.id,
      type: r.type,
      label: r.label,
      direction: r.outgoing ? 'from' : 'to',
      party: r.other,
      validFrom: r.validFrom,
      validTo: r.validTo,
    })),
    alerts: view.alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      reason: a.reason,
      reviewOn: a.reviewOn,
      reviewDue: a.reviewOn <= new Date().toISOString().slice(0, 10),
    })),
    merges: view.merges.map((m) => ({
      id: m.id,
      survivorId: m.survivorId,
      mergedId: m.mergedId,
      mergedAt: m.mergedAt.toISOString(),
      undone: m.unmergedAt !== null,
    })),
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Staff pages

/** The staff form's flat fields, mapped onto the same input the API takes. */
type FormBody = Record<string, string | string[] | undefined>;

const field = (body: FormBody, name: string): string => {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
};

function formToInput(body: FormBody): PartyInput {
  const kind = field(body, 'kind') || 'person';
  const day = field(body, 'dateOfBirth-day');
  const month = field(body, 'dateOfBirth-month');
  const year = field(body, 'dateOfBirth-year');
  let dateOfBirth = '';
  if (year && month && day) dateOfBirth = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  else if (year && month && !day) dateOfBirth = `${year}-${month.padStart(2, '0')}`;
  else if (year && !month && !day) dateOfBirth = year;
  else if (day || month || year) dateOfBirth = `${year || '?'}-${month || '?'}-${day || '?'}`;
  const input: PartyInput = { kind };
  if (kind === 'person') {
    Object.assign(input, {
      title: field(body, 'title'),
      givenNames: field(body, 'givenNames'),
      familyName: field(body, 'familyName'),
      preferredName: field(body, 'preferredName'),
      dateOfBirth,
      niNumber: field(body, 'niNumber'),
    });
  } else if (kind === 'organisation') {
    Object.assign(input, {
      organisationName: field(body, 'organisationName'),
      organisationType: field(body, 'organisationType') || undefined,
    });
  } else {
    input.name = field(body, 'name');
  }
  const addressText = field(body, 'address-text');
  const postcode = field(body, 'address-postcode');
  if (addressText || postcode) input.address = { text: addressText, postcode };
  input.phone = field(body, 'phone');
  input.email = field(body, 'email');
  input.communication = {
    preferredChannel: field(body, 'preferredChannel'),
    language: field(body, 'language') || 'en',
    languageOther: field(body, 'languageOther'),
    largePrint: [body.needs].flat().includes('largePrint'),
    bsl: [body.needs].flat().includes('bsl'),
    interpreter: [body.needs].flat().includes('interpreter'),
  };
  return input;
}

/** GOV.UK error summary links go to the first input of the field. */
function errorHref(fieldName: string): string {
  if (fieldName === 'dateOfBirth') return '#dateOfBirth-day';
  if (fieldName === 'phone' || fieldName === 'email' || fieldName === 'niNumber') return `#${fieldName}`;
  return `#${fieldName.replace(/\./g, '-').replace('communication-', '')}`;
}

function errorLocals(errors: readonly FieldError[]) {
  const fieldErrors: Record<string, string> = {};
  for (const e of errors) {
    const key = errorHref(e.field).slice(1).replace(/-day$/, '');
    fieldErrors[key] ??= e.message;
  }
  return { errors: errors.map((e) => ({ text: e.message, href: errorHref(e.field) })), fieldErrors };
}

function dobText(p: {
  dateOfBirth: string | null;
  birthDatePrecision: 'day' | 'month' | 'year' | null;
}): string {
  return p.dateOfBirth && p.birthDatePrecision ? formatPartialDate(p.dateOfBirth, p.birthDatePrecision) : '';
}

/** How many people the staff search page shows: the best matches, with a note when there are more. */
const SEARCH_PAGE = 20;

/** The address with its postcode, once: many address texts already end with it. */
function addressWithPostcode(address: string | null, postcode: string | null): string {
  const text = (address ?? '').trim();
  if (!postcode) return text;
  const squash = (s: string) => s.replace(/\s+/g, '').toUpperCase();
  if (squash(text).endsWith(squash(postcode))) return text;
  return text ? `${text}, ${postcode}` : postcode;
}

function resultLocals(r: PartySearchResult) {
  return {
    ...r.party,
    dob: dobText(r.party),
    fullAddress: addressWithPostcode(r.party.address, r.party.postcode),
    score: r.score,
    reasons: r.reasons,
  };
}

/** The banner after a change made on one of the edit pages. */
const CHANGED_MESSAGES: Record<string, string> = {
  details: 'Details changed',
  'address-added': 'Address added',
  'address-ended': 'Address ended',
  'contact-added': 'Contact detail added',
  'contact-verify': 'Contact detail marked as verified',
  'contact-do-not-contact': 'Contact detail marked do not contact',
  'contact-allow-contact': 'Contact detail may be used again',
  'contact-prefer': 'Contact detail made preferred',
  'contact-remove': 'Contact detail removed',
  'relationship-added': 'Relationship added',
  'relationship-ended': 'Relationship ended',
  'identifier-added': 'Identifier added',
  'identifier-removed': 'Identifier removed',
  'alert-added': 'Alert added',
  'alert-ended': 'Alert ended',
  'alert-reviewed': 'Alert reviewed',
};

const MERGE_LABELS: Record<MergeableField, string> = {
  title: 'Title',
  givenNames: 'Given names',
  familyName: 'Family name',
  suffix: 'Suffix',
  preferredName: 'Preferred name',
  dateOfBirth: 'Date of birth',
  dateOfDeath: 'Date of death',
  preferredChannel: 'Preferred channel',
  language: 'Language',
};

export async function partiesRoutes(app: FastifyInstance, options: PartiesRouteOptions): Promise<void> {
  const { service } = options;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const api = { tags: ['parties'], security: [{ bearerAuth: [] }] };

  // --- REST API --------------------------------------------------------------------------------

  typed.post(
    '/api/v1/parties',
    {
      config: { permission: 'parties.write' },
      schema: { ...api, summary: 'Create a person, organisation or household', body: PartyBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await service.createParty(principal.councilId, request.body, context(request), {
        idempotency: idempotencyOf(request),
      });
      return reply
        .code(201)
        .header('location', `/api/v1/parties/${created.id}`)
        .send({ id: created.id, reference: created.reference });
    },
  );

  typed.get(
    '/api/v1/parties',
    {
      config: { permission: 'parties.read' },
      schema: { ...api, summary: 'Search for parties, best match first', querystring: SearchQuery },
    },
    async (request) => {
      const principal = principalOf(request);
      const results = await service.search(
        principal.councilId,
        request.query.q ?? '',
        request.query.limit ?? 20,
      );
      return { results: results.map(resultJson) };
    },
  );

  typed.get(
    '/api/v1/parties/:id',
    {
      config: { permission: 'parties.read' },
      schema: {
        ...api,
        summary: 'The single view of a party (the read is audited)',
        params: PartyIdParams,
        querystring: ViewQuery,
      },
    },
    async (request) => {
      const view = await service.singleView(
        principalOf(request),
        request.params.id,
        context(request),
        request.query.purpose,
      );
      return singleViewJson(view);
    },
  );

  typed.patch(
    '/api/v1/parties/:id',
    {
      config: { permission: 'parties.write' },
      schema: {
        ...api,
        summary: 'Change a party; fields not sent stay as they are',
        params: PartyIdParams,
        body: PartyBody,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const ifMatch = request.headers['if-match'];
      const version =
        typeof ifMatch === 'string' && /^"?\d+"?$/.test(ifMatch)
          ? Number(ifMatch.replaceAll('"', ''))
          : undefined;
      const party = await service.updateParty(
        principal.councilId,
        request.params.id,
        request.body,
        context(request),
        version,
      );
      return {
        id: party.id,
        reference: party.reference,
        displayName: party.displayName,
        version: party.version,
      };
    },
  );

  typed.post(
    '/api/v1/parties/:id/identifiers',
    {
      config: { permission: 'parties.write' },
      schema: { ...api, summary: 'Add an identifier', params: PartyIdParams, body: IdentifierBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = await service.addIdentifier(
        principal.councilId,
        request.params.id,
        request.body,
        context(request),
        { idempotency: idempotencyOf(request) },
      );
      return reply.code(201).send({ id });
    },
  );

  typed.get(
    '/api/v1/parties/:id/identifiers',
    {
      config: { permission: 'parties.read' },
      schema: { ...api, summary: 'A party’s identifiers', params: PartyIdParams },
    },
    async (request) => {
      const view = await service.singleView(
        principalOf(request),
        request.params.id,
        context(request),
        'identifiers',
      );
      return { identifiers: singleViewJson(view).identifiers };
    },
  );

  typed.post(
    '/api/v1/parties/:id/contact-points',
    {
      config: { permission: 'parties.write' },
      schema: {
        ...api,
        summary: 'Add a phone number or email address',
        params: PartyIdParams,
        body: ContactPointBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await service.addContactPoint(principal.councilId, request.params.id, request.body, context(request), {
        idempotency: idempotencyOf(request),
      });
      return reply.code(201).send({ ok: true });
    },
  );

  typed.post(
    '/api/v1/parties/:id/addresses',
    {
      config: { permission: 'parties.write' },
      schema: { ...api, summary: 'Add an address', params: PartyIdParams, body: AddressBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await service.addAddress(principal.councilId, request.params.id, request.body, context(request), {
        idempotency: idempotencyOf(request),
      });
      return reply.code(201).send({ ok: true });
    },
  );

  typed.get(
    '/api/v1/parties/:id/relationships',
    {
      config: { permission: 'parties.read' },
      schema: { ...api, summary: 'A party’s relationships, read from its side', params: PartyIdParams },
    },
    async (request) => {
      const view = await service.singleView(
        principalOf(request),
        request.params.id,
        context(request),
        'relationships',
      );
      return { relationships: singleViewJson(view).relationships };
    },
  );

  typed.post(
    '/api/v1/parties/:id/relationships',
    {
      config: { permission: 'parties.write' },
      schema: {
        ...api,
        summary: `Relate this party to another (types: ${Object.keys(RELATIONSHIP_TYPES).join(', ')})`,
        params: PartyIdParams,
        body: RelationshipBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = await service.addRelationship(
        principal.councilId,
        { ...request.body, fromPartyId: request.params.id },
        context(request),
        { idempotency: idempotencyOf(request) },
      );
      return reply.code(201).send({ id });
    },
  );

  typed.post(
    '/api/v1/parties/:id/alerts',
    {
      config: { permission: 'parties.alerts' },
      schema: { ...api, summary: 'Raise a staff alert on a party', params: PartyIdParams, body: AlertBody },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = await service.addAlert(
        principal.councilId,
        request.params.id,
        request.body,
        context(request),
        { idempotency: idempotencyOf(request) },
      );
      return reply.code(201).send({ id });
    },
  );

  const AlertParams = Type.Object({
    id: Type.String({ maxLength: 40 }),
    alertId: Type.String({ maxLength: 40 }),
  });

  typed.post(
    '/api/v1/parties/:id/alerts/:alertId/end',
    {
      config: { permission: 'parties.alerts' },
      schema: {
        ...api,
        summary: 'End a staff alert, saying why',
        params: AlertParams,
        body: Type.Object({ reason: Type.String({ maxLength: 500 }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      await service.endAlert(
        principal.councilId,
        request.params.id,
        request.params.alertId,
        request.body,
        context(request),
      );
      return { id: request.params.alertId, ended: true };
    },
  );

  typed.post(
    '/api/v1/parties/:id/alerts/:alertId/review',
    {
      config: { permission: 'parties.alerts' },
      schema: {
        ...api,
        summary: 'Record that an alert was reviewed and is still needed, with its next review date',
        params: AlertParams,
        body: Type.Object({ nextReviewOn: Type.String({ maxLength: 10 }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { reviewOn } = await service.reviewAlert(
        principal.councilId,
        request.params.id,
        request.params.alertId,
        request.body,
        context(request),
      );
      return { id: request.params.alertId, reviewOn };
    },
  );

  typed.get(
    '/api/v1/party-alerts/due',
    {
      config: { permission: 'parties.alerts.review' },
      schema: {
        ...api,
        summary: 'Alerts in force whose review date has come, oldest first',
        querystring: Type.Object({}),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const due = await service.alertsDueForReview(principal.councilId);
      return {
        alerts: due.map((a) => ({
          id: a.id,
          partyId: a.partyId,
          partyReference: a.partyReference,
          kind: a.kind,
          reviewOn: a.reviewOn,
        })),
      };
    },
  );

  typed.post(
    '/api/v1/parties/:id/merge',
    {
      config: { permission: 'parties.merge' },
      schema: {
        ...api,
        summary: 'Merge another record into this one, choosing field by field',
        params: PartyIdParams,
        body: MergeBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const choices = mergeChoices(request.body.choices ?? {});
      const mergeId = await service.merge(
        principal.councilId,
        request.params.id,
        request.body.mergedId,
        choices,
        context(request),
      );
      return reply.code(201).send({ mergeId });
    },
  );

  typed.post(
    '/api/v1/party-merges/:id/undo',
    {
      config: { permission: 'parties.merge' },
      schema: { ...api, summary: 'Undo a merge', params: PartyIdParams },
    },
    async (request) => {
      const principal = principalOf(request);
      return service.unmerge(principal.councilId, request.params.id, context(request));
    },
  );

  // --- Staff pages -----------------------------------------------------------------------------

  await partiesEditRoutes(app, { service });

  typed.get(
    '/staff/parties',
    { config: { permission: 'parties.read' }, schema: { querystring: SearchQuery } },
    async (request, reply) => {
      const principal = principalOf(request);
      const q = (request.query.q ?? '').trim();
      // One more than is shown, to know whether there are more than the best SEARCH_PAGE.
      const found = q ? await service.search(principal.councilId, q, SEARCH_PAGE + 1) : [];
      return reply.view('parties/views/search.njk', {
        q,
        results: found.slice(0, SEARCH_PAGE).map(resultLocals),
        more: found.length > SEARCH_PAGE,
        canCreate: can(principal.role, 'parties.write'),
      });
    },
  );

  typed.get('/staff/parties/new', { config: { permission: 'parties.write' } }, async (request, reply) => {
    const kind = String((request.query as Record<string, unknown>).kind ?? 'person');
    return reply.view('parties/views/form.njk', {
      mode: 'new',
      values: {
        kind: ['person', 'organisation', 'household'].includes(kind) ? kind : 'person',
        language: 'en',
      },
    });
  });

  typed.post('/staff/parties/new', { config: { permission: 'parties.write' } }, async (request, reply) => {
    const principal = principalOf(request);
    const body = (request.body ?? {}) as FormBody;
    const input = formToInput(body);
    const values = { ...body, kind: input.kind };
    // First submission: check for people we already know before creating another record.
    if (field(body, 'confirmedNew') !== 'yes') {
      const { errors } = validateParty(input);
      if (errors.length > 0)
        return reply
          .code(400)
          .view('parties/views/form.njk', { mode: 'new', values, ...errorLocals(errors) });
      const duplicates = await service.possibleDuplicates(principal.councilId, input);
      if (duplicates.length > 0)
        return reply.view('parties/views/form.njk', {
          mode: 'new',
          values,
          duplicates: duplicates.map(resultLocals),
        });
    }
    try {
      const created = await service.createParty(principal.councilId, input, context(request));
      return reply.redirect(`/staff/parties/${created.id}?created=1`, 303);
    } catch (error) {
      if (error instanceof DomainError && error.fieldErrors.length > 0)
        return reply
          .code(400)
          .view('parties/views/form.njk', { mode: 'new', values, ...errorLocals(error.fieldErrors) });
      throw error;
    }
  });

  typed.get(
    '/staff/parties/:id',
    { config: { permission: 'parties.read' }, schema: { params: PartyIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.singleView(
        principal,
        request.params.id,
        context(request),
        'staff single view',
      );
      const query = request.query as Record<string, string | undefined>;
      const panels = await loadPanels(options.panels ?? [], principal, {
        councilId: principal.councilId,
        partyId: view.party.id,
      });
      return reply.view('parties/views/party.njk', {
        view,
        panels,
        dob: dobText(view.party),
        phones: view.contactPoints
          .filter((c) => c.kind === 'phone')
          .map((c) => ({ ...c, display: formatPhone(c.value) })),
        emails: view.contactPoints.filter((c) => c.kind === 'email'),
        identifiers: view.identifiers.map((i) => ({
          ...i,
          label: i.scheme === 'source' ? `${i.system} key` : IDENTIFIER_LABELS[i.scheme],
          display: i.scheme === 'nhs_number' ? formatNhsNumber(i.value) : i.value,
        })),
        alertKinds: ALERT_KINDS,
        previousNames: view.names.filter((n) => n.use === 'previous'),
        activeMerges: view.merges.filter((m) => m.unmergedAt === null && m.survivorId === view.party.id),
        created: query.created === '1',
        changed: CHANGED_MESSAGES[query.changed ?? ''] ?? null,
        today: new Date().toISOString().slice(0, 10),
        version: view.party.version,
        canAlert: can(principal.role, 'parties.alerts') && view.party.status === 'active',
        merged: query.merged === '1',
        unmerged: query.unmerged === '1',
        canEdit: can(principal.role, 'parties.write') && view.party.status === 'active',
        canMerge: can(principal.role, 'parties.merge') && view.party.status === 'active',
      });
    },
  );

  typed.get(
    '/staff/parties/:id/merge',
    { config: { permission: 'parties.merge' }, schema: { params: PartyIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const survivor = await service.getParty(principal.councilId, request.params.id);
      const query = request.query as Record<string, string | undefined>;
      const q = (query.q ?? '').trim();
      const withId = query.with ?? '';
      if (withId) {
        const other = await service.getParty(principal.councilId, withId);
        return reply.view('parties/views/merge.njk', mergeLocals(survivor, other));
      }
      const candidates = q
        ? (await service.search(principal.councilId, q, 10))
            .filter((r) => r.party.id !== survivor.id)
            .map(resultLocals)
        : (await service.search(principal.councilId, survivor.displayName, 10))
            .filter((r) => r.party.id !== survivor.id && r.party.kind === survivor.kind)
            .map(resultLocals);
      return reply.view('parties/views/merge.njk', { survivor, candidates, q });
    },
  );

  typed.post(
    '/staff/parties/:id/merge',
    { config: { permission: 'parties.merge' }, schema: { params: PartyIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const mergedId = field(body, 'mergedId');
      const choices = mergeChoices(
        Object.fromEntries(MERGEABLE_FIELDS.map((f) => [f, field(body, `choice-${f}`)])),
      );
      await service.merge(principal.councilId, request.params.id, mergedId, choices, context(request));
      return reply.redirect(`/staff/parties/${request.params.id}?merged=1`, 303);
    },
  );

  typed.post(
    '/staff/parties/merges/:id/undo',
    { config: { permission: 'parties.merge' }, schema: { params: PartyIdParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const result = await service.unmerge(principal.councilId, request.params.id, context(request));
      return reply.redirect(`/staff/parties/${result.survivorId}?unmerged=1`, 303);
    },
  );
}

function mergeChoices(raw: Record<string, string>): Partial<Record<MergeableField, 'survivor' | 'merged'>> {
  const choices: Partial<Record<MergeableField, 'survivor' | 'merged'>> = {};
  for (const f of MERGEABLE_FIELDS) if (raw[f] === 'merged' || raw[f] === 'survivor') choices[f] = raw[f];
  return choices;
}

function mergeLocals(
  survivor: Awaited<ReturnType<PartiesService['getParty']>>,
  other: Awaited<ReturnType<PartiesService['getParty']>>,
) {
  const show = (p: typeof survivor, f: MergeableField): string => {
    if (f === 'dateOfBirth') return dobText(p);
    const value = p[f];
    return value === null || value === undefined ? '' : String(value);
  };
  return {
    survivor,
    other,
    rows: MERGEABLE_FIELDS.map((f) => ({
      field: f,
      label: MERGE_LABELS[f],
      survivor: show(survivor, f),
      other: show(other, f),
      differs: show(survivor, f) !== show(other, f),
    })),
  };
}
