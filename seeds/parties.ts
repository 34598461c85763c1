import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createGazetteerService, generateTown } from '../src/modules/gazetteer/index.ts';
import { type BulkRow, createPartiesService, type PartyInput } from '../src/modules/parties/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import type { Executor } from '../src/platform/db/database.ts';

/** A small, fast, seedable random number generator (mulberry32), so demo data is the same every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Weighted {
  values: string[];
  cumulative: number[];
}

function weighted(entries: [string, number][]): Weighted {
  let total = 0;
  const cumulative = entries.map(([, w]) => {
    total += w;
    return total;
  });
  return { values: entries.map(([v]) => v), cumulative: cumulative.map((c) => c / total) };
}

function pick(list: Weighted, random: () => number): string {
  const r = random();
  let lo = 0;
  let hi = list.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list.cumulative[mid] ?? 1) < r) lo = mid + 1;
    else hi = mid;
  }
  return list.values[lo] ?? list.values[0] ?? '';
}

const capitalise = (name: string) =>
  name
    .replace(/(^|[-' ])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase())
    .replace(/^Mc([a-z])/, (_m, c: string) => `Mc${c.toUpperCase()}`);

export interface NameLists {
  female: Weighted;
  male: Weighted;
  surnames: Weighted;
}

let names: NameLists | undefined;

/** UK forenames and surnames with their frequencies (see seeds/data/SOURCES.md). */
export function nameLists(): NameLists {
  if (names) return names;
  const dir = path.join(import.meta.dirname, 'data');
  const forenames = parse(readFileSync(path.join(dir, 'forenames.csv'), 'utf8'), {
    from_line: 2,
  }) as string[][];
  const surnames = parse(readFileSync(path.join(dir, 'surnames.csv'), 'utf8'), {
    from_line: 2,
  }) as string[][];
  const of = (sex: string) =>
    weighted(forenames.filter((r) => r[1] === sex).map((r) => [capitalise(r[0] ?? ''), Number(r[2])]));
  names = {
    female: of('female'),
    male: of('male'),
    surnames: weighted(surnames.map((r) => [capitalise(r[0] ?? ''), Number(r[1])])),
  };
  return names;
}

const STREETS = [
  'Acacia Avenue',
  'Albert Road',
  'Beech Grove',
  'Church Lane',
  'Coronation Street',
  'Elm Close',
  'High Street',
  'Kingsway',
  'Market Square',
  'Mill Lane',
  'Park Road',
  'Queens Drive',
  'Riverside Walk',
  'Station Road',
  'The Crescent',
  'Victoria Terrace',
  'Windmill Hill',
  'York Place',
];
const POSTCODE_SECTORS = ['SE1 7', 'SE1 8', 'SE11 4', 'SE11 5', 'SW8 1', 'SW8 2', 'SE17 1', 'SE17 3'];
const UNITS = 'ABDEFGHJLNPQRSTUWXYZ';
// Ofcom's numbers for drama: safe to show, never anyone's real phone.
const DRAMA_PREFIXES = [
  '020 7946 0',
  '0113 496 0',
  '0114 496 0',
  '0116 496 0',
  '0117 496 0',
  '0118 496 0',
  '0121 496 0',
  '0131 496 0',
  '0141 496 0',
  '0151 496 0',
  '0161 496 0',
];

export interface GeneratedPerson {
  input: PartyInput & { givenName: string; familyName: string; dateOfBirth: string };
  sex: 'female' | 'male';
}

export interface GeneratedHousehold {
  name: string;
  address: { text: string; postcode: string; uprn?: number };
  members: GeneratedPerson[];
}

export interface GeneratorOptions {
  random: () => number;
  /** Phone numbers: Ofcom's drama ranges (demo) or any UK mobile (benchmarks on throwaway data). */
  phones: 'drama' | 'mobile';
  emailDomain: string;
}

