import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ATTACHMENT_MAX_BYTES, type ServiceRequests } from '../../modules/cases/index.ts';
import {
  type Answers,
  type CatalogueService,
  checkAnswersRows,
  type FormPage,
  type Question,
  rawFrom,
  type ServiceDefinition,
  toRawAnswers,
  validatePage,
  visiblePages,
} from '../../modules/catalogue/index.ts';
import type { GazetteerService } from '../../modules/gazetteer/index.ts';
import { allowTiles, mapTiles } from '../../modules/gazetteer/index.ts';
import type { AuditContext } from '../../platform/audit/audit.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import type { Translate } from '../../platform/i18n/i18n.ts';
import { normalisePhone } from '../../platform/validation/phone.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import type { JourneyAccount } from './portal.account.ts';
import {
  allowRequest,
  type Journey,
  newJourneyId,
  openPortalSession,
  type PortalSessionData,
  type PortalSessions,
} from './portal.sessions.ts';
import {
  acceptAttribute,
  acceptedTypes,
  checkUpload,
  type PortalUploads,
  type StoredUpload,
  typeList,
  UPLOAD_TYPES,
} from './portal.uploads.ts';

/** The council's area as a lat/long box (from its record); points outside it are refused. */
export interface CouncilBox {
  minLat: number | null;
  minLong: number | null;
  maxLat: number | null;
  maxLong: number | null;
}

/** What every portal page gets from the portal's page context. */
export interface PortalPage {
  council: { id: string; name: string; area?: CouncilBox | undefined };
  locale: 'en' | 'cy';
  t: Translate;
}

export interface RequestJourneyDeps {
  catalogue: CatalogueService;
  gazetteer: GazetteerService;
  requests: ServiceRequests;
  /** Who to tell about a request: used to check the email a tracker gives. */
  requesterEmail: (councilId: string, caseId: string) => Promise<string | null>;
  sessions: PortalSessions;
  /** Photos and files added to a request before it is sent. */
  uploads: PortalUploads;
  /** A slippy-map tile URL template; with one, the "where" page offers a map to drop a pin on. */
  mapTileUrl?: string | undefined;
  secureCookies: boolean;
  pageContext: (request: FastifyRequest, reply: FastifyReply) => Promise<PortalPage>;
  /** Signed-in citizens: their details prefill the details step and their party makes the request. */
  account?: JourneyAccount;
}

/** A file part of a multipart form, as the multipart plugin hands it over (see `onFile` below). */
interface UploadedFile {
  filename: string;
  content: Buffer;
  truncated: boolean;
}

const isUploadedFile = (v: unknown): v is UploadedFile =>
  typeof v === 'object' && v !== null && Buffer.isBuffer((v as UploadedFile).content);

