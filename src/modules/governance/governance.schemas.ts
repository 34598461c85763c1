import { type Static, Type } from 'typebox';

export const SignInBody = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
  returnTo: Type.Optional(Type.String({ maxLength: 2048 })),
  _csrf: Type.Optional(Type.String()),
});

export const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 200 })),
  subjectType: Type.Optional(Type.String({ maxLength: 100 })),
  subjectId: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String({ maxLength: 10 })),
  to: Type.Optional(Type.String({ maxLength: 10 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type AuditQuery = Static<typeof AuditQuery>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const CouncilResponse = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  area: Type.Object({
    minEasting: Nullable(Type.Number()),
    minNorthing: Nullable(Type.Number()),
    maxEasting: Nullable(Type.Number()),
    maxNorthing: Nullable(Type.Number()),
    minLat: Nullable(Type.Number()),
    minLong: Nullable(Type.Number()),
    maxLat: Nullable(Type.Number()),
    maxLong: Nullable(Type.Number()),
  }),
});
