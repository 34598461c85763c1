import { type Static, Type } from 'typebox';

/** `.xml` or `.json`; absent on a path without a suffix (XML). */
export const FormatParams = Type.Object({ format: Type.Optional(Type.String({ maxLength: 10 })) });
export type FormatParams = Static<typeof FormatParams>;

/** The last path segment holds the id and its format suffix (`pothole.json`), or the id alone (XML). */
export const ServiceParams = Type.Object({
  service_code: Type.String({ minLength: 1, maxLength: 500 }),
});
export type ServiceParams = Static<typeof ServiceParams>;

export const JurisdictionQuery = Type.Object({
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
});
export type JurisdictionQuery = Static<typeof JurisdictionQuery>;

export const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 500 }),
});
export type IdParams = Static<typeof IdParams>;
