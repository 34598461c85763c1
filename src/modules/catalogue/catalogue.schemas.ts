import { type Static, Type } from 'typebox';

/** The 16 service areas of BRIEF §4, in the council's words. */
export const SERVICE_AREAS = [
  'Social Services',
  'Revenues & Benefits',
  'Housing',
  'Education',
  'Waste Management',
  'Environmental Health',
  'Highways',
  'Planning & Building Control',
  'Licensing',
  'Transport',
  'Grounds Maintenance',
  'Registration',
  'Leisure',
  'Economic Development',
  'Human Resources',
  'Corporate',
] as const;
export type ServiceArea = (typeof SERVICE_AREAS)[number];

/** LGIL interaction types, as a request is classified on every channel. */
export const INTERACTION_TYPES = [
  'report',
  'request',
  'application',
  'booking',
  'enquiry',
  'payment',
  'complaint',
] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];
export const INTERACTION_LABELS: Record<InteractionType, string> = {
  report: 'Report a problem',
  request: 'Request a service',
  application: 'Application',
  booking: 'Booking',
  enquiry: 'Enquiry',
  payment: 'Payment',
  complaint: 'Complaint',
};

export const TIERS = ['district', 'county', 'unitary', 'partner'] as const;
export type Tier = (typeof TIERS)[number];

export const CHANNELS = ['web', 'phone', 'face_to_face', 'email', 'sms', 'post', 'open311'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = {
  web: 'Web',
  phone: 'Telephone',
  face_to_face: 'Face to face',
  email: 'Email',
  sms: 'SMS',
  post: 'Post',
  open311: 'Open311',
};

export const QUESTION_TYPES = [
  'text',
  'textarea',
  'number',
  'date',
  'yes_no',
  'single_choice',
  'multi_choice',
  'email',
  'phone',
  'address',
  'location',
  'asset',
  'file',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  text: 'Short text',
  textarea: 'Long text',
  number: 'Number',
  date: 'Date',
  yes_no: 'Yes or no',
  single_choice: 'Choose one option',
  multi_choice: 'Choose one or more options',
  email: 'Email address',
  phone: 'Telephone number',
  address: 'Address (UPRN)',
  location: 'Location on a map (point)',
  asset: 'Council asset (e.g. street light number)',
  file: 'File or photo',
};

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'includes',
  'exists',
  'notExists',
] as const;
export type Operator = (typeof OPERATORS)[number];

const Code = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{1,79}$',
  description: 'lower-case letters, digits, -',
});
const QuestionCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,49}$' });
const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });

/**
 * A condition over facts: `answers.<question code>` or `party.<field>` (age, residentInArea, …).
 * JSON, evaluated by rules.ts with a fixed set of operators; nothing is ever eval'd.
 */
