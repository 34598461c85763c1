import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ServiceArea } from './catalogue.schemas.ts';

/** The LGSL reference files, copied into the repository with a note on their origin. */
export const LGSL_DIR = path.resolve(import.meta.dirname, '../../../seeds/data/lgsl');

export interface LgslService {
  code: number;
  label: string;
  description: string;
}

export interface LgslFunction {
  id: number;
  label: string;
  parent: string | null;
}

let services: Map<number, LgslService> | undefined;
let functions: LgslFunction[] | undefined;

export function lgslServices(): Map<number, LgslService> {
  if (!services) {
    const rows = parse(readFileSync(path.join(LGSL_DIR, 'services.csv')), {
      columns: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as Record<string, string>[];
    services = new Map(
      rows
        .filter((r) => /^\d+$/.test(r.Identifier ?? ''))
        .map((r) => [
          Number(r.Identifier),
          {
            code: Number(r.Identifier),
            label: (r.Label ?? '').replace(/\s+/g, ' '),
            description: (r.Description ?? '').replace(/\s+/g, ' '),
          },
        ]),
    );
  }
  return services;
}

/**
 * The stock words the LGSL import gives an information-only entry: the LGSL description, or a line
 * naming the service when the list has none. Guidance that is still just this is not the council's.
 */
export function lgslStockGuidance(code: number): string {
  const lgsl = lgslServices().get(code);
  if (!lgsl) return '';
  return lgsl.description || `Information about ${lgsl.label.toLowerCase()}.`;
}

export function lgslFunctions(): LgslFunction[] {
  if (!functions) {
    const rows = parse(readFileSync(path.join(LGSL_DIR, 'functions.csv')), {
      columns: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as Record<string, string>[];
    functions = rows
      .filter((r) => /^\d+$/.test(r.Identifier ?? ''))
      .map((r) => ({ id: Number(r.Identifier), label: r.Label ?? '', parent: r['Parent labels'] || null }));
  }
  return functions;
}

/** Second-level function labels ("Waste management", "Benefits", …): a definition's function group. */
export function functionGroupLabels(): Set<string> {
  return new Set(lgslFunctions().map((f) => f.label));
}

/**
 * The LGSL has no service-to-area mapping, so information-only services are placed in one of the 16
 * areas by words in their label, first match wins. It is a starting point that an administrator corrects
 * in the admin screens; a process definition always states its area itself.
 */
const AREA_RULES: [RegExp, ServiceArea, string][] = [
  [
    /^staff\b|recruit|vacanc|payroll|pension|apprentic|employment tribunal|occupational health/i,
    'Human Resources',
    'Careers and employment',
  ],
  [
    /council tax|business rate|housing benefit|benefit|local housing allowance|discretionary housing|universal credit|debt|budgeting loan|funeral payment|welfare|tax\b|taxation/i,
    'Revenues & Benefits',
    'Benefits',
  ],
  [/waste|recycl|refuse|bin\b|bins\b|compost|skip/i, 'Waste Management', 'Waste management'],
  [
    /school|pupil|education|student|nursery|early years|childcare|childmind|special educational|learning|bursary|tuition|curriculum|truancy/i,
    'Education',
    'Schools',
  ],
  [
    /housing|tenan|tenancy|homeless|rent\b|rent |council home|landlord|sheltered|right to buy|lettings|mutual home|houses in multiple|hostel|dwelling/i,
    'Housing',
    'Council and community housing',
  ],
  [
    /food|pest|noise|nuisance|pollution|air quality|contaminated|health and safety|infectious|environmental health|asbestos|smoke control|water quality|public health|dog|animal|stray|tattoo|pet /i,
    'Environmental Health',
    'Environmental health',
  ],
  [
    /licen[cs]e|permit\b|gambling|gaming|lottery|betting|premises|taxi|hackney|private hire|street trading|sex establishment|scrap metal|collection licence|temporary event/i,
    'Licensing',
    'Businesses and markets',
  ],
  [
    /planning|building control|building warrant|development|listed building|conservation area|tree preservation|lawful development|demolition|dangerous structures|advertisement|land charges|street names|address allocation/i,
    'Planning & Building Control',
    'Development control',
  ],
  [
    /road|pavement|highway|street lighting|street light|traffic|gritting|snow|bridge|drain|gully|kerb|speed|pedestrian|cycle lane|verge|street furniture|signs|yellow lines|skip permit|street works|flood/i,
    'Highways',
    'Maintenance',
  ],
  [
    /transport|bus|parking|park and ride|travel|rail|taxi card|car park|journey|concessionary|blue badge|cycl|motab/i,
    'Transport',
    'Public transport',
  ],
  [
    /park|open space|grass|tree|allotment|cemeter|burial|grave|crematori|countryside|playground|play facilities|grounds|rights of way|litter|street cleaning|graffiti|fly/i,
    'Grounds Maintenance',
    'Parks and open spaces',
  ],
  [
    /birth|death|marriage|civil partnership|citizenship|register office|registration|naming ceremon|electoral|voting|elector|nationality|passport|copy certificates/i,
    'Registration',
    'Registration',
  ],
  [
    /sport|leisure|library|libraries|museum|gallery|galleries|arts?\b|swimming|theatre|tourism|tourist|events|golf|outdoor|youth|young people'?s activities|heritage|archive/i,
    'Leisure',
    'Leisure activities',
  ],
  [
    /business|economic|regeneration|tender|procurement|trading standards|market|employment|enterprise|investment|tourism business|grant/i,
    'Economic Development',
    'Business advice and support',
  ],
  [
    /care|carer|adult|child|children|older people|disab|safeguard|adoption|fostering|social|mental health|meals|telecare|respite|hospice|advocacy|support/i,
    'Social Services',
    'Adult services',
  ],
];

export function guessArea(label: string): { area: ServiceArea; functionGroup: string } {
  for (const [pattern, area, functionGroup] of AREA_RULES) {
    if (pattern.test(label)) return { area, functionGroup };
  }
  return { area: 'Corporate', functionGroup: 'Municipal operation' };
}
