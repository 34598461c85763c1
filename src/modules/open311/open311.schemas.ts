import { type Static, Type } from 'typebox';

export const FormatParams = Type.Object({ format: Type.String({ maxLength: 10 }) });
export type FormatParams = Static<typeof FormatParams>;

export const ServiceParams = Type.Object({
  service_code: Type.String({ minLength: 1, maxLength: 100 }),
  format: Type.String({ maxLength: 10 }),
});
export type ServiceParams = Static<typeof ServiceParams>;

export const JurisdictionQuery = Type.Object({
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
});
export type JurisdictionQuery = Static<typeof JurisdictionQuery>;

export const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  format: Type.String({ maxLength: 10 }),
});
export type IdParams = Static<typeof IdParams>;