export const Condition = Type.Cyclic(
  {
    Condition: Type.Union([
      Type.Object(
        { all: Type.Array(Type.Ref('Condition'), { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object(
        { any: Type.Array(Type.Ref('Condition'), { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object({ not: Type.Ref('Condition') }, { additionalProperties: false }),
      Type.Object(
        {
          fact: Type.String({ pattern: '^(answers|party)\\.[A-Za-z_][A-Za-z0-9_]*$' }),
          op: Type.Enum(OPERATORS),
          value: Type.Optional(
            Type.Union([
              Type.String(),
              Type.Number(),
              Type.Boolean(),
              Type.Array(Type.Union([Type.String(), Type.Number()])),
            ]),
          ),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  'Condition',
);
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { fact: string; op: Operator; value?: string | number | boolean | (string | number)[] };

export const QuestionOption = Type.Object(
  { value: Type.String({ pattern: '^[A-Za-z0-9_-]{1,60}$' }), label: Text(200) },
  { additionalProperties: false },
);

export const QuestionValidation = Type.Object(
  {
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    integer: Type.Optional(Type.Boolean()),
    pattern: Type.Optional(Type.String({ maxLength: 200 })),
    patternMessage: Type.Optional(Text(200)),
    /** Dates: must be today or earlier / today or later. */
    past: Type.Optional(Type.Boolean()),
    future: Type.Optional(Type.Boolean()),
    /** Files: allowed extensions, e.g. ["jpg", "png", "pdf"]. */
    accept: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9]{1,10}$' }))),
    /** multi_choice: how many may be chosen. */
    minSelected: Type.Optional(Type.Integer({ minimum: 0 })),
    maxSelected: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type QuestionValidation = Static<typeof QuestionValidation>;

export const Question = Type.Object(
  {
    code: QuestionCode,
    label: Text(300),
    hint: Type.Optional(Type.String({ maxLength: 1000 })),
    /** How errors name the answer ("the date of death"); defaults from the label. */
    errorName: Type.Optional(Text(120)),
    type: Type.Enum(QUESTION_TYPES),
    required: Type.Boolean(),
    options: Type.Optional(Type.Array(QuestionOption, { minItems: 1, maxItems: 60 })),
    validation: Type.Optional(QuestionValidation),
    showWhen: Type.Optional(Condition),
    /** Questions sharing a page name are asked together; otherwise one question per page. */
    page: Type.Optional(Text(120)),
  },
  { additionalProperties: false },
);
export type Question = Static<typeof Question> & { showWhen?: Condition };

export const EligibilityRule = Type.Object(
  {
    /** Shown to agents and citizens as the eligibility summary ("Aged 60 or over"). */
    description: Text(300),
    when: Condition,
    /** Said when the rule fails. */
    failureMessage: Text(400),
  },
  { additionalProperties: false },
);
export type EligibilityRule = { description: string; when: Condition; failureMessage: string };

const SlaTargets = Type.Object(
  {
    urgent: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    high: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    normal: Type.Number({ exclusiveMinimum: 0 }),
    low: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const Sla = Type.Object(
  {
    unit: Type.Enum(['working_hours', 'working_days'] as const),
    targets: SlaTargets,
    defaultPriority: Type.Optional(Type.Enum(PRIORITIES)),
  },
  { additionalProperties: false },
);
export type Sla = Static<typeof Sla>;

export const Knowledge = Type.Object(
  {
    agentScript: Text(4000),
    webGuidance: Text(6000),
    smsText: Type.String({ minLength: 1, maxLength: 160 }),
  },
  { additionalProperties: false },
);
export type Knowledge = Static<typeof Knowledge>;

export const Fee = Type.Object(
  {
    /** In pence; 0 for free. Omit the amount when it varies and say so in the description. */
    amountPence: Type.Optional(Type.Integer({ minimum: 0 })),
    description: Text(300),
  },
  { additionalProperties: false },
);

/**
 * A service definition as held in files and exchanged by import/export. Teams are named, so a
 * library moves between councils; inside the database they are held as team ids.
 */
export function definitionSchema<T extends ReturnType<typeof Type.String>>(teamRef: T) {
  const RoutingRule = Type.Object(
    {
      when: Condition,
      team: teamRef,
      priority: Type.Optional(Type.Enum(PRIORITIES)),
    },
    { additionalProperties: false },
  );
  return Type.Object(
    {
      code: Code,
      name: Text(200),
      summary: Type.String({ maxLength: 1000 }),
      lgsl: Type.Integer({ minimum: 1 }),
      serviceArea: Type.Enum(SERVICE_AREAS),
      functionGroup: Text(120),
      owningTeam: teamRef,
      tier: Type.Enum(TIERS),
      interaction: Type.Enum(INTERACTION_TYPES),
      channels: Type.Array(Type.Enum(CHANNELS), { minItems: 1, uniqueItems: true }),
      fee: Type.Optional(Fee),
      synonyms: Type.Array(Text(120)),
      keywords: Type.Array(Text(60)),
      informationOnly: Type.Optional(Type.Boolean()),
      questions: Type.Array(Question, { maxItems: 80 }),
      eligibility: Type.Optional(Type.Array(EligibilityRule, { maxItems: 30 })),
      routing: Type.Object(
        {
          /** Ask the responsible-body hook (gazetteer) for the body responsible at the location. */
          byLocation: Type.Optional(Type.Boolean()),
          rules: Type.Optional(Type.Array(RoutingRule, { maxItems: 50 })),
        },
        { additionalProperties: false },
      ),
      sla: Sla,
      knowledge: Knowledge,
      relatedServices: Type.Optional(Type.Array(Code, { maxItems: 20 })),
    },
    { additionalProperties: false },
  );
}

/** File form: teams by name. */
export const ServiceDefinitionSource = definitionSchema(Type.String({ minLength: 1, maxLength: 200 }));
/** Stored form: teams by id (governance's team ids). */
export const ServiceDefinitionStored = definitionSchema(Type.String({ format: 'uuid' }));

interface DefinitionShape<TeamRef> {
  code: string;
  name: string;
  summary: string;
  lgsl: number;
  serviceArea: ServiceArea;
  functionGroup: string;
  owningTeam: TeamRef;
  tier: Tier;
  interaction: InteractionType;
  channels: Channel[];
  fee?: { amountPence?: number; description: string };
  synonyms: string[];
  keywords: string[];
  informationOnly?: boolean;
  questions: Question[];
  eligibility?: EligibilityRule[];
  routing: {
    byLocation?: boolean;
    rules?: { when: Condition; team: TeamRef; priority?: Priority }[];
  };
  sla: Sla;
  knowledge: Knowledge;
  relatedServices?: string[];
}
export type ServiceDefinitionSource = DefinitionShape<string>;
/** `owningTeam` and routing `team` are team ids. */
export type ServiceDefinition = DefinitionShape<string>;

/** A file may hold one definition or a list of them. */
export const LibraryFile = Type.Object(
  { services: Type.Array(Type.Unknown(), { minItems: 1 }) },
  { additionalProperties: false },
);

// ---- HTTP schemas ----

export const ServiceListQuery = Type.Object({
  status: Type.Optional(Type.Enum(['published', 'draft', 'retired', 'all'] as const)),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  area: Type.Optional(Type.String({ maxLength: 60 })),
  type: Type.Optional(Type.Enum(INTERACTION_TYPES)),
  informationOnly: Type.Optional(Type.Boolean()),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 2000,
      description: 'Default 500 for a listing, 50 for a search (q)',
    }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ServiceListQuery = Static<typeof ServiceListQuery>;

export const ServiceSummaryResponse = Type.Object({
  code: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  lgsl: Type.Integer(),
  lgslLabel: Type.String(),
  serviceArea: Type.String(),
  functionGroup: Type.String(),
  type: Type.String({ description: 'LGIL interaction type' }),
  status: Type.String(),
  version: Type.Integer(),
  informationOnly: Type.Boolean(),
  owningTeamId: Type.String(),
  score: Type.Optional(Type.Number()),
});

export const ServiceListResponse = Type.Object({
  results: Type.Array(ServiceSummaryResponse),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ServiceCodeParams = Type.Object({ code: Type.String({ maxLength: 80 }) });
export const ServiceVersionQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1 })),
});

const Anything = Type.Unknown();

export const ServiceDetailResponse = Type.Object({
  code: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  lgsl: Type.Integer(),
  lgslLabel: Type.String(),
  serviceArea: Type.String(),
  functionGroup: Type.String(),
  type: Type.String(),
  tier: Type.String(),
  status: Type.String(),
  version: Type.Integer(),
  informationOnly: Type.Boolean(),
  owningTeam: Type.Object({ id: Type.String(), name: Type.String() }),
  channels: Type.Array(Type.String()),
  fee: Type.Union([Fee, Type.Null()]),
  synonyms: Type.Array(Type.String()),
  keywords: Type.Array(Type.String()),
  questions: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      hint: Type.Optional(Type.String()),
      type: Type.String(),
      required: Type.Boolean(),
      options: Type.Optional(Type.Array(Type.Object({ value: Type.String(), label: Type.String() }))),
      validation: Type.Optional(Anything),
      showWhen: Type.Optional(Anything),
    }),
  ),
  eligibility: Type.Array(Type.Object({ description: Type.String(), failureMessage: Type.String() })),
  sla: Anything,
  knowledge: Knowledge,
  relatedServices: Type.Array(Type.String()),
  open311Attributes: Type.Array(Anything),
});

export const ImportBody = Type.Object({
  services: Type.Array(Anything, { minItems: 1, maxItems: 2000 }),
  publish: Type.Optional(Type.Boolean()),
});

export const ImportResponse = Type.Object({
  created: Type.Integer(),
  newVersions: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Array(
    Type.Object({
      source: Type.String(),
      code: Type.Union([Type.String(), Type.Null()]),
      errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    }),
  ),
});

export const ExportResponse = Type.Object({ services: Type.Array(Anything) });
