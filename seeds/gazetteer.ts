import {
  DEMO_COUNTY_CODE,
  DEMO_DISTRICT_CODE,
  type GazetteerService,
  generateTown,
} from '../src/modules/gazetteer/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';

export interface GazetteerSeedResult {
  lpis: number;
  blpus: number;
  streets: number;
  assets: number;
}

/**
 * About 20,000 addresses for the demo; GUILDHALL_DEMO_ADDRESSES changes that. Test runs, which seed
 * a fresh demo council for every test file, get a small town unless they ask otherwise.
 */
export function demoTownSize(): number {
  const asked = Number(process.env.GUILDHALL_DEMO_ADDRESSES);
  if (Number.isInteger(asked) && asked > 0) return asked;
  return process.env.NODE_ENV === 'test' || process.env.VITEST ? 800 : 20_000;
}

/** Service categories and who delivers them in the demo's two-tier area. */
const COUNTY_SERVICES = [
  'highways',
  'street-lighting',
  'education',
  'social-care',
  'libraries',
  'waste-disposal',
  'trading-standards',
  'public-rights-of-way',
];
const DISTRICT_SERVICES = [
  'waste-collection',
  'planning',
  'housing',
  'council-tax',
  'benefits',
  'environmental-health',
  'licensing',
  'street-cleansing',
  'parking',
  'pest-control',
];

/**
 * The demo's gazetteer: a synthetic town of about `lpis` addresses around the demo council's point,
 * loaded through the same staging-and-swap import as a real AddressBase supply, with its postcodes,
 * wards and parishes, a two-tier split of services between Demo Borough and Demo County, and a few
 * hundred street lights and litter bins.
 */
export async function seedGazetteer(
  gazetteer: GazetteerService,
  councilId: string,
  options: { lpis?: number } = {},
): Promise<GazetteerSeedResult> {
  const context = systemAuditContext(councilId, 'demo seed');
  const town = generateTown({ lpis: options.lpis ?? demoTownSize() });
  function* lines() {
    let line = 0;
    yield {
      record: ['10', 'Demo Borough Council', '5990', '2026-01-01', '1', '2026-01-01', '00:00:00', '2.0', 'F'],
      info: { lines: ++line },
    };
    for (const record of town.records) yield { record, info: { lines: ++line } };
    yield {
      record: ['99', '0', String(town.summary.records), '2026-01-01', '00:00:00'],
      info: { lines: ++line },
    };
  }
  const report = await gazetteer.importAddressBaseRecords(
    councilId,
    lines(),
    { fileName: 'demo-town (generated)', mode: 'full' },
    context,
  );
  if (report.rejectedCount > 0)
    throw new Error(`demo town rejected: ${JSON.stringify(report.rejected.slice(0, 3))}`);
  await gazetteer.addPostcodes(
    town.summary.postcodes.map((p) => ({
      ...p,
      localAuthorityCode: DEMO_DISTRICT_CODE,
      countyCode: DEMO_COUNTY_CODE,
    })),
  );
  const parishes = town.summary.areas.filter((a) => a.kind === 'parish');
  const wards = town.summary.areas.filter((a) => a.kind === 'ward');
  await gazetteer.defineAreasAndResponsibilities(
    councilId,
    {
      areas: town.summary.areas,
      bodies: [
        {
          code: 'demo-borough',
          name: 'Demo Borough Council',
          kind: 'district',
          email: 'customer.services@demo-borough.example',
          phone: '01632 960000',
          website: null,
        },
        {
          code: 'demo-county',
          name: 'Demo County Council',
          kind: 'county',
          email: 'highways@demo-county.example',
          phone: '01632 960500',
          website: null,
        },
        {
          code: 'demo-homes',
          name: 'Demo Homes Housing Association',
          kind: 'partner',
          email: 'repairs@demo-homes.example',
          phone: '01632 960900',
          website: null,
        },
        ...parishes.map((p) => ({
          code: `parish-${p.code.toLowerCase()}`,
          name: `${p.name} Council`,
          kind: 'parish',
          email: null,
          phone: null,
          website: null,
        })),
      ],
      rules: [
        {
          serviceCategory: '*',
          areaCode: '*',
          bodyCode: 'demo-borough',
          notes: 'Anything not listed: the borough takes it first',
        },
        ...COUNTY_SERVICES.map((c) => ({
          serviceCategory: c,
          areaCode: DEMO_COUNTY_CODE,
          bodyCode: 'demo-county',
          notes: 'County function in a two-tier area',
        })),
        ...DISTRICT_SERVICES.map((c) => ({
          serviceCategory: c,
          areaCode: DEMO_DISTRICT_CODE,
          bodyCode: 'demo-borough',
          notes: 'District function in a two-tier area',
        })),
        ...parishes.flatMap((p) =>
          ['allotments', 'bus-shelters'].map((c) => ({
            serviceCategory: c,
            areaCode: p.code,
            bodyCode: `parish-${p.code.toLowerCase()}`,
            notes: 'Parish council function',
          })),
        ),
        ...(wards[0]
          ? [
              {
                serviceCategory: 'housing-repairs',
                areaCode: wards[0].code,
                bodyCode: 'demo-homes',
                notes: 'Stock transferred to the housing association',
              },
            ]
          : []),
        {
          serviceCategory: 'housing-repairs',
          areaCode: DEMO_DISTRICT_CODE,
          bodyCode: 'demo-borough',
          notes: 'Council housing',
        },
      ],
    },
    context,
  );
  // Street lights every 40 m along each street and a litter bin at each end of every third street.
  const assets: Parameters<GazetteerService['addAssets']>[1] = [];
  town.summary.streetLines.forEach((s, i) => {
    if (i % 2 !== 0) return;
    const length = Math.hypot(s.x2 - s.x1, s.y2 - s.y1);
    for (let d = 0, k = 1; d <= length; d += 40, k++) {
      const f = length === 0 ? 0 : d / length;
      assets.push({
        ref: `SL-${s.usrn}-${String(k).padStart(2, '0')}`,
        type: 'street_light',
        easting: Math.round((s.x1 + (s.x2 - s.x1) * f + 6) * 10) / 10,
        northing: Math.round((s.y1 + (s.y2 - s.y1) * f + 6) * 10) / 10,
        usrn: s.usrn,
        status: (i + k) % 37 === 0 ? 'fault_reported' : 'in_service',
        attributes: { lantern: k % 3 === 0 ? 'LED 36W' : 'LED 24W', column_height_m: 6 },
      });
    }
    if (i % 6 === 0) {
      for (const [end, x, y] of [
        ['A', s.x1, s.y1],
        ['B', s.x2, s.y2],
      ] as const) {
        assets.push({
          ref: `LB-${s.usrn}-${end}`,
          type: 'litter_bin',
          easting: x - 4,
          northing: y - 4,
          usrn: s.usrn,
          attributes: { capacity_l: 110 },
        });
      }
    }
  });
  const placed = await gazetteer.addAssets(councilId, assets.slice(0, 600));
  return {
    lpis: town.summary.lpis,
    blpus: town.summary.blpus,
    streets: town.summary.streets,
    assets: placed,
  };
}
