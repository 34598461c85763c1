import type { Permission } from '../auth/permissions.ts';
import { can } from '../auth/permissions.ts';
import type { Principal } from '../auth/principal.ts';

/**
 * One entry on a party's timeline: a contact, a service request, or anything else a module records
 * about the customer. Modules provide a `TimelineSource`; the timeline interleaves every source the
 * viewer may see, newest first.
 */
export interface TimelineItem {
  /** Which kind of thing this is, e.g. `contact` or `case`. */
  readonly kind: string;
  readonly id: string;
  /** When it happened (a contact's start, a request's submission); the timeline sorts on this. */
  readonly at: Date;
  readonly title: string;
  readonly summary: string;
  /** The staff page for the item. */
  readonly href: string;
  /** A short status or outcome label, when the item has one. */
  readonly status?: string;
}

export interface TimelineQuery {
  /** Only items strictly older than this (for paging back); newest first. */
  readonly before?: Date;
  readonly limit: number;
}

export interface TimelineSource {
  readonly id: string;
  readonly permission: Permission;
  itemsForParty(councilId: string, partyId: string, query: TimelineQuery): Promise<TimelineItem[]>;
}

/** Interleaves the sources the principal may see, newest first, at most `limit` items. */
export async function partyTimeline(
  sources: readonly TimelineSource[],
  principal: Principal,
  partyId: string,
  query: TimelineQuery,
): Promise<TimelineItem[]> {
  const visible = sources.filter((s) => can(principal.role, s.permission));
  const lists = await Promise.all(visible.map((s) => s.itemsForParty(principal.councilId, partyId, query)));
  return lists
    .flat()
    .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
    .slice(0, query.limit);
}
