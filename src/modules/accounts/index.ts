import type { PagePanel } from '../../platform/views/panels.ts';
import type { PartyPanelSubject, SelfServiceParties } from '../parties/index.ts';
import type { AccountsService } from './accounts.service.ts';

export { AccountLocked } from './accounts.errors.ts';
export {
  createOidcProvider,
  type OidcConfig,
  OidcError,
  type OidcPending,
  type OidcProvider,
} from './accounts.oidc.ts';
export {
  type AccountMessageSender,
  type AccountRecord,
  type AccountsDeps,
  type AccountsService,
  createAccountsService,
  MAX_PASSWORD_LENGTH,
  newAccountErrors,
  type OidcIdentity,
  RESET_HOURS,
  type SignInResult,
  VERIFICATION_HOURS,
} from './accounts.service.ts';

const PURPOSE_LABELS: Record<string, string> = {
  email_updates: 'Email about their requests',
  sms_updates: 'Text messages about their requests',
  surveys: 'Satisfaction surveys',
};

/**
 * The party page's "Online account" section: whether the person has a portal account, whether its
 * email address is verified, and every consent they gave or withdrew, with when and how.
 */
export function accountPartyPanel(
  accounts: AccountsService,
  parties: SelfServiceParties,
): PagePanel<PartyPanelSubject> {
  return {
    id: 'online-account',
    permission: 'parties.read',
    template: 'accounts/views/party-panel.njk',
    async load(_principal, subject) {
      const [list, consents] = await Promise.all([
        accounts.accountsOfParty(subject.councilId, subject.partyId),
        parties.consentHistory(subject.councilId, subject.partyId),
      ]);
      return {
        accounts: list.map((a) => ({
          createdAt: a.createdAt,
          verifiedAt: a.emailVerifiedAt,
          lastSignInAt: a.lastSignInAt,
          through: a.oidcSubject ? 'GOV.UK One Login' : 'Email and password',
        })),
        consents: consents.map((c) => ({
          purpose: PURPOSE_LABELS[c.purpose] ?? c.purpose,
          granted: c.granted,
          source: c.source,
          recordedAt: c.recordedAt,
        })),
      };
    },
  };
}
