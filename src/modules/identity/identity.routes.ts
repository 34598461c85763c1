import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditContextFor } from '../../platform/audit/audit.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { NotFound } from '../../platform/http/errors.ts';
import type { IdentityService } from './identity.service.ts';
import { LOAD_THRESHOLDS } from './register-model.ts';

export interface IdentityRouteOptions {
  service: IdentityService;
}

type FormBody = Record<string, string | string[] | undefined>;

function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route requires a principal');
  return request.principal;
}

const FIELD_LABELS: Record<string, string> = {
  given_name: 'Given name',
  family_name: 'Family name',
  date_of_birth: 'Date of birth',
  postcode: 'Postcode',
  address: 'Address',
  phone: 'Phone',
  email: 'Email',
  ni_number: 'National Insurance number',
};

const RECORD_FIELDS: [string, string][] = [
  ['givenNames', 'Given names'],
  ['familyName', 'Family name'],
  ['dateOfBirth', 'Date of birth'],
  ['address', 'Address'],
  ['postcode', 'Postcode'],
  ['phone', 'Phone'],
  ['email', 'Email'],
  ['niNumber', 'National Insurance number'],
];

const MEASURE_LABELS: Record<string, string> = {
  missing_dob: 'Missing date of birth',
  invalid_postcode: 'Invalid or missing postcode',
  duplicates: 'Duplicates within the source system',
};

