import { bngToWgs84 } from './gazetteer.coordinates.ts';

/**
 * A synthetic town in AddressBase Premium record form, for the demo and the benchmark: streets on
 * a grid around a centre point, numbered houses on both sides, named cottages, buildings of flats
 * (parent and child BLPUs), shops with organisation names, a few provisional plots, renamed houses
 * with historical LPIs, postcodes of about fifteen properties with coherent centroids, and wards and
 * parishes. Deterministic for a given seed. Records are yielded one at a time, so a million
 * properties never sit in memory.
 */
export interface TownOptions {
  /** Roughly how many LPIs to make. */
  lpis: number;
  centreEasting?: number;
  centreNorthing?: number;
  seed?: number;
  /** Local custodian code, used in record keys. */
  custodian?: number;
  townName?: string;
}

export interface GeneratedPostcode {
  postcode: string;
  easting: number;
  northing: number;
  wardCode: string;
  parishCode: string | null;
}

export interface GeneratedArea {
  code: string;
  kind: 'ward' | 'parish' | 'district' | 'county';
  name: string;
}

export interface TownSummary {
  streets: number;
  blpus: number;
  lpis: number;
  records: number;
  postcodes: GeneratedPostcode[];
  areas: GeneratedArea[];
  /** Every street's USRN and centre line, for placing assets. */
  streetLines: { usrn: number; x1: number; y1: number; x2: number; y2: number }[];
}

export const DEMO_DISTRICT_CODE = 'E07900001';
export const DEMO_COUNTY_CODE = 'E10900001';

const STREET_WORDS = [
  'High',
  'Mill',
  'Church',
  'Station',
  'Park',
  'Victoria',
  'Albert',
  'King',
  'Queen',
  'London',
  'Manor',
  'Green',
  'School',
  'Chapel',
  'North',
  'South',
  'West',
  'East',
  'New',
  'Bridge',
  'Castle',
  'Market',
  'Orchard',
  'Meadow',
  'Elm',
  'Oak',
  'Ash',
  'Beech',
  'Willow',
  'Cedar',
  'Hawthorn',
  'Holly',
  'Rowan',
  'Birch',
  'Chestnut',
  'Maple',
  'Windmill',
  'Forge',
  'Well',
  'Spring',
  'Brook',
  'River',
  'Hill',
  'Vale',
  'Grange',
  'Abbey',
  'Priory',
  'Rectory',
  'Vicarage',
  'Kingsway',
  'Cromwell',
  'Nelson',
  'Wellington',
  'Milton',
  'Shakespeare',
  'Chaucer',
  'Byron',
  'Tennyson',
  'Darwin',
  'Newton',
  'Stanley',
  'Clarence',
  'Gladstone',
  'Palmerston',
  'Salisbury',
  'Cavendish',
  'Russell',
  'Grosvenor',
  'Belmont',
  'Fairfield',
  'Highfield',
  'Westfield',
  'Springfield',
  'Woodland',
  'Heath',
  'Common',
  'Field',
  'Cross',
  'Gate',
  'Tower',
  'Lodge',
  'Hall',
  'Court',
  'Farm',
  'Barn',
  'Dale',
  'Mead',
  'Croft',
  'Copse',
  'Glebe',
  'Pound',
  'Quarry',
  'Kiln',
  'Tannery',
  'Wharf',
  'Canal',
  'Ferry',
  'Harbour',
  'Sandy',
  'Stony',
  'Long',
  'Broad',
  'Narrow',
  'Little',
  'Great',
  'Upper',
  'Lower',
  'Middle',
  'Cherry',
  'Apple',
  'Pear',
  'Plum',
  'Lime',
  'Poplar',
  'Alder',
  'Hazel',
  'Laurel',
  'Myrtle',
  'Primrose',
  'Bluebell',
  'Daisy',
  'Violet',
  'Lavender',
  'Heather',
  'Foxglove',
  'Clover',
  'Thistle',
  'Ivy',
  'Fern',
  'Moss',
  'Badger',
  'Fox',
  'Otter',
  'Heron',
  'Kestrel',
  'Swallow',
  'Lark',
  'Wren',
  'Robin',
  'Falcon',
  'Raven',
  'Stag',
  'Hart',
  'Colt',
  'Saxon',
  'Norman',
  'Roman',
  'Tudor',
  'Stuart',
  'Regent',
  'Crown',
  'Anchor',
  'Bell',
  'Swan',
  'Plough',
  'Harrow',
  'Sheaf',
];
const STREET_TYPES = [
  'Street',
  'Road',
  'Lane',
  'Avenue',
  'Close',
  'Drive',
  'Way',
  'Crescent',
  'Gardens',
  'Grove',
  'Place',
  'Terrace',
  'Court',
  'Mews',
  'Rise',
  'Walk',
  'Row',
  'Hill',
  'View',
  'Square',
];
const LOCALITIES = [
  'Westbrook',
  'Eastfield',
  'Northgate',
  'Southmead',
  'Millbrook',
  'Highcross',
  'Kingsmead',
  'Ashford Green',
  'Oakwood',
  'Riverside',
  'Fairview',
  'Brookside',
  'Hatherley',
  'Lowton',
  'Netherby',
  'Upton Marsh',
  'Coldharbour',
  'Whitecross',
  'Redhill',
  'Greenbank',
  'Stonebridge',
  'Elmstead',
  'Hollins',
  'Marshfield',
];
const TOWNS = [
  'Demo Borough',
  'Kingsport',
  'Aldbury',
  'Westhaven',
  'Norbridge',
  'Southwold Vale',
  'Eastmoor',
  'Highbury Cross',
];
const HOUSE_NAMES = [
  'Rose Cottage',
  'Ivy Cottage',
  'The Old Forge',
  'The Old School House',
  'Orchard House',
  'The Laurels',
  'Meadow View',
  'Holly Lodge',
  'The Coach House',
  'Willow Barn',
  'Church View',
  'The Old Bakery',
  'Hillside',
  'Woodside',
  'Fern Cottage',
  'The Granary',
  'Brook House',
  'The Stables',
  'Wisteria Cottage',
  'Apple Tree Cottage',
  'The Old Vicarage',
  'Millstones',
];
const OLD_NAMES = ['Fern Cottage', 'Sunnyside', 'Primrose Villa', 'The Nook', 'Hope Cottage', 'Dunroamin'];
const BUILDING_NAMES = [
  'Mill House',
  'Victoria Court',
  'Albion House',
  'Kingfisher Court',
  'Regent House',
  'Clock Tower Mansions',
  'Riverside Court',
  'Cedar Lodge',
  'Maple House',
  'Jubilee Court',
  'Station House',
  'Wharf Building',
];
const SHOP_NAMES = [
  'Corner Stores',
  'Village Pharmacy',
  'The Bakehouse',
  'High Street Dental Practice',
  'Post Office',
  'Fish Bar',
];
const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** A small, fast, seeded pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CELL = 200;
const ZONE_CELLS = 6;
const DATE = '2005-04-01';

