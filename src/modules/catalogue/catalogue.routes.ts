import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { DomainError, type FieldError } from '../../platform/http/errors.ts';
import { errorSummary, fieldErrorMessages } from '../../platform/views/form-errors.ts';
import {
  applyDetails,
  blankDefinition,
  detailsValues,
  type FormBody,
  moveQuestion,
  questionValues,
  readQuestion,
  withQuestion,
} from './catalogue.editor.ts';
import { InvalidServiceDefinition } from './catalogue.errors.ts';
import {
  CHANNEL_LABELS,
  CHANNELS,
  ExportResponse,
  ImportBody,
  ImportResponse,
  INTERACTION_LABELS,
  INTERACTION_TYPES,
  PRIORITIES,
  QUESTION_TYPE_LABELS,
  QUESTION_TYPES,
  type Question,
  SERVICE_AREAS,
  ServiceCodeParams,
  type ServiceDefinition,
  ServiceDetailResponse,
  ServiceListQuery,
  ServiceListResponse,
  ServiceVersionQuery,
  TIERS,
} from './catalogue.schemas.ts';
import type { CatalogueService, ServiceRecord, ServiceView } from './catalogue.service.ts';
import {
  type Answers,
  checkAnswersRows,
  formPages,
  toOpen311Attributes,
  toRawAnswers,
  validateAnswers,
  validatePage,
  visiblePages,
} from './form.ts';
import { functionGroupLabels } from './lgsl.ts';
import { checkEligibility } from './rules.ts';

export interface CatalogueRouteOptions {
  service: CatalogueService;
}

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

/** Service-level field paths ("routing.rules.0.team") to the details form's inputs. */
function detailsField(path: string): string {
  const head = path.split('.')[0] ?? path;
  if (head === 'routing') return 'routingRules';
  if (head === 'sla') return path.includes('defaultPriority') ? 'defaultPriority' : 'sla_normal';
  if (head === 'knowledge') return path.split('.')[1] ?? 'agentScript';
  if (head === 'fee') return 'feeDescription';
  if (head === 'questions') return 'questions';
  return head;
}

function summaryOf(s: ServiceRecord & { score?: number }) {
  return {
    code: s.code,
    name: s.name,
    summary: s.summary,
    lgsl: s.lgslCode,
    lgslLabel: s.lgslLabel,
    serviceArea: s.serviceArea,
    functionGroup: s.functionGroup,
    type: s.interaction,
    status: s.status,
    version: s.publishedVersion ?? s.latestVersion,
    informationOnly: s.informationOnly,
    owningTeamId: s.owningTeamId,
    ...(s.score !== undefined ? { score: Math.round(s.score * 1000) / 1000 } : {}),
  };
}

function detailOf(view: ServiceView) {
  const d = view.definition;
  return {
    code: d.code,
    name: d.name,
    summary: d.summary,
    lgsl: d.lgsl,
    lgslLabel: view.service.lgslLabel,
    serviceArea: d.serviceArea,
    functionGroup: d.functionGroup,
    type: d.interaction,
    tier: d.tier,
    status: view.version.status,
    version: view.version.version,
    informationOnly: d.informationOnly ?? false,
    owningTeam: { id: d.owningTeam, name: view.owningTeamName },
    channels: d.channels,
    fee: d.fee ?? null,
    synonyms: d.synonyms,
    keywords: d.keywords,
    questions: d.questions.map((q) => ({
      code: q.code,
      label: q.label,
      ...(q.hint ? { hint: q.hint } : {}),
      type: q.type,
      required: q.required,
      ...(q.options ? { options: q.options } : {}),
      ...(q.validation ? { validation: q.validation } : {}),
      ...(q.showWhen ? { showWhen: q.showWhen } : {}),
    })),
    eligibility: (d.eligibility ?? []).map((e) => ({
      description: e.description,
      failureMessage: e.failureMessage,
    })),
    sla: d.sla,
    knowledge: d.knowledge,
    relatedServices: d.relatedServices ?? [],
    open311Attributes: toOpen311Attributes(d.questions),
  };
}