const bits = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(1)}`;
const percent = (p: number) => `${(100 * p).toFixed(p >= 0.9995 && p < 1 ? 2 : 1)}%`;

type Review = Awaited<ReturnType<IdentityService['reviewQueue']>>['rows'][number];

function pairLocals(r: Review) {
  const e = r.explanation;
  let running = e.priorLog2Odds;
  return {
    id: r.id,
    leftPartyId: r.leftPartyId,
    rightPartyId: r.rightPartyId,
    leftName: r.leftName,
    rightName: r.rightName,
    leftReference: r.leftReference,
    rightReference: r.rightReference,
    source: r.system ? `${r.system} record ${r.sourceKey ?? ''}` : 'the register',
    probability: percent(r.matchProbability),
    skipped: r.skippedAt !== null,
    comparison: RECORD_FIELDS.map(([key, label]) => {
      const left = String(e.leftRecord?.[key] ?? '');
      const right = String(e.rightRecord?.[key] ?? '');
      return { label, left, right, same: left !== '' && left.toLowerCase() === right.toLowerCase() };
    }),
    waterfall: [
      {
        label: 'Starting point (how likely any two records are the same person)',
        level: '',
        weight: bits(e.priorLog2Odds),
        total: bits(e.priorLog2Odds),
        positive: false,
        negative: true,
      },
      ...e.steps.map((s) => {
        const weight = s.log2BayesFactor + s.termFrequencyAdjustment;
        running += weight;
        return {
          label: FIELD_LABELS[s.comparison] ?? s.comparison,
          level:
            s.level === 'missing'
              ? 'missing on one side'
              : `${s.level}${s.termFrequencyAdjustment !== 0 ? ` (value frequency ${bits(s.termFrequencyAdjustment)})` : ''}`,
          weight: bits(weight),
          total: bits(running),
          positive: weight > 0.05,
          negative: weight < -0.05,
        };
      }),
    ],
    finalLog2Odds: bits(e.finalLog2Odds),
  };
}

const NOTICES: Record<string, string> = {
  accepted: 'merged',
  rejected: 'marked as different people',
  skipped: 'skipped for now',
};

export async function identityRoutes(app: FastifyInstance, options: IdentityRouteOptions): Promise<void> {
  const { service } = options;

  app.get('/staff/identity/review', { config: { permission: 'identity.review' } }, async (request, reply) => {
    const principal = principalOf(request);
    const query = request.query as Record<string, string | undefined>;
    const page = Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1);
    const pageSize = 10;
    const queue = await service.reviewQueue(principal.councilId, page, pageSize);
    const done = Object.entries(NOTICES)
      .map(([key, text]) => ({ count: Number(query[key] ?? 0), text }))
      .filter((n) => n.count > 0)
      .map((n) => `${n.count} pair${n.count === 1 ? '' : 's'} ${n.text}`);
    return reply.view('identity/views/review.njk', {
      pairs: queue.rows.map(pairLocals),
      total: queue.total,
      page,
      pages: Math.max(1, Math.ceil(queue.total / pageSize)),
      notice: done.length > 0 ? `${done.join(', ')}.` : null,
      mergedParty: query.party ?? null,
      failed: query.failed ? String(query.failed) : null,
      thresholds: LOAD_THRESHOLDS,
      section: 'review',
    });
  });

  app.post(
    '/staff/identity/review',
    { config: { permission: 'identity.review' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as FormBody;
      const single = typeof body.single === 'string' ? body.single : '';
      let ids: string[];
      let decision: string;
      if (single) {
        const [id, choice] = single.split(':');
        ids = [id ?? ''];
        decision = choice ?? '';
      } else {
        ids = [body.ids ?? []].flat().filter((v): v is string => typeof v === 'string');
        decision = typeof body.decision === 'string' ? body.decision : '';
      }
      if (decision !== 'accept' && decision !== 'reject' && decision !== 'skip') decision = '';
      if (ids.length === 0 || decision === '') {
        const queue = await service.reviewQueue(principal.councilId, 1, 10);
        return reply.code(400).view('identity/views/review.njk', {
          pairs: queue.rows.map(pairLocals),
          total: queue.total,
          page: 1,
          pages: Math.max(1, Math.ceil(queue.total / 10)),
          thresholds: LOAD_THRESHOLDS,
          section: 'review',
          errors: [
            {
              text:
                ids.length === 0
                  ? 'Select at least one pair to accept, reject or skip'
                  : 'Choose whether to accept, reject or skip the selected pairs',
              href: ids.length === 0 && queue.rows[0] ? `#pair-${queue.rows[0].id}` : '#decisions',
            },
          ],
        });
      }
      const results = await service.decide(
        principal.councilId,
        ids,
        decision as 'accept' | 'reject' | 'skip',
        auditContextFor(principal, request),
      );
      const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
      const params = new URLSearchParams();
      for (const key of Object.keys(NOTICES)) if (count(key) > 0) params.set(key, String(count(key)));
      const failed = results.find((r) => r.outcome === 'failed');
      if (failed?.message) params.set('failed', failed.message);
      if (single && decision === 'accept' && count('accepted') === 1) {
        const review = await service.getReview(principal.councilId, ids[0] as string);
        params.set('party', review.leftPartyId);
      }
      return reply.redirect(`/staff/identity/review?${params.toString()}`, 303);
    },
  );

  app.get(
    '/staff/identity/thresholds',
    { config: { permission: 'identity.review' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const report = await service.thresholdsReport(principal.councilId);
      return reply.view('identity/views/thresholds.njk', {
        ...report,
        bands: report.bands.map((b) => ({
          ...b,
          share: b.acceptedShare === null ? '' : percent(b.acceptedShare),
          inBand:
            b.band / 10 >= report.current.match
              ? 'merged automatically'
              : (b.band + 1) / 10 <= report.current.review
                ? 'created as new people'
                : 'reviewed',
        })),
        section: 'thresholds',
      });
    },
  );

  app.get(
    '/staff/identity/quality',
    { config: { permission: 'identity.review' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const [quality, signals] = await Promise.all([
        service.quality(principal.councilId, 30),
        service.signals(principal.councilId, 20),
      ]);
      const systemLabel = (s: string) => (s === '' ? 'Whole register' : s);
      const dates = [...new Set(quality.history.map((h) => h.takenOn))].slice(-14);
      const key = (m: string, s: string) => `${m}|${s}`;
      const trend = quality.current.map((m) => {
        const points = dates.map((d) =>
          quality.history.find(
            (h) => h.takenOn === d && key(h.measure, h.system) === key(m.measure, m.system),
          ),
        );
        const first = points.find((p) => p !== undefined);
        const rate = (v: number, t: number) => (t > 0 ? v / t : 0);
        const change = first ? rate(m.value, m.total) - rate(first.value, first.total) : null;
        return {
          measure: MEASURE_LABELS[m.measure] ?? m.measure,
          system: systemLabel(m.system),
          value: m.value,
          total: m.total,
          rate: m.total > 0 ? percent(m.value / m.total) : '–',
          points: points.map((p) => (p ? (p.total > 0 ? percent(p.value / p.total) : '–') : '')),
          change:
            change === null
              ? 'no earlier snapshot'
              : Math.abs(change) < 0.0005
                ? 'no change'
                : `${change > 0 ? 'up' : 'down'} ${(100 * Math.abs(change)).toFixed(1)} points`,
        };
      });
      return reply.view('identity/views/quality.njk', {
        trend,
        dates,
        signals,
        section: 'quality',
      });
    },
  );

  app.get(
    '/staff/identity/quality/:signal',
    { config: { permission: 'identity.review' } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { signal } = request.params as { signal: string };
      const signals = await service.signals(principal.councilId, 100_000);
      let rows: string[][];
      if (signal === 'dates-of-birth.csv' || signal === 'two-addresses.csv') {
        const list = signal === 'dates-of-birth.csv' ? signals.birthDates : signals.addresses;
        rows = [
          [
            'party_reference',
            'party_id',
            'name',
            'system',
            'key',
            signal === 'dates-of-birth.csv' ? 'date_of_birth' : 'address',
          ],
          ...list.flatMap((s) =>
            s.sources.map((src) => [s.reference, s.partyId, s.displayName, src.system, src.key, src.value]),
          ),
        ];
      } else if (signal === 'single-person-discount.csv') {
        rows = [
          [
            'party_reference',
            'party_id',
            'name',
            'system',
            'key',
            'address',
            'other_adult_reference',
            'other_adult_name',
          ],
          ...signals.discounts.flatMap((s) =>
            s.others.map((o) => [
              s.reference,
              s.partyId,
              s.displayName,
              s.system,
              s.key,
              s.address,
              o.reference,
              o.displayName,
            ]),
          ),
        ];
      } else throw new NotFound('That list');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${signal}"`)
        .send(stringify(rows));
    },
  );
}
