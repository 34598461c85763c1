import { type Generated, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export interface AuditEventTable {
  id: Generated<number>;
  council_id: string | null;
  occurred_at: Generated<Date>;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  purpose: string | null;
  correlation_id: string | null;
  ip: string | null;
  details: unknown;
}

type Tables = {
  audit_event: AuditEventTable;
};

export interface AuditEventRow {
  id: number;
  councilId: string | null;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  purpose: string | null;
  correlationId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface NewAuditEvent {
  councilId: string | null;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  purpose: string | null;
  correlationId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export async function insertAuditEvent(db: Executor, event: NewAuditEvent): Promise<void> {
  await auditEventInsert(db, event).execute();
}

/** The insert of one event or several, built but not run (for `writeTogether`). */
export function auditEventInsert(db: Executor, event: NewAuditEvent | readonly NewAuditEvent[]) {
  const events: readonly NewAuditEvent[] = Array.isArray(event) ? event : [event as NewAuditEvent];
  return db
    .withTables<Tables>()
    .insertInto('audit_event')
    .values(
      events.map((e) => ({
        council_id: e.councilId,
        actor_type: e.actorType,
        actor_id: e.actorId,
        actor_label: e.actorLabel,
        action: e.action,
        subject_type: e.subjectType,
        subject_id: e.subjectId,
        purpose: e.purpose,
        correlation_id: e.correlationId,
        ip: e.ip,
        details: JSON.stringify(e.details),
      })),
    );
}

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Return events older than this id (keyset pagination, newest first). */
  before?: number | undefined;
}

export async function listAuditEvents(
  db: Executor,
  councilId: string,
  filter: AuditFilter,
  limit: number,
): Promise<AuditEventRow[]> {
  let query = db
    .withTables<Tables>()
    .selectFrom('audit_event')
    .selectAll()
    .where('council_id', '=', councilId)
    .orderBy('id', 'desc')
    .limit(limit);
  if (filter.action?.endsWith('*')) {
    // "auth.*" matches a family of actions; anything else matches one action exactly.
    query = query.where('action', 'like', `${filter.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
  } else if (filter.action) {
    query = query.where('action', '=', filter.action);
  }
  if (filter.actor) {
    const pattern = `%${filter.actor.replace(/[\\%_]/g, '\\$&')}%`;
    query = query.where((eb) =>
      eb.or([eb('actor_label', 'ilike', pattern), eb('actor_id', '=', filter.actor ?? '')]),
    );
  }
  if (filter.subjectType) query = query.where('subject_type', '=', filter.subjectType);
  if (filter.subjectId) query = query.where('subject_id', '=', filter.subjectId);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (filter.before) query = query.where('id', '<', filter.before);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    councilId: row.council_id,
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    purpose: row.purpose,
    correlationId: row.correlation_id,
    ip: row.ip,
    details: (row.details ?? {}) as Record<string, unknown>,
  }));
}

export async function listAuditActions(db: Executor, councilId: string): Promise<string[]> {
  const result = await sql<{ action: string }>`
    select distinct action from audit_event where council_id = ${councilId} order by action`.execute(db);
  return result.rows.map((r) => r.action);
}
