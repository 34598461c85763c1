import { type Static, Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const AddressQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Words of an address, a postcode (with or without the space) or a UPRN',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
});
export type AddressQuery = Static<typeof AddressQuery>;

export const UprnParams = Type.Object({
  uprn: Type.String({ pattern: '^[0-9]{1,12}$', description: 'UPRN (up to 12 digits)' }),
});
export const UsrnParams = Type.Object({
  usrn: Type.String({ pattern: '^[0-9]{1,8}$', description: 'USRN (up to 8 digits)' }),
});

const AreaRef = Nullable(Type.Object({ code: Type.String(), name: Nullable(Type.String()) }));

const summaryProps = {
  uprn: Type.Integer(),
  usrn: Nullable(Type.Integer()),
  parentUprn: Nullable(Type.Integer()),
  address: Nullable(
    Type.String({ description: 'The approved address on one line (BS7666 / GeoPlace presentation)' }),
  ),
  addressLines: Type.Array(Type.String()),
  postcode: Nullable(Type.String()),
  easting: Type.Number({ description: 'British National Grid (EPSG:27700), metres' }),
  northing: Type.Number(),
  lat: Type.Number({ description: 'WGS84' }),
  long: Type.Number(),
  classification: Nullable(Type.String()),
  classificationDescription: Nullable(Type.String()),
  logicalStatus: Type.Integer({
    description: 'BLPU logical status: 1 approved, 3 alternative, 6 provisional, 8 historical',
  }),
  logicalStatusLabel: Type.String(),
  ward: AreaRef,
  parish: AreaRef,
  localAuthorityCode: Nullable(Type.String()),
  organisation: Nullable(Type.String()),
};
export const PropertySummarySchema = Type.Object(summaryProps);

export const AddressSearchResponse = Type.Object({
  kind: Type.String({
    description: 'How the query was read: uprn, postcode, postcode_prefix, text or empty',
  }),
  results: Type.Array(Type.Object({ ...summaryProps, matchedAlternative: Type.Boolean() })),
});

export const PropertyResponse = Type.Object({
  ...summaryProps,
  ...{
    parent: Nullable(PropertySummarySchema),
    children: Type.Array(PropertySummarySchema),
    childCount: Type.Integer(),
    history: Type.Array(
      Type.Object({
        lpiKey: Type.String(),
        address: Type.String(),
        usrn: Type.Integer(),
        language: Type.String(),
        logicalStatus: Type.Integer(),
        logicalStatusLabel: Type.String(),
        startDate: Nullable(Type.String()),
        endDate: Nullable(Type.String()),
        official: Type.Boolean(),
      }),
    ),
    crossReferences: Type.Array(
      Type.Object({
        source: Type.String(),
        reference: Type.String(),
        startDate: Nullable(Type.String()),
        endDate: Nullable(Type.String()),
      }),
    ),
    organisations: Type.Array(
      Type.Object({
        name: Type.String(),
        legalName: Nullable(Type.String()),
        startDate: Nullable(Type.String()),
        endDate: Nullable(Type.String()),
      }),
    ),
    startDate: Nullable(Type.String()),
    endDate: Nullable(Type.String()),
  },
});

export const AssetSchema = Type.Object({
  id: Type.String(),
  ref: Type.String(),
  type: Type.String(),
  typeName: Type.String(),
  easting: Type.Number(),
  northing: Type.Number(),
  lat: Type.Number(),
  long: Type.Number(),
  usrn: Nullable(Type.Integer()),
  street: Nullable(Type.String()),
  status: Type.String(),
  description: Nullable(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  distanceMetres: Type.Optional(Type.Number()),
});

export const StreetResponse = Type.Object({
  usrn: Type.Integer(),
  name: Type.String(),
  locality: Nullable(Type.String()),
  town: Nullable(Type.String()),
  administrativeArea: Nullable(Type.String()),
  propertyCount: Type.Integer(),
  properties: Type.Array(PropertySummarySchema),
  assets: Type.Array(AssetSchema),
});

const locationProps = {
  uprn: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })),
  usrn: Type.Optional(Type.String({ pattern: '^[0-9]{1,8}$' })),
  easting: Type.Optional(Type.Number({ minimum: 0, maximum: 700000 })),
  northing: Type.Optional(Type.Number({ minimum: 0, maximum: 1300000 })),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  long: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
};
export const LocationQuery = Type.Object(locationProps);
export type LocationQuery = Static<typeof LocationQuery>;

export const NearestAssetsQuery = Type.Object({
  ...locationProps,
  ...{
    type: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Asset types, comma separated (street_light, litter_bin, ...)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
    within: Type.Optional(Type.Number({ minimum: 1, maximum: 10000, default: 500, description: 'Metres' })),
  },
});
export type NearestAssetsQuery = Static<typeof NearestAssetsQuery>;

export const NearestAssetsResponse = Type.Object({ results: Type.Array(AssetSchema) });

export const ResponsibilityQuery = Type.Object({
  ...locationProps,
  service: Type.String({ minLength: 1, maxLength: 60, description: 'Service category, e.g. highways' }),
});
export type ResponsibilityQuery = Static<typeof ResponsibilityQuery>;

const BodySchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: 'district, county, unitary, parish or partner' }),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  website: Nullable(Type.String()),
});

export const ResponsibilityResponse = Type.Object({
  serviceCategory: Type.String(),
  body: BodySchema,
  rule: Type.Object({
    serviceCategory: Type.String(),
    areaCode: Type.String(),
    areaName: Nullable(Type.String()),
    notes: Nullable(Type.String()),
  }),
  location: Type.Object({
    easting: Type.Number(),
    northing: Type.Number(),
    postcode: Nullable(Type.String()),
    areas: Type.Array(
      Type.Object({ code: Type.String(), kind: Type.String(), name: Nullable(Type.String()) }),
    ),
  }),
});
