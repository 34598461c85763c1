import type { AuditContext } from '../../platform/audit/audit.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Executor } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import * as repo from './cases.repository.ts';
import type { CaseListItem, CaseListPage, CaseListQueryInput, CasesService } from './cases.service.ts';
import { normaliseReference } from './reference.ts';

/** The work queue's reference look-up and audited CSV export, and the supervisor dashboard with closed work. */

/** The periods the dashboard's closed-work figures can cover, in days; the first is the default. */
export const CLOSED_WORK_PERIODS = [7, 28, 90] as const;
export type ClosedWorkPeriod = (typeof CLOSED_WORK_PERIODS)[number];

/** A queue's filters and the find box's words (`text`). */
export type QueueQuery = CaseListQueryInput;

export interface ClosedWorkFigures {
  days: ClosedWorkPeriod;
  from: Date;
  to: Date;
  teams: (repo.ResolvedFigures & { teamName: string; metRate: number | null })[];
  totals: repo.ResolvedCounts & { metRate: number | null };
}

const DAY_MS = 86_400_000;

/** Share of requests with a target that were resolved by it, or null when none had a target. */
const metRate = (f: repo.ResolvedCounts) => (f.withTarget > 0 ? f.met / f.withTarget : null);

export function createCaseReports(db: Executor, deps: { cases: CasesService; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

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
    queue: (councilId: string, query: QueueQuery): Promise<CaseListPage> => deps.cases.list(councilId, query),

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
      return inTransaction(db, async (tx) => {
        const rows = await deps.cases.listAll(tx, councilId, query, limit);
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
        deps.cases.directory(councilId),
      ]);
      const teamNames = new Map(dir.teams.map((t) => [t.id, t.name]));
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
          teamName: t.teamId ? (teamNames.get(t.teamId) ?? 'Unknown team') : 'No team',
          metRate: metRate(t),
        })),
        totals: { ...totals, metRate: metRate(totals) },
      };
      return { ...open, at: to, closed };
    },
  };
}

export type CaseReports = ReturnType<typeof createCaseReports>;