/** Households of realistic people: shared surname and address, adults and children of plausible ages. */
export function generateHousehold(options: GeneratorOptions, serial: number): GeneratedHousehold {
  const { random } = options;
  const lists = nameLists();
  const surname = pick(lists.surnames, random);
  const street = STREETS[Math.floor(random() * STREETS.length)] ?? 'High Street';
  const postcode = `${POSTCODE_SECTORS[Math.floor(random() * POSTCODE_SECTORS.length)]}${UNITS[Math.floor(random() * UNITS.length)]}${UNITS[Math.floor(random() * UNITS.length)]}`;
  const address = { text: `${1 + Math.floor(random() * 180)} ${street}, Demo Town`, postcode };
  const size = 1 + Math.floor(random() * random() * 5);
  const members: GeneratedPerson[] = [];
  const adultYear = 1935 + Math.floor(random() * 70);
  for (let i = 0; i < size; i++) {
    const sex = random() < 0.5 ? 'female' : 'male';
    const child = i >= 2;
    const year = child
      ? Math.min(2024, adultYear + 20 + Math.floor(random() * 15))
      : adultYear + Math.floor(random() * 6) - 3;
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const givenName = pick(sex === 'female' ? lists.female : lists.male, random);
    const familyName = i === 1 && random() < 0.15 ? pick(lists.surnames, random) : surname;
    const dateOfBirth = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const input: GeneratedPerson['input'] = { kind: 'person', givenName, familyName, dateOfBirth, address };
    if (!child && random() < 0.75) {
      input.phone =
        options.phones === 'drama'
          ? `${DRAMA_PREFIXES[Math.floor(random() * DRAMA_PREFIXES.length)]}${String(Math.floor(random() * 1000)).padStart(3, '0')}`
          : `07${800_000_000 + Math.floor(random() * 99_999_999)}`;
    }
    if (!child && random() < 0.55) {
      input.email = `${givenName}.${familyName}${serial % 97 === 0 ? '' : serial + i}@${options.emailDomain}`
        .toLowerCase()
        .replace(/[^a-z0-9.@-]/g, '');
    }
    if (random() < 0.3)
      input.identifiers = [{ scheme: 'council_tax', value: `CT${String(10_000_000 + serial).slice(-8)}` }];
    if (random() < 0.05) input.communication = { language: 'cy' };
    members.push({ input, sex });
  }
  return { name: `${surname} household`, address, members };
}

/** Named people the demo and the browser tests rely on. */
export const DEMO_PEOPLE = {
  margaret: {
    kind: 'person',
    title: 'Mrs',
    givenName: 'Margaret',
    familyName: 'Thompson',
    dateOfBirth: '1957-03-12',
    address: { text: '12 Acacia Avenue, Demo Town', postcode: 'SE1 7PB' },
    phone: '020 7946 0001',
    email: 'margaret.thompson@example.com',
    nhsNumber: '943 476 5919',
  },
  robert: {
    kind: 'person',
    title: 'Mr',
    givenName: 'Robert',
    familyName: 'Thompson',
    dateOfBirth: '1955-11-02',
    address: { text: '12 Acacia Avenue, Demo Town', postcode: 'SE1 7PB' },
    phone: '020 7946 0002',
  },
  // The same Margaret, as the old housing system recorded her: a duplicate to merge.
  maggie: {
    kind: 'person',
    givenName: 'Maggie',
    familyName: 'Thomson',
    dateOfBirth: '1957-03-12',
    address: { text: '12 Acacia Ave, Demo Town', postcode: 'SE1 7PB' },
    phone: '020 7946 0001',
    identifiers: [{ scheme: 'source', system: 'housing', value: 'H000123' }],
  },
} satisfies Record<string, PartyInput>;

export interface DemoPartiesResult {
  people: number;
  households: number;
  /** Households given a home in the gazetteer's demo town (with its UPRN). */
  housed: number;
}

/**
 * Homes in the gazetteer's demo town (residential properties, with their UPRN, formatted address and
 * postcode), in a fixed shuffled order. The town is generated the same way every time, so its
 * residential UPRNs are read from the generator and their addresses from the gazetteer.
 */
export async function demoTownHomes(
  db: Executor,
  councilId: string,
  lpis: number,
): Promise<{ text: string; postcode: string; uprn: number }[]> {
  const residential: number[] = [];
  for (const record of generateTown({ lpis }).records)
    if (record[0] === '32' && record[5]?.startsWith('RD') && record[3]) residential.push(Number(record[3]));
  const gazetteer = createGazetteerService(db);
  const homes: { text: string; postcode: string; uprn: number }[] = [];
  for (let i = 0; i < residential.length; i += 1_000) {
    for (const p of await gazetteer.properties(councilId, residential.slice(i, i + 1_000)))
      if (p.address && p.postcode) homes.push({ text: p.address, postcode: p.postcode, uprn: p.uprn });
  }
  const random = seededRandom(5_990);
  for (let i = homes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [homes[i], homes[j]] = [homes[j] as (typeof homes)[number], homes[i] as (typeof homes)[number]];
  }
  return homes;
}

