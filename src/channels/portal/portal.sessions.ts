import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Answers } from '../../modules/catalogue/index.ts';
import type { Executor } from '../../platform/db/database.ts';
import {
  deleteAccountSessions,
  deleteExpiredPortalSessions,
  deletePortalSession,
  findPortalSession,
  savePortalSession,
} from './portal.repository.ts';

/** Where the visitor is in a request they are making; kept server-side, never in URLs. */
export interface Journey {
  /** Also the Idempotency-Key of the submission, so a double-click sends one request. */
  id: string;
  serviceCode: string;
  answers: Answers;
  location?: { uprn?: string; address?: string; lat?: number; long?: number; description?: string };
  details?: { firstName: string; lastName: string; email: string; phone: string };
}

export interface PortalSessionData {
  journeys: Record<string, Journey>;
  /** References this visitor may see: requests they made here, or proved they know. */
  requests: string[];
  /** The citizen account signed in with this browser, if any. */
  accountId?: string;
  /** An OpenID Connect sign-in under way: its state, nonce and PKCE verifier. */
  oidc?: { state: string; nonce: string; verifier: string; at: number };
}

const IDLE_HOURS = 24;
const MAX_REQUESTS = 20;

export function emptySession(): PortalSessionData {
  return { journeys: {}, requests: [] };
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function newJourneyId(): string {
  return randomBytes(16).toString('hex');
}

export function allowRequest(data: PortalSessionData, reference: string): void {
  data.requests = [reference, ...data.requests.filter((r) => r !== reference)].slice(0, MAX_REQUESTS);
}

export function createPortalSessions(db: Executor, now: () => Date = () => new Date()) {
  return {
    async load(token: string | undefined, councilId: string): Promise<PortalSessionData> {
      if (!token || token.length > 100) return emptySession();
      const found = await findPortalSession(db, hash(token), now());
      if (!found || found.councilId !== councilId) return emptySession();
      const data = found.data as Partial<PortalSessionData>;
      return {
        journeys: data.journeys ?? {},
        requests: data.requests ?? [],
        ...(data.accountId ? { accountId: data.accountId } : {}),
        ...(data.oidc ? { oidc: data.oidc } : {}),
      };
    },
    async save(token: string, councilId: string, data: PortalSessionData): Promise<void> {
      await savePortalSession(
        db,
        hash(token),
        councilId,
        { ...data },
        new Date(now().getTime() + IDLE_HOURS * 3_600_000),
        data.accountId ?? null,
      );
    },
    end: (token: string) => deletePortalSession(db, hash(token)),
    /** Ends every session signed in to the account; `executor` lets a caller do it in its transaction. */
    endAllForAccount: (councilId: string, accountId: string, executor: Executor = db) =>
      deleteAccountSessions(executor, councilId, accountId),
    purgeExpired: () => deleteExpiredPortalSessions(db, now()),
  };
}

export type PortalSessions = ReturnType<typeof createPortalSessions>;

const SESSION_COOKIE = 'guildhall_portal';

/** The account this browser is signed in to, if any (for the header's "Your account" / "Sign out"). */
export async function signedInAccountId(
  sessions: PortalSessions,
  request: FastifyRequest,
  councilId: string,
): Promise<string | undefined> {
  const token = request.cookies[SESSION_COOKIE];
  return token ? (await sessions.load(token, councilId)).accountId : undefined;
}

/** The visitor's portal session for this request; `save` sets the cookie the first time. */
export async function openPortalSession(
  sessions: PortalSessions,
  request: FastifyRequest,
  reply: FastifyReply,
  councilId: string,
  secureCookies: boolean,
): Promise<{
  data: PortalSessionData;
  save: () => Promise<void>;
  rotate: () => Promise<void>;
  end: () => Promise<void>;
}> {
  let token = request.cookies[SESSION_COOKIE];
  const data = await sessions.load(token, councilId);
  const setCookie = (value: string) =>
    reply.setCookie(SESSION_COOKIE, value, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies,
    });
  return {
    data,
    /** A new session id with the same contents, so an id planted before sign-in is worth nothing after. */
    rotate: async () => {
      if (token) await sessions.end(token);
      token = newSessionToken();
      setCookie(token);
      await sessions.save(token, councilId, data);
    },
    end: async () => {
      if (token) await sessions.end(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      token = undefined;
    },
    save: async () => {
      if (!token) {
        token = newSessionToken();
        setCookie(token);
      }
      await sessions.save(token, councilId, data);
    },
  };
}
