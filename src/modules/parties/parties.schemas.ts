import { type Static, Type } from 'typebox';

// The API accepts strings and checks their meaning in the service, so that each bad value gets a
// message that says what is wrong with it (an email, a phone number, a postcode, a date …).
const Str = (maxLength = 200) => Type.Optional(Type.String({ maxLength }));

const Address = Type.Object(
  {
    text: Str(500),
    postcode: Str(20),
    role: Type.Optional(
      Type.String({ description: 'home (default), correspondence or work', maxLength: 20 }),
    ),
    uprn: Type.Optional(Type.Union([Type.String({ maxLength: 12 }), Type.Integer()])),
    validFrom: Str(10),
    validTo: Str(10),
  },
  { additionalProperties: false },
);

const ContactPoint = Type.Object(
  {
    kind: Type.String({ description: 'phone or email', maxLength: 10 }),
    value: Type.String({ maxLength: 320 }),
    label: Str(50),
    preferred: Type.Optional(Type.Boolean()),
    verified: Type.Optional(Type.Boolean()),
    doNotContact: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Identifier = Type.Object(
  {
    scheme: Type.String({
      description: 'ni_number, nhs_number, council_tax, tenancy or source',
      maxLength: 20,
    }),
    system: Str(50),
    value: Type.String({ maxLength: 100 }),
  },
  { additionalProperties: false },
);

const Communication = Type.Object(
  {
    preferredChannel: Str(20),
    language: Str(10),
    languageOther: Str(50),
    largePrint: Type.Optional(Type.Boolean()),
    bsl: Type.Optional(Type.Boolean()),
    interpreter: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PartyBody = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'person, organisation or household', maxLength: 20 })),
    title: Str(30),
    givenName: Str(),
    givenNames: Str(),
    familyName: Str(),
    suffix: Str(30),
    preferredName: Str(100),
    organisationName: Str(),
    organisationType: Str(30),
    name: Type.Optional(Type.String({ description: 'A household’s name', maxLength: 200 })),
    dateOfBirth: Type.Optional(
      Type.String({ description: 'YYYY-MM-DD, or YYYY-MM or YYYY when partly known', maxLength: 10 }),
    ),
    dateOfDeath: Str(10),
    address: Type.Optional(Address),
    addresses: Type.Optional(Type.Array(Address, { maxItems: 20 })),
    phone: Str(40),
    email: Str(320),
    contactPoints: Type.Optional(Type.Array(ContactPoint, { maxItems: 20 })),
    niNumber: Str(20),
    nhsNumber: Str(20),
    identifiers: Type.Optional(Type.Array(Identifier, { maxItems: 20 })),
    communication: Type.Optional(Communication),
  },
  { additionalProperties: false },
);
export type PartyBody = Static<typeof PartyBody>;

export const PartyIdParams = Type.Object({ id: Type.String({ maxLength: 40 }) });

export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

export const ViewQuery = Type.Object({
  purpose: Type.Optional(
    Type.String({ maxLength: 100, description: 'Why the record is read; kept in the audit trail' }),
  ),
});

export const RelationshipBody = Type.Object(
  {
    type: Type.String({ maxLength: 40 }),
    toPartyId: Type.String({ maxLength: 40 }),
    validFrom: Str(10),
    validTo: Str(10),
  },
  { additionalProperties: false },
);

export const AlertBody = Type.Object(
  {
    kind: Type.String({ maxLength: 40 }),
    reason: Type.String({ maxLength: 500 }),
    reviewOn: Type.String({ maxLength: 10 }),
    visibleTo: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const MergeBody = Type.Object(
  {
    mergedId: Type.String({ maxLength: 40 }),
    choices: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 40 }),
        Type.Union([Type.Literal('survivor'), Type.Literal('merged')]),
      ),
    ),
  },
  { additionalProperties: false },
);

export { Address as AddressBody, ContactPoint as ContactPointBody, Identifier as IdentifierBody };
