import { createPortalSessions, type PortalSessions } from './channels/portal/portal.sessions.ts';
import { createPortalUploads, type PortalUploads } from './channels/portal/portal.uploads.ts';
import type { Config } from './config.ts';
import {
  type AccountsService,
  createAccountsService,
  createOidcProvider,
  type OidcProvider,
} from './modules/accounts/index.ts';
import {
  type BookingsService,
  bookingJobDefinitions,
  createBookingsService,
} from './modules/bookings/index.ts';
import {
  type CaseReports,
  type CasesService,
  caseNotificationLookup,
  createCaseReports,
  createCasesService,
  serviceRequestFeed,
} from './modules/cases/index.ts';
import { type CatalogueService, createCatalogueService, serviceLookup } from './modules/catalogue/index.ts';
import { type ContactsService, createContactsService } from './modules/contacts/index.ts';
import { createGazetteerService, type GazetteerService } from './modules/gazetteer/index.ts';
import { createGovernanceService, type GovernanceService } from './modules/governance/index.ts';
import { createIdentityService, type IdentityService } from './modules/identity/index.ts';
import {
  adapterFromConfig,
  createNotificationsService,
  type NotificationsService,
  notificationJobDefinitions,
} from './modules/notifications/index.ts';
import { createOpen311Service, type Open311Service } from './modules/open311/index.ts';
import {
  communicationPreferences,
  createPartiesService,
  createSelfServiceParties,
  type PartiesService,
  type SelfServiceParties,
} from './modules/parties/index.ts';
import type { Database } from './platform/db/database.ts';
import { type DomainEventHandler, dispatchDomainEvents } from './platform/events/outbox.ts';
import { purgeIdempotencyKeys } from './platform/idempotency/idempotency.ts';
import { createJobSender, type JobDefinition } from './platform/jobs/jobs.ts';

/** Every module's service, built once per process and handed to routes, jobs and the CLI. */
export interface Services {
  governance: GovernanceService;
  catalogue: CatalogueService;
  gazetteer: GazetteerService;
  parties: PartiesService;
  cases: CasesService;
  /** Work queue find box and audited export; the supervisor dashboard with closed work. */
  caseReports: CaseReports;
  portalSessions: PortalSessions;
  portalUploads: PortalUploads;
  bookings: BookingsService;
  notifications: NotificationsService;
  open311: Open311Service;
  /** Hands unpublished domain events to every subscriber; returns how many it dispatched. */
  events: { dispatch(): Promise<number> };
  contacts: ContactsService;
  identity: IdentityService;
  /** Citizen accounts on the portal, and the citizen's own record in the party register. */
  accounts: AccountsService;
  selfService: SelfServiceParties;
  /** Citizen sign-in through OpenID Connect (GOV.UK One Login); undefined when not configured. */
  oidc: OidcProvider | undefined;
}

export function createServices(database: Database, config: Config, sessionSecret: string): Services {
  const governance = createGovernanceService(database.db, {
    sessionSecret,
    sessionIdleMinutes: config.sessionIdleMinutes,
    sessionAbsoluteHours: config.sessionAbsoluteHours,
    signInMaxAttempts: config.signInMaxAttempts,
    signInLockMinutes: config.signInLockMinutes,
  });
  const gazetteer = createGazetteerService(database.db, { mapTileUrl: config.mapTileUrl });
  const catalogue = createCatalogueService(database.db, { teams: governance });
  const parties = createPartiesService(database.db);
  const cases = createCasesService(database.db, { catalogue, parties, gazetteer, staff: governance });
  const notifications = createNotificationsService(database.db, {
    jobs: createJobSender(),
    adapter: adapterFromConfig(config.notifications, database.db),
    councilName: async (councilId) => (await governance.getCouncil(councilId)).name,
    caseLookup: caseNotificationLookup(cases),
    recipients: communicationPreferences(parties),
    publicUrl: config.publicUrl,
  });
  const domainEventHandlers: DomainEventHandler[] = [notifications.handleDomainEvent];
  const selfService = createSelfServiceParties(database.db);
  const portalSessions = createPortalSessions(database.db);
  const oidc = config.oidc ? createOidcProvider(config.oidc) : undefined;
  return {
    governance,
    gazetteer,
    catalogue,
    parties,
    cases,
    caseReports: createCaseReports(database.db, { cases }),
    portalSessions,
    portalUploads: createPortalUploads(database.db),
    bookings: createBookingsService(database.db, {
      remind: (reminder) => notifications.remindAppointment(reminder),
      bookableServices: async (councilId) =>
        (await catalogue.list(councilId, { type: 'booking', limit: 500 })).results.map((s) => ({
          code: s.code,
          name: s.name,
        })),
    }),
    notifications,
    open311: createOpen311Service({ catalogue, council: () => governance.defaultCouncil() }),
    events: { dispatch: () => dispatchDomainEvents(database.db, domainEventHandlers) },
    contacts: createContactsService(database.db, {
      parties,
      sites: governance,
      findServices: serviceLookup(catalogue),
      findRequests: async (councilId, idsOrReferences) =>
        (
          await serviceRequestFeed(database.db).open311Requests(councilId, {
            idsOrReferences,
            limit: idsOrReferences.length,
            offset: 0,
          })
        ).map((r) => ({ id: r.id, reference: r.reference })),
    }),
    identity: createIdentityService(database.db, { parties }),
    selfService,
    accounts: createAccountsService(database.db, {
      parties: selfService,
      send: (tx, message) => notifications.send(tx, message),
      publicUrl: config.publicUrl,
      signInMaxAttempts: config.signInMaxAttempts,
      signInLockMinutes: config.signInLockMinutes,
      endSessions: (tx, councilId, accountId) => portalSessions.endAllForAccount(councilId, accountId, tx),
      oidcProviderName: oidc?.name,
    }),
    oidc,
  };
}

/** Background jobs, each a thin handler calling a service. */
export function jobDefinitions(services: Services, database: Database): JobDefinition[] {
  return [
    {
      name: 'sessions.purge-expired',
      schedule: '*/15 * * * *',
      handler: async () => {
        await services.governance.purgeExpiredSessions();
      },
    },
    {
      name: 'contacts.partitions',
      schedule: '17 3 * * *',
      handler: async () => {
        await services.contacts.ensurePartitions();
      },
    },
    {
      name: 'idempotency.purge-expired',
      schedule: '7 * * * *',
      handler: async () => {
        await purgeIdempotencyKeys(database.db);
      },
    },
    {
      name: 'portal.purge-expired-sessions',
      schedule: '23 * * * *',
      handler: async () => {
        await services.portalSessions.purgeExpired();
      },
    },
    {
      // Photos held for requests never sent: their journey is in no live session any more.
      name: 'portal.purge-uploads',
      schedule: '25 * * * *',
      handler: async () => {
        await services.portalUploads.purgeOrphans();
      },
    },
    {
      // SLA timers: warn at 80% of a request's target and mark the breach at 100%.
      name: 'cases.sla-sweep',
      schedule: '* * * * *',
      handler: async () => {
        await services.cases.sweepSla();
      },
    },
    {
      name: 'events.dispatch',
      everySeconds: 5,
      handler: async () => {
        // A full batch means there may be more waiting.
        while ((await services.events.dispatch()) === 100) {}
      },
    },
    ...notificationJobDefinitions(services.notifications),
    ...bookingJobDefinitions(services.bookings),
    {
      name: 'identity.quality-snapshot',
      schedule: '20 2 * * *',
      handler: async () => {
        await services.identity.takeQualitySnapshots();
      },
    },
  ];
}
