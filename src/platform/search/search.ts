import type { Permission, Role } from '../auth/permissions.ts';
import type { Principal } from '../auth/principal.ts';

/** One thing the global search box found, with a short reason why it matched. */
export interface SearchHit {
  readonly title: string;
  readonly href: string;
  readonly summary: string;
  readonly reason: string;
  /** Higher is better; hits from all providers are ranked together. */
  readonly score: number;
}

/** Modules plug into the staff header's search box by providing one of these. */
export interface SearchProvider {
  readonly id: string;
  readonly title: string;
  readonly permission: Permission;
  search(principal: Principal, query: string, limit: number): Promise<SearchHit[]>;
}

/**
 * A link on the staff home page to the work a role does there ("My work" for officers, "My contacts
 * today" for agents). Shown to the roles listed that also hold the permission.
 */
export interface HomeTask {
  readonly href: string;
  readonly text: string;
  readonly description: string;
  readonly permission: Permission;
  readonly roles: readonly Role[];
}

export interface NavItem {
  readonly href: string;
  readonly text: string;
  readonly permission: Permission;
}
