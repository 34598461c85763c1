import type { AuditContext } from '../../platform/audit/audit.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { ttlCache } from '../../platform/cache/ttl-cache.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import * as repo from './cases.repository.ts';
import type {
  CaseListItem,
  CaseListPage,
  CaseListQueryInput,
  CasesService,
  StaffDirectory,
} from './cases.service.ts';
import { normaliseReference } from './reference.ts';

/**
 * The work queue's find box, its audited CSV export, and the supervisor dashboard with closed work:
 * the queue and dashboard pages' service. (It sits beside cases.service.ts, which others were
 * changing when it was written; `list` there can take `text` and this file can shrink to the export
 * and the closed-work figures.)
 */

/** The periods the dashboard's closed-work figures can cover, in days; the first is the default. */
export const CLOSED_WORK_PERIODS = [7, 28, 90] as const;
export type ClosedWorkPeriod = (typeof CLOSED_WORK_PERIODS)[number];

export interface QueueQuery extends CaseListQueryInput {
  /** Words to find in the reference, service, place or description. */
  text?: string;
}

export interface ClosedWorkFigures {
  days: ClosedWorkPeriod;
  from: Date;
  to: Date;
  teams: (repo.ResolvedFigures & { teamName: string; metRate: number | null })[];
  totals: repo.ResolvedCounts & { metRate: number | null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/** Share of requests with a target that were resolved by it, or null when none had a target. */
const metRate = (f: repo.ResolvedCounts) => (f.withTarget > 0 ? f.met / f.withTarget : null);

export function createCaseReports(
  db: Executor,
  deps: { cases: CasesService; staff: StaffDirectory; now?: () => Date },
) {
  const now = deps.now ?? (() => new Date());
  const directories = ttlCache(15_000, async (councilId: string) => {
    const [teams, users] = await Promise.all([
      deps.staff.listTeams(councilId),
      deps.staff.listUsers(councilId),
    ]);
    return {
      teams: new Map(teams.map((t) => [t.id, t.name])),
      users: new Map(users.map((u) => [u.id, u.displayName])),
    };
  });

  function repoQuery(query: QueueQuery, limit: number, offset: number): repo.CaseListQuery {
    const text = query.text?.trim().slice(0, 100);
    return {
      ...(query.status ? { status: query.status } : {}),
      ...(query.open !== undefined ? { open: query.open } : {}),
      ...(query.serviceCodes ? { serviceCodes: query.serviceCodes } : {}),
      ...(query.ids ? { ids: query.ids.filter((id) => UUID.test(id)) } : {}),
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.assigneeId ? { assigneeId: query.assigneeId } : {}),
      ...(query.unassigned ? { unassigned: true } : {}),
      ...(query.partyId ? { partyId: query.partyId } : {}),
      ...(query.wardCode ? { wardCode: query.wardCode } : {}),
      ...(query.slaState ? { slaState: query.slaState } : {}),
      ...(query.updatedAfter ? { updatedAfter: query.updatedAfter } : {}),
      ...(query.submittedFrom ? { submittedFrom: query.submittedFrom } : {}),
      ...(query.submittedTo ? { submittedTo: query.submittedTo } : {}),
      ...(query.sort ? { sort: query.sort } : {}),
      ...(query.direction ? { direction: query.direction } : {}),
      ...(text ? { text } : {}),
      limit,
      offset,
    };
  }

  async function items(db: Executor, councilId: string, q: repo.CaseListQuery): Promise<CaseListItem[]> {
    const at = now();
    const [rows, dir] = await Promise.all([repo.listCases(db, councilId, q, at), directories.get(councilId)]);
    return rows.map((r) => ({
      ...r,
      slaState: deps.cases.slaStateOf(r),
      teamName: r.teamId ? (dir.teams.get(r.teamId) ?? null) : null,
      assigneeName: r.assigneeId ? (dir.users.get(r.assigneeId) ?? null) : null,
    }));
  }

  return {
    /**
     * A whole request reference typed into the find box (any case, with or without dashes) opens
     * that request: the id to go to, or null when the text is not a reference of this council.
     */
    async referenceIn(councilId: string, text: string): Promise<string | null> {
      const reference = normaliseReference(text.trim());
      return reference ? repo.findCaseIdByReference(db, councilId, reference) : null;
    },

    /** One page of a queue, found by its filters and the find box's words. */
    async queue(councilId: string, query: QueueQuery): Promise<CaseListPage> {
      const pageSize = Math.min(Math.max(query.pageSize ?? 25, 1), 500);
      const page = Math.max(query.page ?? 1, 1);
      const q = repoQuery(query, pageSize, (page - 1) * pageSize);
      if (query.ids && q.ids?.length === 0)
        return { items: [], total: 0, totalCapped: false, page, pageSize };
      const [found, total] = await Promise.all([
        items(db, councilId, q),
        repo.countCases(db, councilId, q, now(), query.countCap),
      ]);
      const capped = query.countCap !== undefined && total > query.countCap;
      return {
        items: found,
        total: capped ? (query.countCap as number) : total,
        totalCapped: capped,
        page,
        pageSize,
      };
    },

    /**
     * Every request in a queue (up to `limit`) for a CSV download, audited as `case.queue_exported`
     * with the filters used and the number of rows, in the same transaction as the reads.
     */
    async exportQueue(
      councilId: string,
      query: QueueQuery,
      limit: number,
      filters: Record<string, string | number>,
      context: AuditContext,
    ): Promise<CaseListItem[]> {
      await directories.get(councilId);
      return inTransaction(db, async (tx) => {
        const rows: CaseListItem[] = [];
        const batch = 1000;
        for (let offset = 0; offset < limit; offset += batch) {
          const found = await items(tx, councilId, repoQuery(query, Math.min(batch, limit - offset), offset));
          rows.push(...found);
          if (found.length < batch) break;
        }
        const { q, ...rest } = filters;
        await recordAudit(tx, context, {
          action: 'case.queue_exported',
          // The find box's words may be a name or an address: only whether it was used is kept.
          details: { filters: rest, searched: Boolean(q), count: rows.length },
        });
        return rows;
      });
    },

    /** The supervisor dashboard: open work now, and work resolved in the last `days`. */
    async dashboard(councilId: string, days: ClosedWorkPeriod) {
      const to = now();
      const from = new Date(to.getTime() - days * DAY_MS);
      const [open, resolved, dir] = await Promise.all([
        deps.cases.dashboard(councilId),
        repo.resolvedFigures(db, councilId, from, to),
        directories.get(councilId),
      ]);
      const totals = resolved.reduce(
        (sum, t) => ({
          resolved: sum.resolved + t.resolved,
          withTarget: sum.withTarget + t.withTarget,
          met: sum.met + t.met,
        }),
        { resolved: 0, withTarget: 0, met: 0 },
      );
      const closed: ClosedWorkFigures = {
        days,
        from,
        to,
        teams: resolved.map((t) => ({
          ...t,
          teamName: t.teamId ? (dir.teams.get(t.teamId) ?? 'Unknown team') : 'No team',
          metRate: metRate(t),
        })),
        totals: { ...totals, metRate: metRate(totals) },
      };
      return { ...open, at: to, closed };
    },
  };
}

export type CaseReports = ReturnType<typeof createCaseReports>;