/** AddressBase-style records of a synthetic town; `summary` is complete once iteration ends. */
export function generateTown(options: TownOptions): { records: Iterable<string[]>; summary: TownSummary } {
  const rand = random(options.seed ?? 20260101);
  const custodian = options.custodian ?? 5990;
  const centreE = options.centreEasting ?? 530_000;
  const centreN = options.centreNorthing ?? 180_000;
  const streetsNeeded = Math.max(4, Math.ceil(options.lpis / 46));
  const cols = Math.ceil(Math.sqrt(streetsNeeded));
  const originE = Math.round(centreE - (cols * CELL) / 2);
  const originN = Math.round(centreN - (cols * CELL) / 2);
  const zoneCols = Math.ceil(cols / ZONE_CELLS);
  const summary: TownSummary = {
    streets: 0,
    blpus: 0,
    lpis: 0,
    records: 0,
    postcodes: [],
    areas: [],
    streetLines: [],
  };
  const key = (kind: string, n: number) => `${custodian}${kind}${String(n).padStart(9, '0')}`;

  const zoneName = (zone: number) => {
    const locality = LOCALITIES[zone % LOCALITIES.length] ?? 'Westbrook';
    const round = Math.floor(zone / LOCALITIES.length);
    const town = TOWNS[round % TOWNS.length] ?? 'Demo Borough';
    return { locality, town: round === 0 ? (options.townName ?? town) : town };
  };
  const zones = zoneCols * zoneCols;
  const wardCode = (zone: number) => `E05${String(900_001 + zone).padStart(6, '0')}`;
  const parishCode = (zone: number) =>
    zone < zoneCols ? `E04${String(900_001 + zone).padStart(6, '0')}` : null;
  for (let zone = 0; zone < zones; zone++) {
    const { locality, town } = zoneName(zone);
    const suffix = zone >= LOCALITIES.length ? ` (${town})` : '';
    summary.areas.push({ code: wardCode(zone), kind: 'ward', name: `${locality}${suffix}` });
    const parish = parishCode(zone);
    if (parish) summary.areas.push({ code: parish, kind: 'parish', name: `${locality} Parish${suffix}` });
  }
  summary.areas.push({ code: DEMO_DISTRICT_CODE, kind: 'district', name: 'Demo Borough' });
  summary.areas.push({ code: DEMO_COUNTY_CODE, kind: 'county', name: 'Demo County' });
  const outwardUnits = new Map<string, number>();

  function* records(): Generator<string[]> {
    let uprn = 10_090_000_000;
    let seq = 0;
    let lpisMade = 0;
    let lpiSeq = 0;
    for (let s = 0; s < cols * cols && lpisMade < options.lpis; s++) {
      const cx = s % cols;
      const cy = Math.floor(s / cols);
      const zone = Math.floor(cy / ZONE_CELLS) * zoneCols + Math.floor(cx / ZONE_CELLS);
      const { locality, town } = zoneName(zone);
      const outward =
        zone < 99
          ? `DB${zone + 1}`
          : `D${String.fromCharCode(67 + (Math.floor(zone / 99) % 20))}${(zone % 99) + 1}`;
      const usrn = 20_000_001 + s;
      const word = STREET_WORDS[Math.floor(rand() * STREET_WORDS.length)] ?? 'High';
      const type = STREET_TYPES[(s * 7 + Math.floor(rand() * 3)) % STREET_TYPES.length] ?? 'Street';
      const streetName = s === 0 ? 'High Street' : `${word} ${type}`;
      const horizontal = (cx + cy) % 2 === 0;
      const baseE = originE + cx * CELL;
      const baseN = originN + cy * CELL;
      const [x1, y1, x2, y2] = horizontal
        ? [baseE + 20, baseN + CELL / 2, baseE + CELL - 20, baseN + CELL / 2]
        : [baseE + CELL / 2, baseN + 20, baseE + CELL / 2, baseN + CELL - 20];
      summary.streets++;
      summary.streetLines.push({ usrn, x1, y1, x2, y2 });
      const startLL = bngToWgs84(x1, y1);
      const endLL = bngToWgs84(x2, y2);
      yield [
        '11',
        'I',
        String(++seq),
        String(usrn),
        '1',
        String(custodian),
        '2',
        DATE,
        '1',
        '8',
        '0',
        DATE,
        '',
        DATE,
        DATE,
        x1.toFixed(2),
        y1.toFixed(2),
        String(startLL.lat),
        String(startLL.long),
        x2.toFixed(2),
        y2.toFixed(2),
        String(endLL.lat),
        String(endLL.long),
        '10',
      ];
      yield [
        '15',
        'I',
        String(++seq),
        String(usrn),
        streetName,
        locality,
        town,
        'Demo Borough',
        'ENG',
        DATE,
        '',
        DATE,
        DATE,
      ];

      const perSide = 10 + Math.floor(rand() * 16);
      let unitCode = '';
      let unitPoints: [number, number][] = [];
      const flushUnit = () => {
        if (unitPoints.length === 0) return;
        const e = unitPoints.reduce((sum, p) => sum + p[0], 0) / unitPoints.length;
        const n = unitPoints.reduce((sum, p) => sum + p[1], 0) / unitPoints.length;
        summary.postcodes.push({
          postcode: unitCode,
          easting: Math.round(e),
          northing: Math.round(n),
          wardCode: wardCode(zone),
          parishCode: parishCode(zone),
        });
        unitPoints = [];
      };
      const nextPostcode = () => {
        flushUnit();
        const count = outwardUnits.get(outward) ?? 0;
        outwardUnits.set(outward, count + 1);
        const letters = POSTCODE_LETTERS.length ** 2;
        const digit = Math.floor(count / letters) % 10;
        const a = POSTCODE_LETTERS[Math.floor((count % letters) / POSTCODE_LETTERS.length)];
        const b = POSTCODE_LETTERS[count % POSTCODE_LETTERS.length];
        unitCode = `${outward} ${digit}${a}${b}`;
      };

      for (let side = 0; side < 2; side++) {
        nextPostcode();
        for (let i = 0; i < perSide && lpisMade < options.lpis; i++) {
          if (unitPoints.length >= 15) nextPostcode();
          const number = i * 2 + 1 + side;
          const along = 10 + (i * (CELL - 60)) / perSide;
          const offset = side === 0 ? -12 : 12;
          const e = horizontal ? x1 + along : x1 + offset;
          const n = horizontal ? y1 + offset : y1 + along;
          const postcode = unitCode;
          unitPoints.push([e, n]);
          const roll = rand();
          const ll = bngToWgs84(e, n);
          const blpu = (u: number, status: string, parent: string, cls: string) => {
            summary.blpus++;
            return [
              [
                '21',
                'I',
                String(++seq),
                String(u),
                status,
                status === '6' ? '1' : '2',
                DATE,
                parent,
                e.toFixed(2),
                n.toFixed(2),
                String(ll.lat),
                String(ll.long),
                '1',
                String(custodian),
                'E',
                DATE,
                '',
                DATE,
                DATE,
                'D',
                postcode,
                '0',
              ],
              [
                '32',
                'I',
                String(++seq),
                String(u),
                key('C', u % 1e9),
                cls,
                'AddressBase Premium Classification Scheme',
                '1.0',
                DATE,
                '',
                DATE,
                DATE,
              ],
            ];
          };
          const lpi = (u: number, status: string, sao: [string, string], pao: [string, string], end = '') => {
            summary.lpis++;
            lpisMade++;
            return [
              '24',
              'I',
              String(++seq),
              String(u),
              key('L', ++lpiSeq),
              'ENG',
              status,
              DATE,
              end,
              DATE,
              DATE,
              sao[0],
              '',
              '',
              '',
              sao[1],
              pao[0],
              '',
              '',
              '',
              pao[1],
              String(usrn),
              '1',
              '',
              '',
              'Y',
            ];
          };
          const id = ++uprn;
          if (roll < 0.1) {
            // A building of flats: the parent is a property shell; each flat is a child BLPU.
            const building = BUILDING_NAMES[Math.floor(rand() * BUILDING_NAMES.length)] ?? 'Mill House';
            yield* blpu(id, '1', '', 'PP');
            yield lpi(id, '1', ['', ''], [String(number), building]);
            const flats = 4 + Math.floor(rand() * 9);
            const numbered = rand() < 0.5;
            for (let f = 1; f <= flats; f++) {
              const flat = ++uprn;
              yield* blpu(flat, '1', String(id), 'RD06');
              yield lpi(flat, '1', numbered ? [String(f), ''] : ['', `Flat ${f}`], [
                String(number),
                building,
              ]);
            }
          } else if (roll < 0.16) {
            const name = HOUSE_NAMES[Math.floor(rand() * HOUSE_NAMES.length)] ?? 'Rose Cottage';
            yield* blpu(id, '1', '', 'RD02');
            yield lpi(id, '1', ['', ''], ['', name]);
            if (rand() < 0.4) {
              // Renamed: the old name stays as a historical LPI.
              const old = OLD_NAMES[Math.floor(rand() * OLD_NAMES.length)] ?? 'Sunnyside';
              yield lpi(id, '8', ['', ''], ['', old], '2004-12-31');
            }
          } else if (roll < 0.19) {
            const shop = SHOP_NAMES[Math.floor(rand() * SHOP_NAMES.length)] ?? 'Corner Stores';
            yield* blpu(id, '1', '', 'CR');
            yield lpi(id, '1', ['', ''], [String(number), '']);
            yield ['31', 'I', String(++seq), String(id), key('O', id % 1e9), shop, '', DATE, '', DATE, DATE];
          } else if (roll < 0.2) {
            yield* blpu(id, '6', '', 'RD02');
            yield lpi(id, '6', ['', ''], [String(number), '']);
          } else {
            yield* blpu(id, '1', '', rand() < 0.5 ? 'RD04' : 'RD03');
            yield lpi(id, '1', ['', ''], [String(number), '']);
            if (rand() < 0.3) {
              yield [
                '23',
                'I',
                String(++seq),
                String(id),
                key('X', id % 1e9),
                `CT${String(id % 1e7).padStart(8, '0')}`,
                '0',
                '7666VC',
                DATE,
                '',
                DATE,
                DATE,
              ];
            }
          }
        }
        flushUnit();
      }
    }
  }
  function* counted(): Generator<string[]> {
    for (const record of records()) {
      summary.records++;
      yield record;
    }
  }
  return { records: counted(), summary };
}

/** One CSV line in AddressBase style: text quoted, numbers and dates bare. */
export function addressBaseLine(fields: string[]): string {
  return fields
    .map((value, i) => {
      if (i === 0 || value === '' || /^-?\d+(\.\d+)?$/.test(value) || /^\d{4}-\d{2}-\d{2}$/.test(value))
        return value;
      return `"${value.replaceAll('"', '""')}"`;
    })
    .join(',');
}

export function addressBaseHeader(fileType: 'F' | 'C', custodian = 5990): string {
  return addressBaseLine([
    '10',
    'Demo Borough Council',
    String(custodian),
    '2026-01-01',
    '1',
    '2026-01-01',
    '00:00:00',
    '2.0',
    fileType,
  ]);
}

export function addressBaseTrailer(count: number): string {
  return `99,0,${count},2026-01-01,00:00:00`;
}
