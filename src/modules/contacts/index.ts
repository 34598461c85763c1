import { can } from '../../platform/auth/permissions.ts';
import type { NavItem } from '../../platform/search/search.ts';
import { partyTimeline, type TimelineSource } from '../../platform/timeline/timeline.ts';
import type { PagePanel } from '../../platform/views/panels.ts';
import type { PartyPanelSubject } from '../parties/index.ts';

export { ContactNotFound } from './contacts.errors.ts';
export { type ContactsRouteOptions, contactJson, contactsRoutes } from './contacts.routes.ts';
export {
  AVOIDABLE_REASON_LABELS,
  AVOIDABLE_REASONS,
  CHANNEL_LABELS,
  CONTACT_CHANNELS,
  type ContactChannel,
  type ContactOutcome,
  OUTCOME_LABELS,
  OUTCOMES,
} from './contacts.schemas.ts';
export type {
  ContactFilter,
  ContactInput,
  ContactRecord,
  ContactsDeps,
  ContactsService,
  DiscussedService,
  LinkedRequest,
  TodaySummary,
} from './contacts.service.ts';
export { createContactsService } from './contacts.service.ts';

export const contactsNavigation: readonly NavItem[] = [
  { href: '/staff/contacts/today', text: 'My contacts today', permission: 'contacts.record' },
];

/** How many timeline items the party page shows before "See the full contact history". */
export const PANEL_ITEMS = 20;

/**
 * "Contact history" on the party page: the party's timeline (contacts and, once the cases module's
 * source is wired in, requests), the latest 20, with a link to the paged timeline.
 */
export function contactHistoryPanel(
  timelineSources: () => readonly TimelineSource[],
): PagePanel<PartyPanelSubject> {
  return {
    id: 'contact-history',
    permission: 'contacts.read',
    template: 'contacts/views/party-panel.njk',
    async load(principal, subject) {
      const items = await partyTimeline(timelineSources(), principal, subject.partyId, {
        limit: PANEL_ITEMS + 1,
      });
      return {
        partyId: subject.partyId,
        items: items.slice(0, PANEL_ITEMS),
        more: items.length > PANEL_ITEMS,
        canRecord: can(principal.role, 'contacts.record'),
      };
    },
  };
}
