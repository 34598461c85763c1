import { DEMO_PASSWORD, demoCouncil, demoUsers } from '../src/councils/demo.ts';
import { createBookingsService } from '../src/modules/bookings/index.ts';
import { createGazetteerService } from '../src/modules/gazetteer/index.ts';
import { type GovernanceService, setUpCouncil } from '../src/modules/governance/index.ts';
import { systemAuditContext } from '../src/platform/audit/audit.ts';
import type { Executor } from '../src/platform/db/database.ts';
import { seedDemoBookings } from './bookings.ts';
import { seedDemoCasesIn } from './cases.ts';
import { seedCatalogue } from './catalogue.ts';
import { seedDemoContacts } from './contacts.ts';
import { demoTownSize, seedGazetteer } from './gazetteer.ts';
import { seedDemoParties } from './parties.ts';

export interface DemoSeedResult {
  seeded: boolean;
  councilName: string;
  users: { email: string; role: string }[];
}

/**
 * Seeds Demo Borough Council (sites, teams, one account per role) when the database holds no council,
 * so a database first created by a CLI command still gets the demo on `npm start`.
 */
export async function seedDemoCouncil(db: Executor, governance: GovernanceService): Promise<DemoSeedResult> {
  const users = demoUsers
    .filter((u) => u.role !== 'integration')
    .map((u) => ({ email: u.email, role: u.role }));
  if (await governance.hasCouncil()) {
    const council = await governance.defaultCouncil();
    return { seeded: false, councilName: council.name, users };
  }
  const context = systemAuditContext(null, 'demo seed');
  const { council, sites, teams } = await setUpCouncil(db, demoCouncil, context);
  for (const user of demoUsers) {
    await governance.createUser(
      {
        councilId: council.id,
        email: user.email,
        displayName: user.displayName,
        role: user.role,
        password: DEMO_PASSWORD,
        teamId: teams.find((t) => t.name === user.team)?.id ?? null,
        siteId: sites.find((s) => s.name === user.site)?.id ?? null,
        isDemo: true,
      },
      { ...context, councilId: council.id },
    );
  }
  await seedCatalogue(db, governance, council.id);
  await seedGazetteer(createGazetteerService(db), council.id);
  await seedDemoParties(db, council.id, undefined, demoTownSize());
  await seedDemoBookings(createBookingsService(db), council.id);
  await seedDemoCasesIn(db, governance, council.id);
  await seedDemoContacts(db, governance, council.id);
  return { seeded: true, councilName: council.name, users };
}

export { DEMO_PASSWORD };
