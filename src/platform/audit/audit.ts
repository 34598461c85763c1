import type { Principal } from '../auth/principal.ts';
import type { Executor } from '../db/database.ts';
import { auditEventInsert } from './audit.repository.ts';

export type ActorType = 'staff' | 'api' | 'citizen' | 'system' | 'anonymous';

/** Who acted, and on which request; built once per request and passed to services. */
export interface AuditContext {
  readonly councilId: string | null;
  readonly actorType: ActorType;
  readonly actorId: string | null;
  readonly actorLabel: string | null;
  readonly correlationId: string | null;
  readonly ip: string | null;
}

export interface AuditEvent {
  /** What happened, as `area.verb`: `auth.sign_in`, `party.viewed`, `case.status_changed`. */
  readonly action: string;
  readonly subjectType?: string;
  readonly subjectId?: string;
  /** Why personal data was read or changed (e.g. "caller enquiry", "subject access request"). */
  readonly purpose?: string;
  /** Ids and codes only: never names, addresses or other personal data. */
  readonly details?: Record<string, unknown>;
}

export function auditContextFor(
  principal: Principal | null,
  request: { id: string; ip: string },
  councilId: string | null = principal?.councilId ?? null,
): AuditContext {
  return {
    councilId,
    actorType: principal ? (principal.kind === 'api' ? 'api' : 'staff') : 'anonymous',
    actorId: principal?.id ?? null,
    actorLabel: principal?.label ?? null,
    correlationId: request.id,
    ip: request.ip,
  };
}

export function systemAuditContext(councilId: string | null, label = 'system'): AuditContext {
  return { councilId, actorType: 'system', actorId: null, actorLabel: label, correlationId: null, ip: null };
}

/**
 * The one way to write the audit trail. Call it with the same transaction as the action it records,
 * so that the action and its audit event commit or roll back together.
 */
export async function recordAudit(tx: Executor, context: AuditContext, event: AuditEvent): Promise<void> {
  await auditWrite(tx, context, event).execute();
}

/**
 * `recordAudit` for a change to many records at once (a bulk update): one event per record, written
 * by one statement in the same transaction.
 */
export async function recordAuditEach(
  tx: Executor,
  context: AuditContext,
  events: readonly AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await auditEventInsert(
    tx,
    events.map((event) => newEvent(context, event)),
  ).execute();
}

/** `recordAudit` built but not run, for `writeTogether` (one statement with the action it records). */
export function auditWrite(db: Executor, context: AuditContext, event: AuditEvent) {
  return auditEventInsert(db, newEvent(context, event));
}

function newEvent(context: AuditContext, event: AuditEvent) {
  return {
    councilId: context.councilId,
    actorType: context.actorType,
    actorId: context.actorId,
    actorLabel: context.actorLabel,
    action: event.action,
    subjectType: event.subjectType ?? null,
    subjectId: event.subjectId ?? null,
    purpose: event.purpose ?? null,
    correlationId: context.correlationId,
    ip: context.ip,
    details: event.details ?? {},
  };
}
