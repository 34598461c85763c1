import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import { can } from '../../platform/auth/permissions.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { PartyChangedMeanwhile, PartyDetailNotFound } from './parties.errors.ts';
import { formatNhsNumber, formatPartialDate, formatPhone } from './parties.normalise.ts';
import type { ContactPointChange, PartyRecord } from './parties.repository.ts';
import { ALERT_KINDS, type PartiesService, RELATIONSHIP_TYPES } from './parties.service.ts';
import { IDENTIFIER_LABELS, type PartyInput } from './parties.validate.ts';

/**
 * Staff pages that change a party: its names, dates and communication needs; its addresses, contact
 * details, relationships, identifiers and alerts. Every form carries the party's version, so a change
 * made meanwhile by someone else is refused rather than overwritten. Every change is audited by the
 * service, with the same validation as the API.
 */

type FormBody = Record<string, string | string[] | undefined>;

const field = (body: FormBody, name: string): string => {
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
};

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

const context = (request: FastifyRequest) => auditContextFor(principalOf(request), request);

/** The day, month and year boxes of a GOV.UK date input as YYYY-MM-DD (or a partial date). */
export function dateFromParts(body: FormBody, prefix: string, allowPartial = false): string {
  const day = field(body, `${prefix}-day`);
  const month = field(body, `${prefix}-month`);
  const year = field(body, `${prefix}-year`);
  if (!day && !month && !year) return '';
  if (allowPartial && year && !month && !day) return year;
  if (allowPartial && year && month && !day) return `${year}-${month.padStart(2, '0')}`;
  return `${year || '?'}-${(month || '?').padStart(2, '0')}-${(day || '?').padStart(2, '0')}`;
}

function dateParts(date: string | null, precision: 'day' | 'month' | 'year' | null = 'day') {
  if (!date) return {};
  const [year, month, day] = date.split('-');
  return {
    year,
    month: precision === 'year' ? '' : String(Number(month)),
    day: precision === 'day' ? String(Number(day)) : '',
  };
}

const ERROR_TARGETS: Record<string, string> = {
  givenName: 'givenNames',
  name: 'organisationName',
  dateOfBirth: 'dateOfBirth-day',
  dateOfDeath: 'dateOfDeath-day',
  'communication.preferredChannel': 'preferredChannel',
  'communication.language': 'language',
  'communication.languageOther': 'languageOther',
  validFrom: 'validFrom-day',
  validTo: 'validTo-day',
  reviewOn: 'reviewOn-day',
  nextReviewOn: 'nextReviewOn-day',
  toPartyId: 'other',
  fromPartyId: 'other',
  scheme: 'scheme',
  value: 'value',
  uprn: 'address-text',
  text: 'address-text',
  version: 'main-content',
};

/** The error summary's links and each field's message, keyed by the input's id. */
function errorLocals(errors: readonly FieldError[]) {
  const fieldErrors: Record<string, string> = {};
  const list = errors.map((e) => {
    const target = ERROR_TARGETS[e.field] ?? e.field.replace(/\./g, '-');
    fieldErrors[target.replace(/-day$/, '')] ??= e.message;
    return { text: e.message, href: `#${target}` };
  });
  return { errors: list, fieldErrors };
}

