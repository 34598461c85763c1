import { type CasesService, createCasesService, type ImportedRequest } from '../src/modules/cases/index.ts';
import {
  type CatalogueService,
  createCatalogueService,
  type Question,
} from '../src/modules/catalogue/index.ts';
import { createGazetteerService, type GazetteerService } from '../src/modules/gazetteer/index.ts';
import type { GovernanceService } from '../src/modules/governance/index.ts';
import { createPartiesService, type PartiesService } from '../src/modules/parties/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import type { Executor } from '../src/platform/db/database.ts';
import { seededRandom } from './parties.ts';

const SURNAMES = [
  'Smith',
  'Jones',
  'Williams',
  'Taylor',
  'Brown',
  'Davies',
  'Evans',
  'Wilson',
  'Thomas',
  'Roberts',
];
const STREET_WORDS = ['High Street', 'Road', 'Street', 'Avenue', 'Lane', 'Close'];

/** A plausible answer for a question, by its type (the demo's requests are imported, not typed in). */
function answerFor(q: Question, place: ImportedRequest['place'], pick: <T>(xs: readonly T[]) => T): unknown {
  switch (q.type) {
    case 'single_choice':
      return q.options ? pick(q.options).value : undefined;
    case 'multi_choice':
      return q.options ? [pick(q.options).value] : undefined;
    case 'yes_no':
      return pick([true, false, false]);
    case 'number':
      return Math.max(q.validation?.min ?? 1, 1);
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'location':
      return place
        ? { lat: place.lat, long: place.long, description: place.text ?? 'Outside the property' }
        : undefined;
    case 'address':
      return place ? { uprn: String(place.uprn), text: place.text ?? '' } : undefined;
    case 'email':
      return 'resident@example.com';
    case 'phone':
      return '020 7946 0001';
    case 'text':
    case 'textarea':
      return q.required ? 'Reported by phone' : undefined;
    default:
      return undefined;
  }
}

const DESCRIPTIONS = [
  'Reported by a resident on the phone',
  'Caller says this has been the case for over a week',
  'Second report this month',
  'Near the junction, by the bus stop',
  'Resident is worried about children playing nearby',
  'Caller will send a photo by email',
];

/**
 * Seeds a few hundred requests over the demo council's services, people and addresses, in every state,
 * so the work queues and the supervisor dashboard have something to show on `npm start`.
 */
export async function seedDemoCases(
  services: {
    cases: CasesService;
    catalogue: CatalogueService;
    parties: PartiesService;
    gazetteer: GazetteerService;
    governance: GovernanceService;
  },
  councilId: string,
  count = 300,
): Promise<{ requests: number }> {
  const random = seededRandom(20_261_122);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const listed = await services.catalogue.list(councilId, {
    status: 'published',
    informationOnly: false,
    limit: 500,
  });
  const codes = listed.results.filter((s) => !s.informationOnly).map((s) => s.code);
  if (codes.length === 0) return { requests: 0 };
  const definitions = await Promise.all(codes.map((code) => services.catalogue.get(councilId, code)));
  // Street reports dominate a council's requests; weight them so the queues look like a real week.
  const weighted = definitions.flatMap((d) =>
    d.definition.interaction === 'report' ? [d.definition, d.definition, d.definition] : [d.definition],
  );

  const partyIds = new Set<string>();
  for (const surname of SURNAMES) {
    for (const r of await services.parties.search(councilId, surname, 30)) {
      if (r.party.kind === 'person') partyIds.add(r.party.id);
    }
  }
  const people = [...partyIds];
  const places: NonNullable<ImportedRequest['place']>[] = [];
  for (const word of STREET_WORDS) {
    const found = await services.gazetteer.searchAddresses(councilId, word, 50);
    for (const p of found.results)
      places.push({
        uprn: p.uprn,
        usrn: p.usrn,
        easting: p.easting,
        northing: p.northing,
        lat: p.lat,
        long: p.long,
        text: p.address,
        wardCode: p.ward?.code ?? null,
        wardName: p.ward?.name ?? null,
      });
  }
  const users = await services.governance.listUsers(councilId);
  const officers = users
    .filter((u) => u.role === 'officer' || u.role === 'supervisor')
    .map((u) => ({ id: u.id, name: u.displayName, teamId: u.teamId }));
  const agent = users.find((u) => u.role === 'agent');

  const now = Date.now();
  const items: ImportedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const definition = pick(weighted);
    const place = places.length ? pick(places) : undefined;
    const answers: Record<string, unknown> = {};
    for (const q of definition.questions) {
      if (q.showWhen) continue;
      const value = answerFor(q, place, pick);
      if (value !== undefined) answers[q.code] = value;
    }
    // Mostly recent, with a tail of older requests, so some are at risk and some have breached.
    const ageDays = random() < 0.7 ? random() * 10 : 10 + random() * 50;
    const submittedAt = new Date(now - ageDays * 86_400_000);
    const roll = random();
    const status: ImportedRequest['status'] =
      roll < 0.25
        ? 'submitted'
        : roll < 0.4
          ? 'acknowledged'
          : roll < 0.6
            ? 'in_progress'
            : roll < 0.65
              ? 'on_hold'
              : roll < 0.85
                ? 'resolved'
                : roll < 0.95
                  ? 'closed'
                  : 'cancelled';
    const open = ['submitted', 'acknowledged', 'in_progress', 'on_hold'].includes(status);
    const officer = status !== 'submitted' && officers.length && random() < 0.6 ? pick(officers) : null;
    const channel = pick(['phone', 'phone', 'web', 'web', 'web', 'email', 'face_to_face'] as const);
    items.push({
      serviceCode: definition.code,
      status,
      ...(status === 'resolved' || status === 'closed'
        ? {
            outcome: pick([
              'fixed',
              'fixed',
              'fixed',
              'no_further_action',
              'not_councils_responsibility',
            ] as const),
          }
        : {}),
      channel,
      description: pick(DESCRIPTIONS),
      answers,
      partyId: people.length && random() < 0.85 ? pick(people) : null,
      ...(place ? { place } : {}),
      assignee: officer,
      ...(channel === 'phone' && agent ? { ownerLabel: agent.displayName } : {}),
      submittedAt,
      ...(open
        ? {}
        : { resolvedAt: new Date(submittedAt.getTime() + random() * Math.min(ageDays, 20) * 86_400_000) }),
      ...(random() < 0.3 ? { updates: [{ body: 'Inspection booked', public: true }] } : {}),
    });
  }
  const result = await services.cases.importRequests(
    councilId,
    items,
    systemAuditContext(councilId, 'demo seed'),
  );
  return { requests: result.ids.length };
}

/** The demo seed's entry point: builds the services it needs over the same database. */
export async function seedDemoCasesIn(
  db: Executor,
  governance: GovernanceService,
  councilId: string,
  count = 300,
): Promise<{ requests: number }> {
  const catalogue = createCatalogueService(db, { teams: governance });
  const parties = createPartiesService(db);
  const gazetteer = createGazetteerService(db);
  const cases = createCasesService(db, { catalogue, parties, gazetteer, staff: governance });
  return seedDemoCases({ cases, catalogue, parties, gazetteer, governance }, councilId, count);
}