const ONLINE_INTERACTIONS = new Set(['report', 'request', 'application', 'complaint', 'enquiry']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type YourDetails = NonNullable<Journey['details']>;

/**
 * Checks "Your details" as the party register will when the request is sent: the phone by the
 * register's own rule, so a number the register refuses is caught here, on its field, and never on
 * the check page.
 */
function detailsErrors(details: YourDetails, t: Translate): FieldError[] {
  const errors: FieldError[] = [];
  if (details.email && !EMAIL.test(details.email))
    errors.push({ field: 'email', message: t('details.errorEmail') });
  if (details.phone && !normalisePhone(details.phone))
    errors.push({ field: 'phone', message: t('details.errorPhone') });
  return errors;
}

/** Can a citizen make this request online? Bookings and payments need more than a form. */
export function canRequestOnline(service: { interaction: string; informationOnly: boolean }): boolean {
  return !service.informationOnly && ONLINE_INTERACTIONS.has(service.interaction);
}

/** The question the location step answers; the journey asks it on its own page with an address search. */
function locationQuestion(definition: ServiceDefinition): Question | undefined {
  return definition.questions.find((q) => q.type === 'location');
}

/** Question pages without the location question, which is asked on "where" with an address search. */
function journeyPages(definition: ServiceDefinition, answers: Answers): FormPage[] {
  const skip = (q: Question) => q.type === 'location';
  return visiblePages(definition.questions, answers)
    .map((p) => ({ ...p, questions: p.questions.filter((q) => !skip(q)) }))
    .filter((p) => p.questions.length > 0);
}

function normalisePostcode(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** The UK postcodes written in some text, compact and upper case: "12 Acacia Avenue, SE1 7PB" → ["SE17PB"]. */
function postcodesIn(text: string): string[] {
  return [...text.matchAll(/\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b/gi)].map((m) =>
    `${m[1]}${m[2]}`.toUpperCase(),
  );
}

function citizenContext(request: FastifyRequest, page: PortalPage): AuditContext {
  return {
    councilId: page.council.id,
    actorType: 'citizen',
    actorId: null,
    actorLabel: 'citizen portal',
    correlationId: request.id,
    ip: request.ip,
  };
}

/** Whether a point is in the council's area; a council without a recorded area takes any point. */
export function inCouncilArea(area: CouncilBox | undefined, lat: number, long: number): boolean {
  if (!area || area.minLat === null || area.maxLat === null || area.minLong === null || area.maxLong === null)
    return true;
  return lat >= area.minLat && lat <= area.maxLat && long >= area.minLong && long <= area.maxLong;
}

/**
 * The map to drop a pin on: around the point already given, else the middle of the council's area.
 * Null without a tile server or a place to centre on; the page then works as before.
 */
function pinMap(
  tileUrl: string | undefined,
  area: CouncilBox | undefined,
  point: { lat?: number | undefined; long?: number | undefined } | undefined,
) {
  if (!tileUrl) return null;
  const given = point?.lat !== undefined && point.long !== undefined;
  const centre = given
    ? { lat: point.lat as number, long: point.long as number }
    : area && area.minLat !== null && area.maxLat !== null && area.minLong !== null && area.maxLong !== null
      ? { lat: (area.minLat + area.maxLat) / 2, long: (area.minLong + area.maxLong) / 2 }
      : null;
  if (!centre) return null;
  return { ...mapTiles(tileUrl, centre.lat, centre.long, given ? 17 : 16), pinned: given };
}

export async function requestJourneyRoutes(app: FastifyInstance, deps: RequestJourneyDeps): Promise<void> {
  const pub = { config: { public: true } } as const;

  // Question pages with a file question post multipart forms. Fields arrive as strings (so the CSRF
  // check reads `_csrf` as usual) and files as buffers; a file over the limit arrives truncated, so
  // the page can say so in a GOV.UK error rather than the request failing.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 5, fields: 100, fieldSize: 100_000, parts: 105 },
    async onFile(part) {
      const content = await part.toBuffer();
      const file: UploadedFile = { filename: part.filename, content, truncated: part.file.truncated };
      (part as unknown as { value: UploadedFile }).value = file;
    },
  });

  const session = (request: FastifyRequest, reply: FastifyReply, councilId: string) =>
    openPortalSession(deps.sessions, request, reply, councilId, deps.secureCookies);

  async function publishedDefinition(councilId: string, code: string): Promise<ServiceDefinition | null> {
    try {
      const view = await deps.catalogue.get(councilId, code);
      if (view.service.status !== 'published') return null;
      return view.definition;
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return null;
      throw error;
    }
  }

  const base = (code: string) => `/services/${encodeURIComponent(code)}/request`;

  /** The step after `after` ('start', 'where', a page number, 'details'). */
  function nextStep(definition: ServiceDefinition, journey: Journey, after: string): string {
    const pages = journeyPages(definition, journey.answers);
    if (after === 'start' && locationQuestion(definition)) return 'where';
    if (after === 'start' || after === 'where') return pages[0] ? String(pages[0].number) : 'details';
    if (after === 'details') return 'check';
    const next = pages.find((p) => p.number > Number(after));
    return next ? String(next.number) : 'details';
  }

  function previousStep(definition: ServiceDefinition, journey: Journey, current: string): string {
    const steps = [
      ...(locationQuestion(definition) ? ['where'] : []),
      ...journeyPages(definition, journey.answers).map((p) => String(p.number)),
      'details',
      'check',
    ];
    const index = steps.indexOf(current);
    return index > 0 ? `${base(definition.code)}/${steps[index - 1]}` : `/services/${definition.code}`;
  }

  type JourneyContext = {
    page: PortalPage;
    definition: ServiceDefinition;
    state: { data: PortalSessionData; save: () => Promise<void> };
  };

  /** The page, the service (if it can be requested online) and the visitor's session; else a 404 page. */
  async function openService(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (ctx: JourneyContext) => Promise<unknown>,
  ) {
    const page = await deps.pageContext(request, reply);
    const { code } = request.params as { code: string };
    const definition = await publishedDefinition(page.council.id, code);
    if (
      !definition ||
      !canRequestOnline({ ...definition, informationOnly: definition.informationOnly ?? false })
    )
      return reply
        .code(404)
        .view('portal/views/not-found.njk', { ...page, message: page.t('service.notFound') });
    return run({ page, definition, state: await session(request, reply, page.council.id) });
  }

  function withJourney(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (ctx: JourneyContext & { journey: Journey }) => Promise<unknown>,
  ) {
    return openService(request, reply, async (ctx) => {
      const journey = ctx.state.data.journeys[ctx.definition.code];
      // No journey (expired, or a bookmarked step): start again from the service page.
      if (!journey) return reply.redirect(`/services/${ctx.definition.code}`, 303);
      return run({ ...ctx, journey });
    });
  }

  app.post('/services/:code/start', pub, (request, reply) =>
    openService(request, reply, async ({ definition, state }) => {
      const journey: Journey = { id: newJourneyId(), serviceCode: definition.code, answers: {} };
      state.data.journeys = { [definition.code]: journey };
      await state.save();
      return reply.redirect(`${base(definition.code)}/${nextStep(definition, journey, 'start')}`, 303);
    }),
  );

  // ---------- Where is it? An address search, or words and an optional point. ----------

  app.get('/services/:code/request/where', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey }) => {
      const q = String((request.query as Record<string, unknown>).q ?? '')
        .trim()
        .slice(0, 200);
      const found = q ? await deps.gazetteer.searchAddresses(page.council.id, q, 20) : null;
      const location = journey.location ?? {};
      const map = pinMap(deps.mapTileUrl, page.council.area, location.uprn ? undefined : location);
      if (map && deps.mapTileUrl) allowTiles(reply, deps.mapTileUrl);
      return reply.view('portal/views/where.njk', {
        map,
        ...page,
        d: definition,
        q,
        results: found?.results.filter((r) => r.address) ?? [],
        searched: found !== null,
        location: journey.location ?? {},
        back: previousStep(definition, journey, 'where'),
        action: `${base(definition.code)}/where`,
      });
    }),
  );

  app.post('/services/:code/request/where', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const errors: FieldError[] = [];
      const uprn = (body.uprn ?? '').trim();
      const description = (body.description ?? '').trim();
      const lat = (body.lat ?? '').trim();
      const long = (body.long ?? '').trim();
      if (uprn) {
        if (!/^\d{1,12}$/.test(uprn)) errors.push({ field: 'uprn', message: page.t('where.errorAddress') });
        else {
          try {
            const property = await deps.gazetteer.getProperty(page.council.id, Number(uprn));
            journey.location = {
              uprn,
              address: property.address ?? undefined,
              lat: property.lat,
              long: property.long,
              ...(description ? { description } : {}),
            };
          } catch (error) {
            if (!(error instanceof DomainError && error.status === 404)) throw error;
            errors.push({ field: 'uprn', message: page.t('where.errorAddress') });
          }
        }
      } else if (description || lat || long) {
        const point = lat && long ? { lat: Number(lat), long: Number(long) } : null;
        if (point && (!Number.isFinite(point.lat) || !Number.isFinite(point.long)))
          errors.push({ field: 'description', message: page.t('where.errorPoint') });
        else if (point && !inCouncilArea(page.council.area, point.lat, point.long))
          errors.push({
            field: 'description',
            message: page.t('report.errorOutsideArea', { council: page.council.name }),
          });
        if (!description && !point)
          errors.push({ field: 'description', message: page.t('where.errorMissing') });
        if (description.length > 500)
          errors.push({ field: 'description', message: page.t('where.errorLong') });
        if (errors.length === 0) journey.location = { description, ...(point ?? {}) };
      } else {
        errors.push({ field: 'q', message: page.t('where.errorMissing') });
      }
      if (errors.length) {
        const map = pinMap(deps.mapTileUrl, page.council.area, undefined);
        if (map && deps.mapTileUrl) allowTiles(reply, deps.mapTileUrl);
        return reply.code(400).view('portal/views/where.njk', {
          ...page,
          map,
          d: definition,
          q: (body.q ?? '').trim(),
          results: [],
          searched: false,
          location: { description },
          back: previousStep(definition, journey, 'where'),
          action: `${base(definition.code)}/where`,
          errors: errorSummary(errors),
          fieldErrors: fieldErrorMessages(errors),
        });
      }
      await state.save();
      return reply.redirect(`${base(definition.code)}/${nextStep(definition, journey, 'where')}`, 303);
    }),
  );

  // ---------- The service's own questions, from the catalogue's form engine ----------

  /** What a file question's page shows: what it takes, and the file already added (if any). */
  function fileQuestions(page: PortalPage, formPage: FormPage, uploads: readonly StoredUpload[]) {
    return Object.fromEntries(
      formPage.questions
        .filter((q) => q.type === 'file')
        .map((q) => {
          const types = acceptedTypes(q.validation?.accept);
          const added = uploads.find((u) => u.questionCode === q.code);
          return [
            q.code,
            {
              accept: acceptAttribute(types),
              hint: page.t('report.fileHint', { types: typeList(types, page.t('report.or')) }),
              added: added?.filename ?? null,
            },
          ];
        }),
    );
  }

  const fileError = (page: PortalPage, problem: 'empty' | 'too_big' | 'wrong_type', types: string) =>
    problem === 'too_big'
      ? page.t('report.fileTooBig')
      : problem === 'empty'
        ? page.t('report.fileEmpty')
        : page.t('report.fileWrongType', { types });

  const questionPage = (request: FastifyRequest, reply: FastifyReply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) => {
      const { step } = request.params as { step: string };
      const formPage = journeyPages(definition, journey.answers).find((p) => String(p.number) === step);
      if (!formPage) return reply.code(404).view('portal/views/not-found.njk', { ...page });
      const hasFiles = formPage.questions.some((q) => q.type === 'file');
      const render = async (extra: Record<string, unknown>, status = 200) =>
        reply.code(status).view('portal/views/question.njk', {
          ...page,
          d: definition,
          formPage,
          files: hasFiles
            ? fileQuestions(page, formPage, await deps.uploads.list(page.council.id, journey.id))
            : {},
          multipart: hasFiles,
          action: `${base(definition.code)}/${step}`,
          back: previousStep(definition, journey, step),
          ...extra,
        });
      if (request.method === 'GET')
        return render({ raw: toRawAnswers(definition.questions, journey.answers) });
      const raw = rawFrom(request.body, definition.questions);
      const fileErrors: FieldError[] = [];
      if (hasFiles) {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const held = await deps.uploads.list(page.council.id, journey.id);
        for (const q of formPage.questions.filter((q) => q.type === 'file')) {
          const given = body[q.code];
          const file = isUploadedFile(given) && (given.filename || given.content.length) ? given : null;
          if (!file) {
            // Continuing without choosing a file keeps the one already added.
            raw[q.code] = held.find((u) => u.questionCode === q.code)?.filename ?? '';
            continue;
          }
          const types = acceptedTypes(q.validation?.accept);
          const checked = checkUpload(file, types, ATTACHMENT_MAX_BYTES);
          if (!checked.ok) {
            fileErrors.push({
              field: q.code,
              message: fileError(page, checked.problem, typeList(types, page.t('report.or'))),
            });
            continue;
          }
          // The catalogue checks the name's extension: give it one that says what the file is.
          const extensions: readonly string[] = UPLOAD_TYPES[checked.contentType].extensions;
          const ext = checked.filename.includes('.') ? checked.filename.split('.').pop()?.toLowerCase() : '';
          const filename =
            ext && extensions.includes(ext) ? checked.filename : `${checked.filename}.${extensions[0]}`;
          await deps.uploads.save(page.council.id, journey.id, {
            questionCode: q.code,
            filename,
            contentType: checked.contentType,
            content: file.content,
          });
          raw[q.code] = filename;
        }
      }
      const result = validatePage(formPage, raw, journey.answers);
      const errors = [
        ...fileErrors,
        ...result.errors.filter((e) => !fileErrors.some((f) => f.field === e.field)),
      ];
      if (errors.length)
        return render({ raw, errors: errorSummary(errors), fieldErrors: fieldErrorMessages(errors) }, 400);
      journey.answers = result.answers;
      await state.save();
      return reply.redirect(`${base(definition.code)}/${nextStep(definition, journey, step)}`, 303);
    });
  app.get('/services/:code/request/:step(^\\d+$)', pub, questionPage);
  app.post('/services/:code/request/:step(^\\d+$)', pub, questionPage);

  // ---------- Your details (all optional: a report can be anonymous) ----------

  app.get('/services/:code/request/details', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) =>
      reply.view('portal/views/details.njk', {
        ...page,
        d: definition,
        details:
          journey.details ??
          (state.data.accountId && deps.account
            ? await deps.account.details(page.council.id, state.data.accountId, citizenContext(request, page))
            : null) ??
          {},
        action: `${base(definition.code)}/details`,
        back: previousStep(definition, journey, 'details'),
      }),
    ),
  );

  app.post('/services/:code/request/details', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) => {
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const details = {
        firstName: (body.firstName ?? '').trim().slice(0, 100),
        lastName: (body.lastName ?? '').trim().slice(0, 100),
        email: (body.email ?? '').trim().slice(0, 254),
        phone: (body.phone ?? '').trim().slice(0, 30),
      };
      const errors = detailsErrors(details, page.t);
      if (errors.length) {
        return reply.code(400).view('portal/views/details.njk', {
          ...page,
          d: definition,
          details,
          action: `${base(definition.code)}/details`,
          back: previousStep(definition, journey, 'details'),
          errors: errorSummary(errors),
          fieldErrors: fieldErrorMessages(errors),
        });
      }
      journey.details = details;
      await state.save();
      return reply.redirect(`${base(definition.code)}/check`, 303);
    }),
  );

  // ---------- Remove a file (a confirmation page, so removing never happens on a GET) ----------

  const removeFile = (request: FastifyRequest, reply: FastifyReply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) => {
      const { question } = request.params as { question: string };
      const upload = (await deps.uploads.list(page.council.id, journey.id)).find(
        (u) => u.questionCode === question,
      );
      if (!upload) return reply.redirect(`${base(definition.code)}/check`, 303);
      if (request.method === 'POST') {
        await deps.uploads.remove(page.council.id, journey.id, question);
        delete journey.answers[question];
        await state.save();
        return reply.redirect(`${base(definition.code)}/check`, 303);
      }
      return reply.view('portal/views/remove-file.njk', {
        ...page,
        d: definition,
        filename: upload.filename,
        action: `${base(definition.code)}/remove-file/${encodeURIComponent(question)}`,
        back: `${base(definition.code)}/check`,
      });
    });
  app.get('/services/:code/request/remove-file/:question', pub, removeFile);
  app.post('/services/:code/request/remove-file/:question', pub, removeFile);

  // ---------- Check answers, then send ----------

  type CheckRow = {
    key: string;
    value: string;
    href: string;
    /** A file's row also offers Remove. */
    removeHref?: string;
  };

  async function checkRows(page: PortalPage, definition: ServiceDefinition, journey: Journey) {
    const b = base(definition.code);
    const rows: CheckRow[] = [];
    const uploads = await deps.uploads.list(page.council.id, journey.id);
    if (locationQuestion(definition)) {
      const l = journey.location ?? {};
      rows.push({
        key: page.t('check.location'),
        value: [l.address, l.description].filter(Boolean).join(' – ') || (l.lat ? `${l.lat}, ${l.long}` : ''),
        href: `${b}/where`,
      });
    }
    const shown = new Set(
      journeyPages(definition, journey.answers).flatMap((p) => p.questions.map((q) => q.code)),
    );
    const fileCodes = new Set(definition.questions.filter((q) => q.type === 'file').map((q) => q.code));
    for (const row of checkAnswersRows(definition.questions, journey.answers)) {
      if (!shown.has(row.code)) continue;
      const upload = fileCodes.has(row.code) ? uploads.find((u) => u.questionCode === row.code) : undefined;
      rows.push({
        key: row.label,
        // A file row names the file held; without one it says so (and Change adds one).
        value: fileCodes.has(row.code) ? (upload?.filename ?? page.t('report.noFile')) : row.value,
        href: `${b}/${row.page}`,
        ...(upload ? { removeHref: `${b}/remove-file/${encodeURIComponent(row.code)}` } : {}),
      });
    }
    const d = journey.details;
    const name = d ? `${d.firstName} ${d.lastName}`.trim() : '';
    rows.push({ key: page.t('details.name'), value: name || page.t('check.notGiven'), href: `${b}/details` });
    rows.push({
      key: page.t('details.email'),
      value: d?.email || page.t('check.notGiven'),
      href: `${b}/details`,
    });
    rows.push({
      key: page.t('details.phone'),
      value: d?.phone || page.t('check.notGiven'),
      href: `${b}/details`,
    });
    return rows;
  }

  app.get('/services/:code/request/check', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey }) =>
      reply.view('portal/views/check.njk', {
        ...page,
        d: definition,
        rows: await checkRows(page, definition, journey),
        action: `${base(definition.code)}/check`,
        back: previousStep(definition, journey, 'check'),
      }),
    ),
  );

  app.post('/services/:code/request/check', pub, (request, reply) =>
    withJourney(request, reply, async ({ page, definition, journey, state }) => {
      const d = journey.details;
      // Details kept from before the details page checked them as the register does (an older
      // session): send the citizen back to the field to correct, rather than fail on Send.
      const detailErrors = d ? detailsErrors(d, page.t) : [];
      if (d && detailErrors.length) {
        return reply.code(400).view('portal/views/details.njk', {
          ...page,
          d: definition,
          details: d,
          action: `${base(definition.code)}/details`,
          back: previousStep(definition, journey, 'details'),
          errors: errorSummary(detailErrors),
          fieldErrors: fieldErrorMessages(detailErrors),
        });
      }
      const l = journey.location;
      const context = citizenContext(request, page);
      const hasContact = Boolean(d?.email || d?.phone);
      const partyId =
        state.data.accountId && deps.account
          ? await deps.account.partyOf(page.council.id, state.data.accountId)
          : null;
      try {
        const created = await deps.requests.create(
          page.council.id,
          {
            serviceCode: definition.code,
            channel: 'web',
            answers: journey.answers,
            ...(l?.uprn
              ? { location: { uprn: l.uprn } }
              : l?.lat !== undefined && l.long !== undefined
                ? { location: { lat: l.lat, long: l.long } }
                : {}),
            ...(l?.address || l?.description
              ? { locationText: [l.address, l.description].filter(Boolean).join(' – ') }
              : {}),
            ...(partyId
              ? { partyId }
              : d && (hasContact || d.firstName || d.lastName)
                ? {
                    requester: {
                      ...(d.email ? { email: d.email } : {}),
                      ...(d.phone ? { phone: d.phone } : {}),
                      ...(d.firstName ? { firstName: d.firstName } : {}),
                      ...(d.lastName ? { lastName: d.lastName } : {}),
                    },
                    // Without a name there is no person to record: the details stay on the request.
                    anonymous: !hasContact || !(d.firstName || d.lastName),
                  }
                : {}),
          },
          context,
          { idempotencyKey: journey.id, caller: `portal:${journey.id}` },
        );
        // Files go on the request once it exists; each is deleted here once attached, so pressing
        // Send again (the request itself is idempotent) never attaches one twice.
        for (const upload of await deps.uploads.withContent(page.council.id, journey.id)) {
          await deps.requests.addAttachment(
            page.council.id,
            created.body.reference,
            { filename: upload.filename, contentType: upload.contentType, content: upload.content },
            context,
          );
          await deps.uploads.remove(page.council.id, journey.id, upload.questionCode);
        }
        allowRequest(state.data, created.body.reference);
        delete state.data.journeys[definition.code];
        await state.save();
        return reply.redirect(`/track/${created.body.reference}?sent=1`, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status >= 500) throw error;
        const errors = error.fieldErrors.length
          ? error.fieldErrors.map((e) => ({ field: e.field, message: e.message }))
          : [{ field: 'submit', message: error.message }];
        return reply.code(400).view('portal/views/check.njk', {
          ...page,
          d: definition,
          rows: await checkRows(page, definition, journey),
          action: `${base(definition.code)}/check`,
          back: previousStep(definition, journey, 'check'),
          errors: errors.map((e) => ({ text: e.message, href: '#submit' })),
        });
      }
    }),
  );

  // ---------- Track a request: by reference plus the email or postcode given with it ----------

  app.get('/track', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const reference = String((request.query as Record<string, unknown>).reference ?? '').slice(0, 20);
    return reply.view('portal/views/track.njk', { ...page, values: { reference } });
  });

  app.post('/track', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const values = {
      reference: (body.reference ?? '').trim().slice(0, 20),
      proof: (body.proof ?? '').trim().slice(0, 254),
    };
    const errors: FieldError[] = [];
    if (!values.reference) errors.push({ field: 'reference', message: page.t('track.errorReference') });
    if (!values.proof) errors.push({ field: 'proof', message: page.t('track.errorProof') });
    let reference: string | null = null;
    if (errors.length === 0) {
      reference = await verifiedReference(page.council.id, values.reference, values.proof);
      if (!reference) errors.push({ field: 'reference', message: page.t('track.errorNoMatch') });
    }
    if (errors.length || !reference) {
      return reply.code(400).view('portal/views/track.njk', {
        ...page,
        values,
        errors: errorSummary(errors),
        fieldErrors: fieldErrorMessages(errors),
      });
    }
    const state = await session(request, reply, page.council.id);
    allowRequest(state.data, reference);
    await state.save();
    return reply.redirect(`/track/${reference}`, 303);
  });

  type RequestRecord = Awaited<ReturnType<ServiceRequests['get']>>['record'];

  /** The email given with a request and the postcode of its place (compact), as far as they are known. */
  async function proofsOf(councilId: string, record: RequestRecord) {
    const email = record.contactDetails?.email ?? (await deps.requesterEmail(councilId, record.id));
    const postcodes = postcodesIn(record.locationText ?? '');
    if (record.uprn !== null) {
      try {
        postcodes.push(
          ...postcodesIn((await deps.gazetteer.getProperty(councilId, record.uprn)).postcode ?? ''),
        );
      } catch {
        // A property since removed from the gazetteer: the words given still count.
      }
    }
    return { email: email?.trim().toLowerCase() || null, postcodes };
  }

  /** The request's reference, if `proof` is the email given with it or the postcode where it is. */
  async function verifiedReference(
    councilId: string,
    reference: string,
    proof: string,
  ): Promise<string | null> {
    let view: Awaited<ReturnType<ServiceRequests['get']>>;
    try {
      view = await deps.requests.get(councilId, reference);
    } catch (error) {
      if (error instanceof DomainError && error.status < 500) return null;
      throw error;
    }
    const record = view.record;
    const { email, postcodes } = await proofsOf(councilId, record);
    if (proof.includes('@')) return email && email === proof.toLowerCase() ? record.reference : null;
    // The whole postcode of the place, not any five letters of the words describing it.
    const postcode = normalisePostcode(proof);
    return postcodesIn(postcode)[0] === postcode && postcodes.includes(postcode) ? record.reference : null;
  }

  /**
   * Whether the request can be tracked later from another visit: it has an email address or a place
   * with a postcode to prove it by. An anonymous report described in words has neither, and its
   * confirmation must not promise tracking it cannot give.
   */
  async function trackableLater(councilId: string, record: RequestRecord): Promise<boolean> {
    const { email, postcodes } = await proofsOf(councilId, record);
    return Boolean(email) || postcodes.length > 0;
  }

  app.get('/track/:reference', pub, async (request, reply) => {
    const page = await deps.pageContext(request, reply);
    const { reference } = request.params as { reference: string };
    const state = await session(request, reply, page.council.id);
    let detail: Awaited<ReturnType<ServiceRequests['detail']>> | null = null;
    try {
      detail = await deps.requests.detail(page.council.id, reference);
    } catch (error) {
      if (!(error instanceof DomainError && error.status < 500)) throw error;
    }
    const ownRequest =
      detail?.record.requesterPartyId &&
      state.data.accountId &&
      deps.account &&
      (await deps.account.partyOf(page.council.id, state.data.accountId)) === detail.record.requesterPartyId;
    if (!detail || !(ownRequest || state.data.requests.includes(detail.record.reference)))
      return reply.redirect(`/track?reference=${encodeURIComponent(reference.slice(0, 20))}`, 303);
    const r = detail.record;
    const sent = (request.query as Record<string, unknown>).sent === '1';
    return reply.view('portal/views/tracked.njk', {
      ...page,
      sent,
      trackable: sent ? await trackableLater(page.council.id, r) : true,
      request: {
        reference: r.reference,
        serviceName: r.serviceName,
        status: r.status,
        open: detail.open311.status === 'open',
        submittedAt: r.submittedAt,
        dueAt: r.dueAt,
        location: r.locationText,
      },
      updates: detail.updates
        .filter((u) => u.isPublic)
        .map((u) => ({ at: u.createdAt, body: u.body, statusTo: u.statusTo })),
    });
  });
}