function versionOf(body: FormBody): number | undefined {
  const v = field(body, 'version');
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

const STALE_ERROR: FieldError = {
  field: 'version',
  message:
    'Someone else changed this record while you were editing it. Check the record and make your change again.',
};

/** A party's display name with its reference, for page captions. */
function caption(p: PartyRecord): string {
  return `${p.displayName} (${p.reference})`;
}

export async function partiesEditRoutes(
  app: FastifyInstance,
  options: { service: PartiesService },
): Promise<void> {
  const { service } = options;
  const partyParams = { params: { type: 'object', properties: { id: { type: 'string', maxLength: 40 } } } };
  const itemParams = {
    params: {
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 40 },
        itemId: { type: 'string', maxLength: 40 },
      },
    },
  };

  /** Renders a change form; `form` is which one. */
  const render = (
    reply: FastifyReply,
    party: PartyRecord,
    form: string,
    locals: Record<string, unknown>,
    status = 200,
  ) =>
    reply.code(status).view('parties/views/change.njk', {
      party,
      form,
      caption: caption(party),
      version: party.version,
      alertKinds: ALERT_KINDS,
      relationshipTypes: Object.entries(RELATIONSHIP_TYPES).map(([value, t]) => ({
        value,
        label: t.label,
        inverse: t.inverse,
      })),
      identifierLabels: IDENTIFIER_LABELS,
      values: {},
      ...locals,
    });

  /**
   * Runs a change from a form: on success, back to the record with a banner; on bad input or a stale
   * form, the form again with the error summary.
   */
  const change = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    values: Record<string, unknown>,
    work: () => Promise<unknown>,
    done: string,
  ) => {
    const partyId = (request.params as { id: string }).id;
    try {
      await work();
      return reply.redirect(`/staff/parties/${partyId}?changed=${encodeURIComponent(done)}`, 303);
    } catch (error) {
      if (
        error instanceof PartyChangedMeanwhile ||
        (error instanceof DomainError && error.fieldErrors.length)
      ) {
        const party = await service.getParty(principalOf(request).councilId, partyId);
        const errors = error instanceof PartyChangedMeanwhile ? [STALE_ERROR] : error.fieldErrors;
        return render(
          reply,
          party,
          form,
          { values, ...errorLocals(errors) },
          error.status === 409 ? 409 : 400,
        );
      }
      throw error;
    }
  };

  // --- Names, dates and communication needs -----------------------------------------------------

  app.get(
    '/staff/parties/:id/edit',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const p = await service.getParty(principal.councilId, (request.params as { id: string }).id);
      const dob = dateParts(p.dateOfBirth, p.birthDatePrecision);
      const dod = dateParts(p.dateOfDeath);
      return render(reply, p, 'details', {
        values: {
          title: p.title,
          givenNames: p.givenNames,
          familyName: p.familyName,
          suffix: p.suffix,
          preferredName: p.preferredName,
          organisationName: p.organisationName,
          organisationType: p.organisationType,
          'dateOfBirth-day': dob.day,
          'dateOfBirth-month': dob.month,
          'dateOfBirth-year': dob.year,
          'dateOfDeath-day': dod.day,
          'dateOfDeath-month': dod.month,
          'dateOfDeath-year': dod.year,
          preferredChannel: p.preferredChannel ?? '',
          language: p.language,
          languageOther: p.languageOther,
          needs: [p.largePrint && 'largePrint', p.bsl && 'bsl', p.interpreter && 'interpreter'].filter(
            Boolean,
          ),
        },
      });
    },
  );

  app.post(
    '/staff/parties/:id/edit',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      const existing = await service.getParty(principal.councilId, id);
      const needs = [body.needs].flat().filter(Boolean);
      const input: PartyInput = {
        communication: {
          preferredChannel: field(body, 'preferredChannel'),
          language: field(body, 'language') || 'en',
          languageOther: field(body, 'languageOther'),
          largePrint: needs.includes('largePrint'),
          bsl: needs.includes('bsl'),
          interpreter: needs.includes('interpreter'),
        },
      };
      if (existing.kind === 'person') {
        Object.assign(input, {
          title: field(body, 'title'),
          givenNames: field(body, 'givenNames'),
          familyName: field(body, 'familyName'),
          suffix: field(body, 'suffix'),
          preferredName: field(body, 'preferredName'),
          dateOfBirth: dateFromParts(body, 'dateOfBirth', true),
          dateOfDeath: dateFromParts(body, 'dateOfDeath'),
        });
      } else if (existing.kind === 'organisation') {
        Object.assign(input, {
          organisationName: field(body, 'organisationName'),
          organisationType: field(body, 'organisationType') || undefined,
        });
      } else input.name = field(body, 'organisationName');
      return change(
        request,
        reply,
        'details',
        { ...body, needs },
        () => service.updateParty(principal.councilId, id, input, context(request), versionOf(body) ?? -1),
        'details',
      );
    },
  );

  // --- Addresses -------------------------------------------------------------------------------

  app.get(
    '/staff/parties/:id/addresses/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const p = await service.getParty(principalOf(request).councilId, (request.params as { id: string }).id);
      return render(reply, p, 'address', { values: { role: 'home' } });
    },
  );

  app.post(
    '/staff/parties/:id/addresses/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      const text = field(body, 'address-text');
      // An address chosen from the gazetteer ends with its postcode; take it when none was typed.
      const postcode =
        field(body, 'postcode') || (/[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i.exec(text)?.[0] ?? '');
      return change(
        request,
        reply,
        'address',
        body,
        () =>
          service.addAddress(
            principal.councilId,
            id,
            {
              text,
              postcode,
              role: field(body, 'role') || 'home',
              uprn: field(body, 'uprn') || undefined,
              validFrom: dateFromParts(body, 'validFrom') || undefined,
            },
            context(request),
            { expectedVersion: versionOf(body) ?? -1 },
          ),
        'address-added',
      );
    },
  );

  app.post(
    '/staff/parties/:id/addresses/:itemId/end',
    { config: { permission: 'parties.write' }, schema: itemParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const body = (request.body ?? {}) as FormBody;
      return change(
        request,
        reply,
        'stale',
        {},
        () =>
          service.endAddress(principal.councilId, id, itemId, undefined, context(request), {
            expectedVersion: versionOf(body) ?? -1,
          }),
        'address-ended',
      );
    },
  );

  // --- Contact details -------------------------------------------------------------------------

  app.get(
    '/staff/parties/:id/contact-points/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const p = await service.getParty(principalOf(request).councilId, (request.params as { id: string }).id);
      return render(reply, p, 'contact', { values: { kind: 'phone' } });
    },
  );

  app.post(
    '/staff/parties/:id/contact-points/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      const flags = [body.flags].flat();
      return change(
        request,
        reply,
        'contact',
        { ...body, flags },
        () =>
          service.addContactPoint(
            principal.councilId,
            id,
            {
              kind: field(body, 'kind'),
              value: field(body, 'value'),
              label: field(body, 'label'),
              preferred: flags.includes('preferred'),
              verified: flags.includes('verified'),
              doNotContact: flags.includes('doNotContact'),
            },
            context(request),
            { expectedVersion: versionOf(body) ?? -1 },
          ),
        'contact-added',
      );
    },
  );

  const CONTACT_CHANGES: Record<string, ContactPointChange> = {
    verify: 'verify',
    'do-not-contact': 'do_not_contact',
    'allow-contact': 'allow_contact',
    prefer: 'prefer',
    remove: 'remove',
  };

  /**
   * Removing a contact detail or an identifier cannot be undone from the record, so the record's
   * Remove links come here first: a GOV.UK confirmation page naming what goes and from whom. Reading
   * the record for it is audited like any other view.
   */
  const confirmRemoval = async (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'contact' | 'identifier',
  ) => {
    const principal = principalOf(request);
    const { id, itemId } = request.params as { id: string; itemId: string };
    const view = await service.singleView(principal, id, context(request), 'confirm a removal');
    let what: { kind: string; text: string; consequence: string } | null = null;
    if (kind === 'contact') {
      const c = view.contactPoints.find((c) => c.id === itemId);
      if (c)
        what =
          c.kind === 'phone'
            ? {
                kind: 'phone number',
                text: formatPhone(c.value),
                consequence: 'We will no longer have this phone number to contact them on.',
              }
            : {
                kind: 'email address',
                text: c.value,
                consequence: 'We will no longer have this email address to contact them at.',
              };
    } else {
      const i = view.identifiers.find((i) => i.id === itemId);
      if (i) {
        const label = i.scheme === 'source' ? `${i.system} key` : (IDENTIFIER_LABELS[i.scheme] ?? i.scheme);
        what = {
          kind: 'identifier',
          text: `the ${label} ${i.scheme === 'nhs_number' ? formatNhsNumber(i.value) : i.value}`,
          consequence: 'Searches by this identifier will no longer find the record.',
        };
      }
    }
    if (!what) throw new PartyDetailNotFound(kind === 'contact' ? 'The contact detail' : 'The identifier');
    return reply.view('parties/views/remove.njk', {
      party: view.party,
      what,
      version: view.party.version,
      action: `/staff/parties/${view.party.id}/${kind === 'contact' ? 'contact-points' : 'identifiers'}/${itemId}/remove`,
    });
  };

  app.get(
    '/staff/parties/:id/contact-points/:itemId/remove',
    { config: { permission: 'parties.write' }, schema: itemParams },
    async (request, reply) => confirmRemoval(request, reply, 'contact'),
  );

  app.get(
    '/staff/parties/:id/identifiers/:itemId/remove',
    { config: { permission: 'parties.write' }, schema: itemParams },
    async (request, reply) => confirmRemoval(request, reply, 'identifier'),
  );

  app.post(
    '/staff/parties/:id/contact-points/:itemId/:change',
    {
      config: { permission: 'parties.write' },
      schema: {
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', maxLength: 40 },
            itemId: { type: 'string', maxLength: 40 },
            change: { type: 'string', enum: Object.keys(CONTACT_CHANGES) },
          },
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const params = request.params as { id: string; itemId: string; change: string };
      const body = (request.body ?? {}) as FormBody;
      const what = CONTACT_CHANGES[params.change] as ContactPointChange;
      return change(
        request,
        reply,
        'stale',
        {},
        () =>
          service.changeContactPoint(principal.councilId, params.id, params.itemId, what, context(request), {
            expectedVersion: versionOf(body) ?? -1,
          }),
        `contact-${params.change}`,
      );
    },
  );

  // --- Relationships ---------------------------------------------------------------------------

  app.get(
    '/staff/parties/:id/relationships/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const p = await service.getParty(principal.councilId, (request.params as { id: string }).id);
      const q = field(request.query as FormBody, 'q');
      const candidates = q
        ? (await service.search(principal.councilId, q, 10)).filter((r) => r.party.id !== p.id)
        : [];
      return render(reply, p, 'relationship', {
        q,
        searched: q !== '',
        candidates: candidates.map((r) => ({ ...r.party, reasons: r.reasons })),
        values: {},
      });
    },
  );

  app.post(
    '/staff/parties/:id/relationships/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      // "type:from" reads "this party is <label> the other"; "type:to" the other way round.
      const [type = '', direction = 'from'] = field(body, 'type').split(':');
      const other = field(body, 'other');
      const from = direction === 'to' ? other : id;
      const to = direction === 'to' ? id : other;
      return change(
        request,
        reply,
        'relationship',
        body,
        () =>
          service.addRelationship(
            principal.councilId,
            {
              type,
              fromPartyId: from,
              toPartyId: to,
              validFrom: dateFromParts(body, 'validFrom') || undefined,
            },
            context(request),
            // The version guards the party whose page this is, whichever end of the relationship it is.
            direction === 'to' ? {} : { expectedVersion: versionOf(body) ?? -1 },
          ),
        'relationship-added',
      );
    },
  );

  app.post(
    '/staff/parties/:id/relationships/:itemId/end',
    { config: { permission: 'parties.write' }, schema: itemParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const body = (request.body ?? {}) as FormBody;
      return change(
        request,
        reply,
        'stale',
        {},
        () =>
          service.endRelationship(principal.councilId, id, itemId, undefined, context(request), {
            expectedVersion: versionOf(body) ?? -1,
          }),
        'relationship-ended',
      );
    },
  );

  // --- Identifiers -----------------------------------------------------------------------------

  app.get(
    '/staff/parties/:id/identifiers/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const p = await service.getParty(principalOf(request).councilId, (request.params as { id: string }).id);
      return render(reply, p, 'identifier', { values: {} });
    },
  );

  app.post(
    '/staff/parties/:id/identifiers/new',
    { config: { permission: 'parties.write' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      return change(
        request,
        reply,
        'identifier',
        body,
        () =>
          service.addIdentifier(
            principal.councilId,
            id,
            {
              scheme: field(body, 'scheme'),
              value: field(body, 'value'),
              ...(field(body, 'scheme') === 'source' ? { system: field(body, 'system') } : {}),
            },
            context(request),
            { expectedVersion: versionOf(body) ?? -1 },
          ),
        'identifier-added',
      );
    },
  );

  app.post(
    '/staff/parties/:id/identifiers/:itemId/remove',
    { config: { permission: 'parties.write' }, schema: itemParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const body = (request.body ?? {}) as FormBody;
      return change(
        request,
        reply,
        'stale',
        {},
        () =>
          service.removeIdentifier(principal.councilId, id, itemId, context(request), {
            expectedVersion: versionOf(body) ?? -1,
          }),
        'identifier-removed',
      );
    },
  );

  // --- Alerts ----------------------------------------------------------------------------------

  const inAYear = () => {
    const d = new Date();
    d.setUTCFullYear(d.getUTCFullYear() + 1);
    return d.toISOString().slice(0, 10);
  };

  app.get(
    '/staff/parties/:id/alerts/new',
    { config: { permission: 'parties.alerts' }, schema: partyParams },
    async (request, reply) => {
      const p = await service.getParty(principalOf(request).councilId, (request.params as { id: string }).id);
      const review = dateParts(inAYear());
      return render(reply, p, 'alert', {
        values: {
          visibleTo: ['agent', 'officer', 'supervisor'],
          'reviewOn-day': review.day,
          'reviewOn-month': review.month,
          'reviewOn-year': review.year,
        },
      });
    },
  );

  app.post(
    '/staff/parties/:id/alerts/new',
    { config: { permission: 'parties.alerts' }, schema: partyParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = (request.params as { id: string }).id;
      const body = (request.body ?? {}) as FormBody;
      const visibleTo = [body.visibleTo].flat().filter((v): v is string => typeof v === 'string');
      return change(
        request,
        reply,
        'alert',
        { ...body, visibleTo },
        () => {
          if (visibleTo.length === 0)
            throw new DomainError('ValidationFailed', 'There is a problem', 400, [
              { field: 'visibleTo', message: 'Choose which staff roles may see the alert' },
            ]);
          return service.addAlert(
            principal.councilId,
            id,
            {
              kind: field(body, 'kind'),
              reason: field(body, 'reason'),
              reviewOn: dateFromParts(body, 'reviewOn'),
              visibleTo,
            },
            context(request),
            { expectedVersion: versionOf(body) ?? -1 },
          );
        },
        'alert-added',
      );
    },
  );

  const alertPage =
    (form: 'alert-end' | 'alert-review') => async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const p = await service.getParty(principal.councilId, id);
      const alert = await service.getAlert(principal.councilId, id, itemId);
      if (!alert.visibleTo.includes(principal.role) && !can(principal.role, 'parties.alerts.review'))
        throw new DomainError('Forbidden', 'You do not have permission to see this alert', 403);
      const review = dateParts(inAYear());
      return render(reply, p, form, {
        alert,
        values:
          form === 'alert-review'
            ? {
                'nextReviewOn-day': review.day,
                'nextReviewOn-month': review.month,
                'nextReviewOn-year': review.year,
              }
            : {},
      });
    };

  app.get(
    '/staff/parties/:id/alerts/:itemId/end',
    { config: { permission: 'parties.alerts' }, schema: itemParams },
    alertPage('alert-end'),
  );
  app.get(
    '/staff/parties/:id/alerts/:itemId/review',
    { config: { permission: 'parties.alerts' }, schema: itemParams },
    alertPage('alert-review'),
  );

  app.post(
    '/staff/parties/:id/alerts/:itemId/end',
    { config: { permission: 'parties.alerts' }, schema: itemParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const body = (request.body ?? {}) as FormBody;
      const alert = await service.getAlert(principal.councilId, id, itemId);
      return change(
        request,
        reply,
        'alert-end',
        { ...body, alert },
        () =>
          service.endAlert(
            principal.councilId,
            id,
            itemId,
            { reason: field(body, 'reason') },
            context(request),
          ),
        'alert-ended',
      );
    },
  );

  app.post(
    '/staff/parties/:id/alerts/:itemId/review',
    { config: { permission: 'parties.alerts' }, schema: itemParams },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id, itemId } = request.params as { id: string; itemId: string };
      const body = (request.body ?? {}) as FormBody;
      return change(
        request,
        reply,
        'alert-review',
        body,
        () =>
          service.reviewAlert(
            principal.councilId,
            id,
            itemId,
            { nextReviewOn: dateFromParts(body, 'nextReviewOn') },
            context(request),
          ),
        'alert-reviewed',
      );
    },
  );

  app.get(
    '/staff/parties/alerts/due',
    { config: { permission: 'parties.alerts.review' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const due = await service.alertsDueForReview(principal.councilId);
      return reply.view('parties/views/alerts-due.njk', {
        alerts: due.map((a) => ({
          ...a,
          kindLabel: ALERT_KINDS[a.kind as keyof typeof ALERT_KINDS] ?? a.kind,
          reviewText: formatPartialDate(a.reviewOn, 'day'),
        })),
      });
    },
  );
}
