import { type AuditContext, systemAuditContext } from '../../platform/audit/audit.ts';
import type { AuditSubjectProvider } from '../../platform/audit/subjects.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { DomainError } from '../../platform/http/errors.ts';
import type { NavItem, SearchProvider } from '../../platform/search/search.ts';
import { formatPartialDate } from './parties.normalise.ts';
import { ALERT_KINDS, type PartiesService } from './parties.service.ts';

export { importParties, runImportCommand } from './parties.command.ts';
export {
  MergeNotReversible,
  PartyAlreadyMerged,
  PartyChangedMeanwhile,
  PartyNotFound,
  SourceKeyTaken,
} from './parties.errors.ts';
/**
 * The register's phone rule, which is the one phone rule of `src/platform/validation/phone.ts`
 * (libphonenumber, UK by default): a number in E.164, or undefined when the register would refuse it.
 */
export { normalisePhone } from './parties.normalise.ts';
export { type PartiesRouteOptions, type PartyPanelSubject, partiesRoutes } from './parties.routes.ts';
export {
  CONSENT_PURPOSES,
  type ConsentPurpose,
  type ConsentRecord,
  createSelfServiceParties,
  type OwnDetails,
  type OwnDetailsInput,
  SELF_SERVICE_CHANNELS,
  type SelfServiceParties,
} from './parties.self-service.ts';
export type {
  AddressRecord,
  BulkResult,
  BulkRow,
  ContactPointRecord,
  IdentifierRecord,
  PartiesService,
  PartyKind,
  PartyRecord,
  PartySearchResult,
  PartySummary,
  RelationshipType,
  SingleView,
} from './parties.service.ts';
export { createPartiesService, RELATIONSHIP_TYPES } from './parties.service.ts';
export type { PartyInput } from './parties.validate.ts';

export const partiesNavigation: readonly NavItem[] = [
  { href: '/staff/parties', text: 'People and organisations', permission: 'parties.read' },
];

/** Lets staff find a caller from the header search box: by name, phone, email, postcode or reference. */
export function partySearchProvider(service: PartiesService): SearchProvider {
  return {
    id: 'parties',
    title: 'People and organisations',
    permission: 'parties.read',
    async search(principal, query, limit) {
      const results = await service.search(principal.councilId, query, limit);
      return results.map((r) => ({
        title: r.party.displayName,
        href: `/staff/parties/${r.party.id}`,
        summary: [
          r.party.kind === 'person' ? null : r.party.kind,
          r.party.dateOfBirth && r.party.birthDatePrecision
            ? `Born ${formatPartialDate(r.party.dateOfBirth, r.party.birthDatePrecision)}`
            : null,
          r.party.address,
          r.party.reference,
        ]
          .filter(Boolean)
          .join(' · '),
        reason: r.reasons.join('; '),
        // Parties outrank staff and teams for the same quality of match: callers are what agents seek.
        score: 0.5 + r.score,
      }));
    },
  };
}
/** Names people and organisations on the audit trail: "Jane Smith (P-9KEV-X927)", linking to them. */
export function partyAuditSubjects(service: PartiesService): AuditSubjectProvider {
  return {
    subjectType: 'party',
    async describe(councilId, ids) {
      const names = await service.namesForAudit(councilId, ids);
      return new Map(
        [...names].map(([id, p]) => [
          id,
          { label: p.displayName, reference: p.reference, href: `/staff/parties/${id}` },
        ]),
      );
    },
    idForReference: (councilId, text) => service.idForReference(councilId, text),
  };
}

export { type ImportMapping, ImportUsageError, readMapping, recordToInput } from './parties.command.ts';
export {
  countActivePersons,
  findLinkageCandidates,
  type LinkageProbe,
  type LinkageRecord,
  linkageProbeOf,
  linkageRecordOf,
  linkageRecords,
  partiesBySourceKey,
  sampleLinkageRecords,
} from './parties.linkage.repository.ts';
export { type PreparedBulk, prepareBulk } from './parties.service.ts';
export type { ValidParty } from './parties.validate.ts';

/** A staff alert on a party, ready for the shared alert view (`parties/views/alert.njk`). */
export interface PartyAlert {
  id: string;
  kind: string;
  /** What kind of alert it is, in words ("Vulnerable person"). */
  label: string;
  reason: string;
  reviewOn: string;
  raisedBy: string | null;
  /** Its review date has come. */
  overdue: boolean;
}

/** The alerts in force on a party that the viewer's role may see; audited with the purpose given. */
export type PartyAlertsLookup = (
  principal: Principal,
  partyId: string,
  context: AuditContext,
  purpose: string,
) => Promise<PartyAlert[]>;

/** Another module's pages about a party (a request, a form raising one) show its alerts through this. */
export function partyAlerts(service: PartiesService): PartyAlertsLookup {
  return async (principal, partyId, context, purpose) => {
    const today = new Date().toISOString().slice(0, 10);
    return (await service.alertsFor(principal, partyId, context, purpose)).map((a) => ({
      id: a.id,
      kind: a.kind,
      label: ALERT_KINDS[a.kind as keyof typeof ALERT_KINDS] ?? a.kind,
      reason: a.reason,
      reviewOn: a.reviewOn,
      raisedBy: a.raisedBy,
      overdue: a.reviewOn <= today,
    }));
  };
}

/** Who lives or gets post at a property: what the gazetteer's property page lists. */
export type PartiesAtProperty = (
  councilId: string,
  uprn: string,
) => Promise<Array<{ id: string; displayName: string; role: string; href: string }>>;

/** Parties with a current address at the property (by UPRN), each with the address's role. */
export function partiesAtProperty(service: PartiesService): PartiesAtProperty {
  return async (councilId, uprn) =>
    (await service.partiesAtProperty(councilId, uprn)).map((p) => ({
      ...p,
      href: `/staff/parties/${p.id}`,
    }));
}

/** What someone wants when the council writes to them: language, channel, and who not to contact. */
export interface CommunicationPreferences {
  language: 'en' | 'cy' | null;
  preferredChannel: string | null;
  contactPoints: { kind: 'email' | 'phone'; value: string; doNotContact: boolean }[];
}

/**
 * Reads a party's communication preferences for sending them a message (notifications). It is a
 * read of personal data, so it is audited like any other, with that purpose. Null for no such party.
 */
export function communicationPreferences(
  service: PartiesService,
): (councilId: string, partyId: string) => Promise<CommunicationPreferences | null> {
  return async (councilId, partyId) => {
    const principal: Principal = {
      kind: 'api',
      councilId,
      id: 'notifications',
      label: 'Notifications',
      role: 'integration',
    };
    try {
      const view = await service.singleView(
        principal,
        partyId,
        systemAuditContext(councilId, 'notifications'),
        'sending a notification',
      );
      const language = view.party.language;
      return {
        language: language === 'cy' ? 'cy' : language === 'en' ? 'en' : null,
        preferredChannel: view.party.preferredChannel ?? null,
        contactPoints: view.contactPoints.map((c) => ({
          kind: c.kind,
          value: c.value,
          doNotContact: c.doNotContact,
        })),
      };
    } catch (error) {
      if (error instanceof DomainError && error.status === 404) return null;
      throw error;
    }
  };
}