/** Form posts arrive as strings or lists; multi-choice answers are always lists for the templates. */
export function rawFrom(body: unknown, questions: readonly Question[]): Record<string, string | string[]> {
  const raw: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (k.startsWith('_')) continue;
    if (typeof v === 'string') raw[k] = v;
    else if (Array.isArray(v)) raw[k] = v.map(String);
  }
  for (const q of questions) {
    if (q.type === 'multi_choice') {
      const v = raw[q.code];
      raw[q.code] = v === undefined ? [] : Array.isArray(v) ? v : [v];
    }
  }
  return raw;
}

/** The citizen preview carries earlier answers in a hidden field, so it needs no server-side state. */
function decodeAnswers(value: unknown): Answers {
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Answers) : {};
  } catch {
    return {};
  }
}
const encodeAnswers = (answers: Answers) =>
  Buffer.from(JSON.stringify(answers), 'utf8').toString('base64url');

export async function catalogueRoutes(app: FastifyInstance, options: CatalogueRouteOptions): Promise<void> {
  const { service } = options;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const readPermission = { permission: 'catalogue.read' as const };
  const managePermission = { permission: 'catalogue.manage' as const };

  const lookups = async (councilId: string) => {
    const teams = await service.teams(councilId);
    return {
      areas: SERVICE_AREAS,
      interactions: INTERACTION_TYPES.map((value) => ({ value, text: INTERACTION_LABELS[value] })),
      tiers: TIERS,
      channels: CHANNELS.map((value) => ({ value, text: CHANNEL_LABELS[value] })),
      priorities: PRIORITIES,
      questionTypes: QUESTION_TYPES.map((value) => ({ value, text: QUESTION_TYPE_LABELS[value] })),
      functionGroups: [...functionGroupLabels()].sort(),
      teams: [...teams.byId].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
      interactionLabels: INTERACTION_LABELS,
      channelLabels: CHANNEL_LABELS,
      typeLabels: QUESTION_TYPE_LABELS,
    };
  };

  // ---------- REST API ----------

  typed.get(
    '/api/v1/services',
    {
      config: readPermission,
      schema: {
        summary: 'List or search the service catalogue',
        description:
          'Without q: services in name order, cursor-paginated (status defaults to published). With q: the service finder, best matches first, with a relevance score.',
        tags: ['catalogue'],
        querystring: ServiceListQuery,
        response: { 200: ServiceListResponse },
      },
    },
    async (request) => {
      const result = await service.list(principalOf(request).councilId, request.query);
      return { results: result.results.map(summaryOf), nextCursor: result.nextCursor };
    },
  );

  typed.get(
    '/api/v1/services/:code',
    {
      config: readPermission,
      schema: {
        summary: 'A service definition: questions, eligibility, SLA, knowledge and Open311 attributes',
        description:
          'The published version, or the version given (a request keeps the version it was made under).',
        tags: ['catalogue'],
        params: ServiceCodeParams,
        querystring: ServiceVersionQuery,
        response: { 200: ServiceDetailResponse },
      },
    },
    async (request) => {
      const view = await service.get(
        principalOf(request).councilId,
        request.params.code,
        request.query.version,
      );
      return detailOf(view);
    },
  );

  typed.get(
    '/api/v1/service-definitions',
    {
      config: managePermission,
      schema: {
        summary: 'Export the published service definitions (teams by name), ready to import elsewhere',
        tags: ['catalogue'],
        querystring: { type: 'object', properties: { includeInformationOnly: { type: 'boolean' } } },
        response: { 200: ExportResponse },
      },
    },
    async (request) => {
      const query = request.query as { includeInformationOnly?: boolean };
      const services = await service.exportDefinitions(principalOf(request).councilId, {
        includeInformationOnly: query.includeInformationOnly ?? false,
      });
      return { services };
    },
  );

  typed.post(
    '/api/v1/service-definitions',
    {
      config: managePermission,
      schema: {
        summary: 'Import service definitions',
        description:
          'Each definition is checked on its own: valid ones load (a changed definition becomes a new version), invalid ones are reported with the field and reason. Unchanged definitions are left alone.',
        tags: ['catalogue'],
        body: ImportBody,
        response: { 200: ImportResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return service.importDefinitions(
        principal.councilId,
        request.body.services.map((definition, i) => ({ source: `services[${i}]`, definition })),
        auditContextFor(principal, request),
        { publish: request.body.publish ?? true },
      );
    },
  );

  // ---------- Agent pages ----------

  typed.get('/staff/services/find', { config: readPermission }, async (request, reply) => {
    const principal = principalOf(request);
    const q = String((request.query as Record<string, unknown>).q ?? '')
      .trim()
      .slice(0, 200);
    const hits = q ? await service.find(principal.councilId, q, 10) : [];
    return reply.view('catalogue/views/find.njk', {
      q,
      hits,
      interactionLabels: INTERACTION_LABELS,
      areaCounts: q ? [] : await service.areaCounts(principal.councilId),
    });
  });

  typed.get(
    '/staff/services/:code',
    { config: readPermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.get(principal.councilId, request.params.code);
      const related = await Promise.all(
        (view.definition.relatedServices ?? []).map(async (code) => {
          try {
            const r = await service.get(principal.councilId, code);
            return { code, name: r.definition.name };
          } catch {
            return { code, name: code };
          }
        }),
      );
      return reply.view('catalogue/views/service.njk', {
        view,
        d: view.definition,
        related,
        interactionLabels: INTERACTION_LABELS,
        channelLabels: CHANNEL_LABELS,
        typeLabels: QUESTION_TYPE_LABELS,
      });
    },
  );

  const agentForm = async (request: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply) => {
    const principal = principalOf(request);
    const preview = (request.query as Record<string, unknown>).preview === 'draft';
    const view = preview
      ? await service.editable(principal.councilId, request.params.code)
      : await service.get(principal.councilId, request.params.code);
    const questions = view.definition.questions;
    if (request.method === 'GET') {
      return reply.view('catalogue/views/agent-form.njk', { view, d: view.definition, raw: {}, preview });
    }
    const raw = rawFrom(request.body, questions);
    const { answers, errors } = validateAnswers(questions, raw);
    if (errors.length) {
      return reply.code(400).view('catalogue/views/agent-form.njk', {
        view,
        d: view.definition,
        raw,
        preview,
        errors: errorSummary(errors),
        fieldErrors: fieldErrorMessages(errors),
      });
    }
    const route = await service.route(principal.councilId, view.definition, answers);
    return reply.view('catalogue/views/agent-check.njk', {
      view,
      d: view.definition,
      preview,
      rows: checkAnswersRows(questions, answers),
      eligibility: checkEligibility(view.definition.eligibility, { answers }),
      route,
      routeTeam: view.teams.byId.get(route.teamId) ?? route.teamId,
      sla: service.slaTarget(view.definition, route.priority),
    });
  };
  typed.get(
    '/staff/services/:code/form',
    { config: readPermission, schema: { params: ServiceCodeParams } },
    agentForm,
  );
  typed.post(
    '/staff/services/:code/form',
    { config: readPermission, schema: { params: ServiceCodeParams } },
    agentForm,
  );

  // ---------- Citizen preview (GOV.UK question pages and check answers) ----------

  const citizenPage = async (
    request: FastifyRequest<{ Params: { code: string; page: string } }>,
    reply: FastifyReply,
  ) => {
    const principal = principalOf(request);
    const view = await service.editable(principal.councilId, request.params.code);
    const questions = view.definition.questions;
    const body = (request.body ?? {}) as Record<string, unknown>;
    let answers = decodeAnswers(
      request.method === 'POST' ? body._answers : (request.query as Record<string, unknown>).a,
    );
    const pages = formPages(questions);
    const number = Number(request.params.page);
    const base = `/staff/admin/services/${encodeURIComponent(view.definition.code)}/preview/citizen`;
    if (request.params.page === 'check' || pages.length === 0) {
      return reply.view('catalogue/views/citizen-check.njk', {
        d: view.definition,
        rows: checkAnswersRows(questions, answers),
        base,
        encoded: encodeAnswers(answers),
      });
    }
    const page = pages.find((p) => p.number === number);
    if (!page) return reply.code(404).view('errors/404.njk', {});
    if (request.method === 'GET') {
      return reply.view('catalogue/views/citizen-question.njk', {
        d: view.definition,
        page,
        raw: toRawAnswers(questions, answers),
        answers,
        encoded: encodeAnswers(answers),
        base,
        back:
          number > 1
            ? `${base}/${number - 1}?a=${encodeAnswers(answers)}`
            : `/staff/admin/services/${view.definition.code}`,
      });
    }
    const raw = rawFrom(body, questions);
    const result = validatePage(page, raw, answers);
    if (result.errors.length) {
      return reply.code(400).view('catalogue/views/citizen-question.njk', {
        d: view.definition,
        page,
        raw,
        answers,
        encoded: encodeAnswers(answers),
        base,
        back:
          number > 1
            ? `${base}/${number - 1}?a=${encodeAnswers(answers)}`
            : `/staff/admin/services/${view.definition.code}`,
        errors: errorSummary(result.errors),
        fieldErrors: fieldErrorMessages(result.errors),
      });
    }
    answers = result.answers;
    const next = visiblePages(questions, answers).find((p) => p.number > number);
    const target = next ? `${base}/${next.number}` : `${base}/check`;
    return reply.redirect(`${target}?a=${encodeAnswers(answers)}`, 303);
  };
  const citizenParams = {
    type: 'object',
    properties: { code: { type: 'string', maxLength: 80 }, page: { type: 'string', maxLength: 10 } },
    required: ['code', 'page'],
  } as const;
  app.get(
    '/staff/admin/services/:code/preview/citizen/:page',
    { config: managePermission, schema: { params: citizenParams } },
    citizenPage as never,
  );
  app.post(
    '/staff/admin/services/:code/preview/citizen/:page',
    { config: managePermission, schema: { params: citizenParams } },
    citizenPage as never,
  );

  // ---------- Admin: catalogue list and editor ----------

  typed.get('/staff/admin/services', { config: managePermission }, async (request, reply) => {
    const principal = principalOf(request);
    const query = request.query as Record<string, string | undefined>;
    const q = (query.q ?? '').trim().slice(0, 200);
    const area = SERVICE_AREAS.find((a) => a === query.area);
    const status =
      (['published', 'draft', 'retired', 'all'] as const).find((s) => s === query.status) ?? 'all';
    const kind = query.kind === 'information' ? true : query.kind === 'process' ? false : undefined;
    const result = await service.list(principal.councilId, {
      ...(q ? { q } : {}),
      ...(area ? { area } : {}),
      status,
      ...(kind !== undefined ? { informationOnly: kind } : {}),
      limit: 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return reply.view('catalogue/views/admin-list.njk', {
      q,
      query: { q, area: area ?? '', status, kind: query.kind ?? '' },
      services: result.results,
      nextCursor: result.nextCursor,
      areas: SERVICE_AREAS,
      interactionLabels: INTERACTION_LABELS,
      notice: query.notice,
    });
  });

  const renderDetails = async (
    reply: FastifyReply,
    councilId: string,
    values: Record<string, unknown>,
    context: { isNew: boolean; code?: string; errors?: FieldError[] },
  ) =>
    reply.code(context.errors?.length ? 400 : 200).view('catalogue/views/admin-details.njk', {
      ...(await lookups(councilId)),
      values,
      isNew: context.isNew,
      code: context.code,
      errors: errorSummary(context.errors ?? []),
      fieldErrors: fieldErrorMessages(context.errors ?? []),
    });

  const saveDraft = async (
    request: FastifyRequest,
    definition: ServiceDefinition,
    isNew: boolean,
  ): Promise<FieldError[]> => {
    const principal = principalOf(request);
    try {
      await service.saveDraft(principal.councilId, definition, auditContextFor(principal, request), {
        isNew,
      });
      return [];
    } catch (error) {
      if (
        error instanceof InvalidServiceDefinition ||
        (error instanceof DomainError && error.fieldErrors.length)
      )
        return error.fieldErrors.map((e) => ({ field: e.field, message: e.message }));
      throw error;
    }
  };

  typed.get('/staff/admin/services/new', { config: managePermission }, async (request, reply) => {
    const principal = principalOf(request);
    const front = (await service.teams(principal.councilId)).byId.keys().next().value ?? '';
    return renderDetails(reply, principal.councilId, detailsValues(blankDefinition(front)), { isNew: true });
  });

  typed.post('/staff/admin/services/new', { config: managePermission }, async (request, reply) => {
    const principal = principalOf(request);
    const body = request.body as FormBody;
    const { definition, errors } = applyDetails(blankDefinition(''), body, { allowCode: true });
    const all = errors.length
      ? errors
      : (await saveDraft(request, definition, true)).map((e) => ({ ...e, field: detailsField(e.field) }));
    if (all.length) return renderDetails(reply, principal.councilId, body, { isNew: true, errors: all });
    return reply.redirect(`/staff/admin/services/${encodeURIComponent(definition.code)}?notice=created`, 303);
  });

  typed.get(
    '/staff/admin/services/:code',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.editable(principal.councilId, request.params.code);
      const versions = await service.versions(principal.councilId, request.params.code);
      return reply.view('catalogue/views/admin-service.njk', {
        view,
        d: view.definition,
        versions,
        hasDraft: view.version.status === 'draft',
        notice: (request.query as Record<string, string | undefined>).notice,
        interactionLabels: INTERACTION_LABELS,
        channelLabels: CHANNEL_LABELS,
        typeLabels: QUESTION_TYPE_LABELS,
      });
    },
  );

  typed.get(
    '/staff/admin/services/:code/details',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.editable(principal.councilId, request.params.code);
      return renderDetails(reply, principal.councilId, detailsValues(view.definition), {
        isNew: false,
        code: view.definition.code,
      });
    },
  );

  typed.post(
    '/staff/admin/services/:code/details',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.editable(principal.councilId, request.params.code);
      const body = request.body as FormBody;
      const { definition, errors } = applyDetails(view.definition, body, { allowCode: false });
      const all = errors.length
        ? errors
        : (await saveDraft(request, definition, false)).map((e) => ({ ...e, field: detailsField(e.field) }));
      if (all.length)
        return renderDetails(reply, principal.councilId, body, {
          isNew: false,
          code: view.definition.code,
          errors: all,
        });
      return reply.redirect(`/staff/admin/services/${encodeURIComponent(definition.code)}?notice=saved`, 303);
    },
  );

  typed.get(
    '/staff/admin/services/:code/questions',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.editable(principal.councilId, request.params.code);
      return reply.view('catalogue/views/admin-questions.njk', {
        d: view.definition,
        typeLabels: QUESTION_TYPE_LABELS,
        notice: (request.query as Record<string, string | undefined>).notice,
      });
    },
  );

  typed.post(
    '/staff/admin/services/:code/questions/move',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      const view = await service.editable(principal.councilId, request.params.code);
      const body = request.body as FormBody;
      const action = String(body.action ?? '');
      const [direction, code] = action.split(':');
      if ((direction === 'up' || direction === 'down' || direction === 'remove') && code) {
        const errors = await saveDraft(request, moveQuestion(view.definition, code, direction), false);
        if (errors.length) {
          return reply.code(400).view('catalogue/views/admin-questions.njk', {
            d: view.definition,
            typeLabels: QUESTION_TYPE_LABELS,
            errors: errors.map((e) => ({ text: e.message, href: '#questions' })),
          });
        }
      }
      return reply.redirect(
        `/staff/admin/services/${encodeURIComponent(view.definition.code)}/questions?notice=saved`,
        303,
      );
    },
  );

  const questionEditor = async (
    request: FastifyRequest<{ Params: { code: string; question: string } }>,
    reply: FastifyReply,
  ) => {
    const principal = principalOf(request);
    const view = await service.editable(principal.councilId, request.params.code);
    const isNew = request.params.question === 'new';
    const existing = isNew
      ? undefined
      : view.definition.questions.find((q) => q.code === request.params.question);
    if (!isNew && !existing) return reply.code(404).view('errors/404.njk', {});
    const earlier = view.definition.questions
      .slice(0, existing ? view.definition.questions.indexOf(existing) : undefined)
      .map((q) => ({ value: q.code, text: q.label }));
    const render = (values: Record<string, unknown>, errors: FieldError[] = []) =>
      reply.code(errors.length ? 400 : 200).view('catalogue/views/admin-question.njk', {
        d: view.definition,
        isNew,
        values,
        earlier,
        questionTypes: QUESTION_TYPES.map((value) => ({ value, text: QUESTION_TYPE_LABELS[value] })),
        errors: errorSummary(errors),
        fieldErrors: fieldErrorMessages(errors),
      });
    if (request.method === 'GET') return render(questionValues(existing));
    const body = request.body as FormBody;
    const { question, errors } = readQuestion(body);
    if (errors.length) return render(body, errors);
    const saved = await saveDraft(
      request,
      withQuestion(view.definition, existing?.code ?? null, question),
      false,
    );
    if (saved.length) {
      // Map the definition's paths ("questions.3.showWhen") onto this form's fields.
      return render(
        body,
        saved.map((e) => {
          const part = e.field.split('.')[2] ?? 'code';
          return { field: part === 'showWhen' ? 'showWhenQuestion' : part, message: e.message };
        }),
      );
    }
    return reply.redirect(
      `/staff/admin/services/${encodeURIComponent(view.definition.code)}/questions?notice=saved`,
      303,
    );
  };
  const questionParams = {
    type: 'object',
    properties: { code: { type: 'string', maxLength: 80 }, question: { type: 'string', maxLength: 60 } },
    required: ['code', 'question'],
  } as const;
  app.get(
    '/staff/admin/services/:code/questions/:question',
    { config: managePermission, schema: { params: questionParams } },
    questionEditor as never,
  );
  app.post(
    '/staff/admin/services/:code/questions/:question',
    { config: managePermission, schema: { params: questionParams } },
    questionEditor as never,
  );

  const lifecycle =
    (action: 'publish' | 'discard' | 'retire') =>
    async (request: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply) => {
      const principal = principalOf(request);
      const context = auditContextFor(principal, request);
      const code = request.params.code;
      try {
        if (action === 'publish') await service.publish(principal.councilId, code, context);
        if (action === 'discard') await service.discardDraft(principal.councilId, code, context);
        if (action === 'retire') await service.retire(principal.councilId, code, context);
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        const view = await service.editable(principal.councilId, code);
        return reply.code(error.status).view('catalogue/views/admin-service.njk', {
          view,
          d: view.definition,
          versions: await service.versions(principal.councilId, code),
          hasDraft: view.version.status === 'draft',
          interactionLabels: INTERACTION_LABELS,
          channelLabels: CHANNEL_LABELS,
          typeLabels: QUESTION_TYPE_LABELS,
          errors: (error.fieldErrors.length
            ? error.fieldErrors
            : [{ field: 'publish', message: error.message }]
          ).map((e) => ({ text: e.message, href: '#publish' })),
        });
      }
      return reply.redirect(`/staff/admin/services/${encodeURIComponent(code)}?notice=${action}`, 303);
    };
  typed.post(
    '/staff/admin/services/:code/publish',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    lifecycle('publish'),
  );
  typed.post(
    '/staff/admin/services/:code/discard',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    lifecycle('discard'),
  );
  typed.post(
    '/staff/admin/services/:code/retire',
    { config: managePermission, schema: { params: ServiceCodeParams } },
    lifecycle('retire'),
  );
}