/**
 * Seeds the demo council with a few thousand people in households, a few organisations, and the
 * Thompsons (with an alert, a household and a duplicate to merge). Runs once, with the council.
 */
export async function seedDemoParties(
  db: Executor,
  councilId: string,
  households = 1_100,
  /** The size of the gazetteer's demo town (seeded first), whose homes the households live in. */
  townLpis?: number,
): Promise<DemoPartiesResult> {
  const parties = createPartiesService(db);
  const context = systemAuditContext(councilId, 'demo seed');
  const random = seededRandom(20_260_401);
  const generated = Array.from({ length: households }, (_, i) =>
    generateHousehold({ random, phones: 'drama', emailDomain: 'example.com' }, i),
  );
  // Most households live at a real address in the demo town, so their records carry its UPRN and the
  // property page lists them; about one in twelve keeps an address the gazetteer does not know.
  const homes = townLpis ? await demoTownHomes(db, councilId, townLpis) : [];
  let housed = 0;
  generated.forEach((h, i) => {
    const home = homes[housed];
    if (!home || i % 12 === 11) return;
    // Members share the household's address object, so they move in with it.
    Object.assign(h.address, home);
    housed++;
  });
  const rows: BulkRow[] = [];
  for (const h of generated) {
    rows.push({ line: rows.length + 1, input: { kind: 'household', name: h.name, address: h.address } });
    for (const m of h.members) rows.push({ line: rows.length + 1, input: m.input });
  }
  const loaded = await parties.bulkLoad(councilId, rows, context);
  const ids = loaded.created.map((c) => c.id);
  const relationships: Parameters<typeof parties.bulkRelate>[1][number][] = [];
  let at = 0;
  for (const h of generated) {
    const householdId = ids[at++] ?? '';
    h.members.forEach((_m, i) => {
      const personId = ids[at++] ?? '';
      relationships.push({
        type: i === 0 ? 'household_head' : 'household_member',
        fromPartyId: personId,
        toPartyId: householdId,
        validFrom: null,
      });
      if (i >= 2) {
        const parentId = ids[at - 1 - i];
        if (parentId)
          relationships.push({
            type: 'parent_of',
            fromPartyId: parentId,
            toPartyId: personId,
            validFrom: null,
          });
      }
    });
  }
  await parties.bulkRelate(councilId, relationships);

  const margaret = await parties.createParty(councilId, DEMO_PEOPLE.margaret, context);
  const robert = await parties.createParty(councilId, DEMO_PEOPLE.robert, context);
  await parties.createParty(councilId, DEMO_PEOPLE.maggie, context);
  const household = await parties.createParty(
    councilId,
    { kind: 'household', name: 'Thompson household', address: DEMO_PEOPLE.margaret.address },
    context,
  );
  await parties.addRelationship(
    councilId,
    { type: 'household_head', fromPartyId: robert.id, toPartyId: household.id },
    context,
  );
  await parties.addRelationship(
    councilId,
    { type: 'household_member', fromPartyId: margaret.id, toPartyId: household.id },
    context,
  );
  await parties.addRelationship(
    councilId,
    { type: 'carer_of', fromPartyId: robert.id, toPartyId: margaret.id },
    context,
  );
  const nextYear = `${new Date().getUTCFullYear() + 1}-03-31`;
  await parties.addAlert(
    councilId,
    margaret.id,
    {
      kind: 'vulnerable',
      reason: 'Lives with dementia; speak to Robert Thompson (carer) where she agrees.',
      reviewOn: nextYear,
    },
    context,
  );
  const landlord = await parties.createParty(
    councilId,
    {
      kind: 'organisation',
      organisationName: 'Demo Homes Housing Association',
      organisationType: 'partner_agency',
      phone: '020 7946 0999',
      email: 'lettings@demo-homes.example.org',
    },
    context,
  );
  await parties.addRelationship(
    councilId,
    { type: 'landlord_of', fromPartyId: landlord.id, toPartyId: margaret.id },
    context,
  );
  await parties.createParty(
    councilId,
    {
      kind: 'organisation',
      organisationName: 'Acacia Avenue Residents Association',
      organisationType: 'charity',
    },
    context,
  );
  return { people: rows.length - generated.length + 3, households: generated.length + 1, housed };
}
