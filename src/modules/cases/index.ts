import type { AuditContext } from '../../platform/audit/audit.ts';
import { can } from '../../platform/auth/permissions.ts';
import type { Executor } from '../../platform/db/database.ts';
import type { IdempotentResult } from '../../platform/idempotency/idempotency.ts';
import type { HomeTask, NavItem, SearchProvider } from '../../platform/search/search.ts';
import type { TimelineSource } from '../../platform/timeline/timeline.ts';
import type { PagePanel } from '../../platform/views/panels.ts';
import type { PartyPanelSubject } from '../parties/index.ts';
import * as open311Repo from './cases.open311.repository.ts';
import type {
  CaseListPage,
  CaseListQueryInput,
  CaseNotificationLookup,
  CasesService,
  CaseView,
  CreateCaseInput,
  CreatedCase,
} from './cases.service.ts';
import { isUuid, STATUS_LABELS } from './cases.service.ts';
import type { CaseStatus, Outcome } from './lifecycle.ts';
import { normaliseReference } from './reference.ts';

export { AttachmentNotFound, CaseClosed, CaseNotFound, ImpossibleTransition } from './cases.errors.ts';
export type {
  Open311RequestQuery,
  Open311RequestRow,
  Open311UpdateRow,
  Open311UpdateWindow,
} from './cases.open311.repository.ts';
export { type CaseReports, createCaseReports } from './cases.reports.ts';
export { type CasesRouteOptions, casesRoutes } from './cases.routes.ts';
export type {
  CaseChannel,
  CaseDetail,
  CaseListItem,
  CaseListPage,
  CaseListQueryInput,
  CaseListRow,
  CaseLocationInput,
  CaseNotificationDetails,
  CaseNotificationLookup,
  CaseRecord,
  CasesDeps,
  CasesService,
  CaseView,
  CreateCaseInput,
  CreatedCase,
  ImportedRequest,
  RequesterDetails,
  StaffDirectory,
  UpdateRecord,
} from './cases.service.ts';
export {
  ATTACHMENT_MAX_BYTES,
  ATTACHMENT_TYPES,
  CASE_CHANNELS,
  COMPLAINT_STAGE_DAYS,
  createCasesService,
  DEFAULT_DUPLICATE_RADIUS_M,
  OUTCOME_LABELS,
  STATUS_LABELS,
} from './cases.service.ts';
export {
  CASE_STATUSES,
  type CaseStatus,
  canMove,
  isOpen,
  nextStatuses,
  type Open311ExtendedStatus,
  OUTCOMES,
  type Outcome,
  toOpen311,
} from './lifecycle.ts';
export { generateReference, normaliseReference } from './reference.ts';
export { type SlaState, slaPosition } from './sla-clock.ts';

export const casesHomeTasks: readonly HomeTask[] = [
  {
    href: '/staff/queues/mine',
    text: 'My work',
    description: 'Requests assigned to you, the soonest due first.',
    permission: 'cases.read',
    roles: ['officer', 'supervisor'],
  },
  {
    href: '/staff/queues',
    text: 'Work queues',
    description: 'Your team’s open requests: take them, assign them, find one by reference.',
    permission: 'cases.read',
    roles: ['officer', 'supervisor'],
  },
  {
    href: '/staff/supervisor',
    text: 'Supervisor dashboard',
    description: 'Queue sizes, requests at risk and breached, workload, and work resolved this week.',
    permission: 'cases.supervise',
    roles: ['supervisor', 'admin'],
  },
];

export const casesNavigation: readonly NavItem[] = [
  { href: '/staff/queues', text: 'Work queues', permission: 'cases.read' },
  { href: '/staff/supervisor', text: 'Supervisor dashboard', permission: 'cases.supervise' },
];

/**
 * What the Open311 channel (and any other outside channel) uses to make, find and update requests.
 * Requester details are matched to a party by email or phone (or a person is created) through the
 * parties module; locations may be lat/long, a UPRN or an address string.
 */
export interface ServiceRequests {
  create(
    councilId: string,
    input: CreateCaseInput,
    context: AuditContext,
    options?: { idempotencyKey?: string; caller?: string; owner?: { id: string; label: string } | null },
  ): Promise<IdempotentResult<CreatedCase>>;
  get(councilId: string, idOrReference: string): Promise<CaseView>;
  /** Filters: ids, serviceCodes, submittedFrom/To (date range), status or open, updatedAfter; paging. */
  list(councilId: string, query: CaseListQueryInput): Promise<CaseListPage>;
  /**
   * An outside system's update: a new status (if allowed) and/or a public message, in one transaction;
   * `externalRef`, the system's id for the update, is kept on what it writes.
   */
  externalUpdate(
    councilId: string,
    idOrReference: string,
    input: { status?: CaseStatus; outcome?: Outcome; description?: string; externalRef?: string },
    context: AuditContext,
  ): Promise<CaseView>;
  detail: CasesService['detail'];
  /** Adds a file (a citizen's photo) to a request; images, PDFs and office documents up to 10 MB. */
  addAttachment: CasesService['addAttachment'];
}

