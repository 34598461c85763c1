import { ROLE_LABELS } from '../../platform/auth/permissions.ts';
import type { NavItem, SearchProvider } from '../../platform/search/search.ts';
import type { GovernanceService } from './governance.service.ts';

export { ApiTokenNameTaken, NoCouncil, UserAlreadyExists } from './governance.errors.ts';
export { type GovernanceRouteOptions, governanceRoutes } from './governance.routes.ts';
export type {
  CouncilRecord,
  CouncilSetup,
  GovernanceService,
  GovernanceSettings,
  NewStaffUser,
  SignInResult,
  SiteRecord,
  StaffUserRecord,
  TeamRecord,
} from './governance.service.ts';
export { createGovernanceService, setUpCouncil } from './governance.service.ts';

export const governanceNavigation: readonly NavItem[] = [
  { href: '/staff', text: 'Home', permission: 'staff.access' },
  { href: '/staff/audit', text: 'Audit trail', permission: 'audit.read' },
  { href: '/staff/admin/users', text: 'Staff and tokens', permission: 'users.manage' },
];

/** Lets administrators find a member of staff or a team from the header search box. */
export function staffSearchProvider(service: GovernanceService): SearchProvider {
  return {
    id: 'staff',
    title: 'Staff and teams',
    permission: 'users.manage',
    async search(principal, query, limit) {
      const needle = query.toLowerCase();
      const [users, teams] = await Promise.all([
        service.listUsers(principal.councilId, query),
        service.listTeams(principal.councilId),
      ]);
      const userHits = users.slice(0, limit).map((u) => ({
        title: u.displayName,
        href: `/staff/admin/users?q=${encodeURIComponent(u.email)}`,
        summary: [ROLE_LABELS[u.role as keyof typeof ROLE_LABELS] ?? u.role, u.teamName, u.email]
          .filter(Boolean)
          .join(' · '),
        reason: u.displayName.toLowerCase().includes(needle) ? 'Name matches' : 'Email matches',
        score: u.displayName.toLowerCase().startsWith(needle) ? 0.6 : 0.4,
      }));
      const teamHits = teams
        .filter((t) => t.name.toLowerCase().includes(needle))
        .slice(0, limit)
        .map((t) => ({
          title: t.name,
          href: `/staff/admin/users`,
          summary: `${t.kind.replace('_', ' ')} team${t.email ? ` · ${t.email}` : ''}`,
          reason: 'Team name matches',
          score: 0.5,
        }));
      return [...userHits, ...teamHits];
    },
  };
}
