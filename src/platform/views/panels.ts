import type { Permission } from '../auth/permissions.ts';
import { can } from '../auth/permissions.ts';
import type { Principal } from '../auth/principal.ts';

/**
 * A section that one module adds to a page another module owns: cases and contacts add theirs to
 * the party single view, for example. The owning page loads every panel its viewer may see and
 * includes each panel's template with `panel` set to what `load` returned.
 */
export interface PagePanel<Subject> {
  readonly id: string;
  readonly permission: Permission;
  /** A Nunjucks template path under the view roots, e.g. `cases/views/party-panel.njk`. */
  readonly template: string;
  load(principal: Principal, subject: Subject): Promise<Record<string, unknown>>;
}

export interface LoadedPanel {
  readonly id: string;
  readonly template: string;
  readonly panel: Record<string, unknown>;
}

export async function loadPanels<Subject>(
  panels: readonly PagePanel<Subject>[],
  principal: Principal,
  subject: Subject,
): Promise<LoadedPanel[]> {
  const visible = panels.filter((p) => can(principal.role, p.permission));
  return Promise.all(
    visible.map(async (p) => ({ id: p.id, template: p.template, panel: await p.load(principal, subject) })),
  );
}
