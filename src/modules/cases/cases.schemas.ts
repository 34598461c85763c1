import { type Static, Type } from 'typebox';

// The API takes loosely typed values and checks their meaning in the service, so that each bad value
// gets a message naming the field (answers.<question code>, serviceCode, location.uprn …).
const Str = (maxLength = 200) => Type.Optional(Type.String({ maxLength }));

const Location = Type.Object(
  {
    lat: Type.Optional(Type.Number()),
    long: Type.Optional(Type.Number()),
    uprn: Type.Optional(Type.Union([Type.String({ maxLength: 12 }), Type.Integer()])),
    usrn: Type.Optional(Type.Union([Type.String({ maxLength: 12 }), Type.Integer()])),
    easting: Type.Optional(Type.Number()),
    northing: Type.Optional(Type.Number()),
    assetRef: Str(60),
    address: Str(500),
  },
  {
    additionalProperties: false,
    description:
      'One of: {lat, long}, {uprn}, {usrn}, {easting, northing} (British National Grid), {assetRef} or {address}',
  },
);
export type LocationBody = Static<typeof Location>;

export const CreateCaseBody = Type.Object(
  {
    serviceCode: Type.String({ maxLength: 80, description: 'The catalogue code of the service' }),
    partyId: Str(36),
    onBehalfOfPartyId: Str(36),
    requester: Type.Optional(
      Type.Object(
        { email: Str(320), phone: Str(40), firstName: Str(100), lastName: Str(100) },
        {
          additionalProperties: false,
          description: 'Matched to a known party by email or phone, or created',
        },
      ),
    ),
    anonymous: Type.Optional(Type.Boolean()),
    location: Type.Optional(Location),
    locationText: Str(500),
    answers: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Answers keyed by question code' }),
    ),
    channel: Type.String({
      maxLength: 20,
      description: 'web, phone, face_to_face, email, sms, post or open311',
    }),
    description: Str(5000),
    priority: Type.Optional(
      Type.Union([Type.Literal('urgent'), Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')]),
    ),
    externalId: Str(100),
    parentId: Str(36),
  },
  { additionalProperties: false },
);
export type CreateCaseBody = Static<typeof CreateCaseBody>;

export const CaseIdParams = Type.Object({
  id: Type.String({ maxLength: 40, description: 'The request id or its reference' }),
});

export const ListCasesQuery = Type.Object({
  status: Str(200),
  serviceCode: Str(400),
  assignee: Str(40),
  team: Str(40),
  partyId: Str(36),
  slaState: Str(20),
  ward: Str(20),
  ids: Str(4000),
  open: Str(5),
  updatedAfter: Str(40),
  submittedFrom: Str(40),
  submittedTo: Str(40),
  sort: Str(20),
  direction: Str(4),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
export type ListCasesQuery = Static<typeof ListCasesQuery>;

/** The work queues: the list's filters and the find box (`q`: a reference, or words to find). */
export const QueueQuery = Type.Object({ ...ListCasesQuery.properties, q: Str(100) });

/** The supervisor dashboard: the closed-work period in days, and which table a CSV download is of. */
export const SupervisorQuery = Type.Object({ days: Str(4), table: Str(20) });

export const StatusBody = Type.Object(
  {
    status: Type.String({ maxLength: 20 }),
    outcome: Str(40),
    note: Str(5000),
    notePublic: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateBody = Type.Object(
  {
    body: Type.String({ maxLength: 5000 }),
    public: Type.Boolean({ description: 'true: the requester sees it; false: an internal note' }),
  },
  { additionalProperties: false },
);

export const AssignmentBody = Type.Object(
  {
    teamId: Type.Optional(Type.Union([Type.String({ maxLength: 36 }), Type.Null()])),
    assigneeId: Type.Optional(Type.Union([Type.String({ maxLength: 36 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const LinkBody = Type.Object(
  {
    kind: Type.String({
      maxLength: 20,
      description: 'duplicate_of (this request duplicates the other) or parent (this is a task of the other)',
    }),
    otherId: Type.String({ maxLength: 40, description: 'The other request’s id or reference' }),
  },
  { additionalProperties: false },
);

export const ComplaintBody = Type.Object(
  { to: Type.String({ maxLength: 20, description: 'stage_2 or ombudsman' }), note: Str(5000) },
  { additionalProperties: false },
);

export const AttachmentBody = Type.Object(
  {
    filename: Type.String({ maxLength: 200 }),
    contentType: Type.String({ maxLength: 120 }),
    contentBase64: Type.String({ maxLength: 14_000_000 }),
    public: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