export function serviceRequests(service: CasesService): ServiceRequests {
  return service;
}

/**
 * Bulk reads for outside channels that publish many requests at once (Open311's GET requests and
 * servicerequestupdates), each one statement whatever the page size.
 */
export interface ServiceRequestFeed {
  /**
   * Open311's GET requests in one statement: just the columns GeoReport v2 publishes, times as W3C
   * text, newest first; ids may be uuids or references (in any case, dashes optional).
   */
  open311Requests(
    councilId: string,
    query: Omit<open311Repo.Open311RequestQuery, 'ids' | 'references'> & {
      idsOrReferences?: readonly string[];
    },
  ): Promise<open311Repo.Open311RequestRow[]>;
  /**
   * Open311's servicerequestupdates in one statement: the public updates and status changes made in
   * the window (`to` excluded), oldest first, each with its request's reference and the status the
   * request had by then; what an outside system's update wrote (externalRef) is that system's to publish.
   */
  open311Updates(
    councilId: string,
    window: open311Repo.Open311UpdateWindow,
  ): Promise<open311Repo.Open311UpdateRow[]>;
}

/** Uuids and references (normalised) apart; what cannot be either is dropped. */
function splitIds(idsOrReferences: readonly string[]): { ids: string[]; references: string[] } {
  return {
    ids: idsOrReferences.filter(isUuid),
    references: idsOrReferences
      .filter((s) => !isUuid(s))
      .map((s) => normaliseReference(s))
      .filter((s): s is string => Boolean(s)),
  };
}

export function serviceRequestFeed(db: Executor): ServiceRequestFeed {
  return {
    open311Requests(councilId, query) {
      const { idsOrReferences, ...rest } = query;
      return open311Repo.listOpen311Requests(
        db,
        councilId,
        idsOrReferences ? { ...rest, ...splitIds(idsOrReferences) } : rest,
      );
    },
    open311Updates: (councilId, window) => open311Repo.listOpen311Updates(db, councilId, window),
  };
}

/** The portal's tracking check: the email address that proves a citizen knows a request. */
export function caseRequesterEmail(
  service: CasesService,
): (councilId: string, caseId: string) => Promise<string | null> {
  return service.requesterEmail;
}

/** The notifications module's lookup: who to tell about a request, and what to say. */
export function caseNotificationLookup(service: CasesService): CaseNotificationLookup {
  return service.notificationDetails;
}

/** Lets staff find a request from the header search box by its reference (typed loosely). */
export function caseSearchProvider(service: CasesService): SearchProvider {
  return {
    id: 'cases',
    title: 'Service requests',
    permission: 'cases.read',
    async search(principal, query) {
      const reference = normaliseReference(query.trim());
      if (!reference) return [];
      try {
        const view = await service.get(principal.councilId, reference);
        const r = view.record;
        return [
          {
            title: `${r.reference}: ${r.serviceName}`,
            href: `/staff/cases/${r.id}`,
            summary: [STATUS_LABELS[r.status], view.teamName, r.locationText].filter(Boolean).join(' · '),
            reason: 'Reference matches',
            score: 2,
          },
        ];
      } catch {
        return [];
      }
    },
  };
}

/** A party's requests on their timeline, interleaved with contacts by the timeline. */
export function caseTimelineSource(service: CasesService): TimelineSource {
  return {
    id: 'cases',
    permission: 'cases.read',
    async itemsForParty(councilId, partyId, query) {
      const rows = await service.forParty(councilId, partyId, {
        limit: query.limit,
        ...(query.before ? { before: query.before } : {}),
      });
      return rows.map((r) => ({
        kind: 'case',
        id: r.id,
        at: r.submittedAt,
        title: `${r.serviceName} (${r.reference})`,
        summary: r.locationText ?? `Request made by ${r.channel.replace('_', ' ')}`,
        href: `/staff/cases/${r.id}`,
        status: STATUS_LABELS[r.status],
      }));
    },
  };
}

/** The "Requests" panel on the party page: open and closed requests and a button to raise one. */
export function casePartyPanel(service: CasesService): PagePanel<PartyPanelSubject> {
  return {
    id: 'cases',
    permission: 'cases.read',
    template: 'cases/views/party-panel.njk',
    async load(principal, subject) {
      const rows = await service.forParty(subject.councilId, subject.partyId, { limit: 50 });
      const open = rows.filter((r) =>
        ['submitted', 'acknowledged', 'in_progress', 'on_hold'].includes(r.status),
      );
      const closed = rows.filter((r) => !open.includes(r));
      const toItem = (r: (typeof rows)[number]) => ({
        id: r.id,
        reference: r.reference,
        serviceName: r.serviceName,
        status: STATUS_LABELS[r.status],
        slaState: r.slaState,
        submittedAt: r.submittedAt,
        dueAt: r.dueAt,
      });
      return {
        partyId: subject.partyId,
        open: open.map(toItem),
        closed: closed.map(toItem),
        canCreate: can(principal.role, 'cases.create') && principal.kind === 'staff',
      };
    },
  };
}
