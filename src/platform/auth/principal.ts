import type { Permission, Role } from './permissions.ts';

/** Who is making a request: a signed-in member of staff or an API token. */
export interface Principal {
  readonly kind: 'staff' | 'api';
  readonly councilId: string;
  /** The staff user's id, or the API token's id. */
  readonly id: string;
  /** The staff member's name, or the API token's name. */
  readonly label: string;
  readonly role: Role;
  readonly sessionId?: string;
  readonly csrfToken?: string;
  readonly email?: string;
}

/** The auth plugin asks the module that owns accounts to turn credentials into a principal. */
export interface PrincipalResolver {
  fromSessionToken(token: string): Promise<Principal | null>;
  fromApiToken(token: string): Promise<Principal | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Anyone may call this route, signed in or not. */
    public?: boolean;
    /** The permission a caller needs; every route names one or is public. */
    permission?: Permission;
  }
}

declare module 'fastify' {
  interface FastifyReply {
    /** Data every template receives (set by @fastify/view's hook, filled by the access hook). */
    locals: Record<string, unknown>;
  }
}
