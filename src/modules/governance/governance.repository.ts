import type { Generated } from 'kysely';
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.ts';

interface CouncilTable {
  id: Generated<string>;
  slug: string;
  name: string;
  profile: Generated<string>;
  area_min_easting: number | null;
  area_min_northing: number | null;
  area_max_easting: number | null;
  area_max_northing: number | null;
  area_min_lat: number | null;
  area_min_long: number | null;
  area_max_lat: number | null;
  area_max_long: number | null;
  created_at: Generated<Date>;
}

interface SiteTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  kind: string;
  address: string | null;
  created_at: Generated<Date>;
}

interface TeamTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  kind: string;
  email: string | null;
  created_at: Generated<Date>;
}

interface StaffUserTable {
  id: Generated<string>;
  council_id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  team_id: string | null;
  site_id: string | null;
  is_demo: Generated<boolean>;
  disabled: Generated<boolean>;
  failed_sign_ins: Generated<number>;
  locked_until: Date | null;
  last_sign_in_at: Date | null;
  created_at: Generated<Date>;
}

interface StaffSessionTable {
  id: string;
  council_id: string;
  user_id: string;
  csrf_token: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Date;
}

interface ApiTokenTable {
  id: Generated<string>;
  council_id: string;
  name: string;
  role: string;
  token_hash: string;
  token_prefix: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

type Tables = {
  council: CouncilTable;
  site: SiteTable;
  team: TeamTable;
  staff_user: StaffUserTable;
  staff_session: StaffSessionTable;
  api_token: ApiTokenTable;
};

const t = (db: Executor) => db.withTables<Tables>();

export interface CouncilRecord {
  id: string;
  slug: string;
  name: string;
  profile: string;
  area: {
    minEasting: number | null;
    minNorthing: number | null;
    maxEasting: number | null;
    maxNorthing: number | null;
    minLat: number | null;
    minLong: number | null;
    maxLat: number | null;
    maxLong: number | null;
  };
}

export interface NewCouncil {
  slug: string;
  name: string;
  profile: string;
  area: CouncilRecord['area'];
}

function toCouncil(
  row: Omit<CouncilTable, 'id' | 'profile' | 'created_at'> & { id: string; profile: string },
): CouncilRecord {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    profile: row.profile,
    area: {
      minEasting: row.area_min_easting,
      minNorthing: row.area_min_northing,
      maxEasting: row.area_max_easting,
      maxNorthing: row.area_max_northing,
      minLat: row.area_min_lat,
      minLong: row.area_min_long,
      maxLat: row.area_max_lat,
      maxLong: row.area_max_long,
    },
  };
}

const COUNCIL_COLUMNS = [
  'id',
  'slug',
  'name',
  'profile',
  'area_min_easting',
  'area_min_northing',
  'area_max_easting',
  'area_max_northing',
  'area_min_lat',
  'area_min_long',
  'area_max_lat',
  'area_max_long',
] as const;

export async function insertCouncil(db: Executor, council: NewCouncil): Promise<CouncilRecord> {
  const row = await t(db)
    .insertInto('council')
    .values({
      slug: council.slug,
      name: council.name,
      profile: council.profile,
      area_min_easting: council.area.minEasting,
      area_min_northing: council.area.minNorthing,
      area_max_easting: council.area.maxEasting,
      area_max_northing: council.area.maxNorthing,
      area_min_lat: council.area.minLat,
      area_min_long: council.area.minLong,
      area_max_lat: council.area.maxLat,
      area_max_long: council.area.maxLong,
    })
    .returning(COUNCIL_COLUMNS)
    .executeTakeFirstOrThrow();
  return toCouncil(row);
}

export async function findCouncilById(db: Executor, id: string): Promise<CouncilRecord | undefined> {
  const row = await t(db)
    .selectFrom('council')
    .select(COUNCIL_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toCouncil(row) : undefined;
}

export async function findCouncilBySlug(db: Executor, slug: string): Promise<CouncilRecord | undefined> {
  const row = await t(db)
    .selectFrom('council')
    .select(COUNCIL_COLUMNS)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row ? toCouncil(row) : undefined;
}

export async function listCouncils(db: Executor): Promise<CouncilRecord[]> {
  const rows = await t(db).selectFrom('council').select(COUNCIL_COLUMNS).orderBy('created_at').execute();
  return rows.map(toCouncil);
}

export interface SiteRecord {
  id: string;
  name: string;
  kind: string;
  address: string | null;
}

export async function insertSite(
  db: Executor,
  councilId: string,
  site: { name: string; kind: string; address: string | null },
): Promise<SiteRecord> {
  return t(db)
    .insertInto('site')
    .values({ council_id: councilId, ...site })
    .returning(['id', 'name', 'kind', 'address'])
    .executeTakeFirstOrThrow();
}

export async function listSites(db: Executor, councilId: string): Promise<SiteRecord[]> {
  return t(db)
    .selectFrom('site')
    .select(['id', 'name', 'kind', 'address'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

export interface TeamRecord {
  id: string;
  name: string;
  kind: string;
  email: string | null;
}

export async function insertTeam(
  db: Executor,
  councilId: string,
  team: { name: string; kind: string; email: string | null },
): Promise<TeamRecord> {
  return t(db)
    .insertInto('team')
    .values({ council_id: councilId, ...team })
    .returning(['id', 'name', 'kind', 'email'])
    .executeTakeFirstOrThrow();
}

export async function listTeams(db: Executor, councilId: string): Promise<TeamRecord[]> {
  return t(db)
    .selectFrom('team')
    .select(['id', 'name', 'kind', 'email'])
    .where('council_id', '=', councilId)
    .orderBy('name')
    .execute();
}

export interface StaffUserRecord {
  id: string;
  councilId: string;
  email: string;
  displayName: string;
  role: string;
  passwordHash: string | null;
  teamId: string | null;
  teamName: string | null;
  siteId: string | null;
  siteName: string | null;
  isDemo: boolean;
  disabled: boolean;
  failedSignIns: number;
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
}

function userQuery(db: Executor) {
  return t(db)
    .selectFrom('staff_user as u')
    .leftJoin('team', 'team.id', 'u.team_id')
    .leftJoin('site', 'site.id', 'u.site_id')
    .select([
      'u.id',
      'u.council_id as councilId',
      'u.email',
      'u.display_name as displayName',
      'u.role',
      'u.password_hash as passwordHash',
      'u.team_id as teamId',
      'team.name as teamName',
      'u.site_id as siteId',
      'site.name as siteName',
      'u.is_demo as isDemo',
      'u.disabled',
      'u.failed_sign_ins as failedSignIns',
      'u.locked_until as lockedUntil',
      'u.last_sign_in_at as lastSignInAt',
    ]);
}

export async function findUserByEmail(
  db: Executor,
  councilId: string,
  email: string,
): Promise<StaffUserRecord | undefined> {
  return userQuery(db)
    .where('u.council_id', '=', councilId)
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function findUserById(
  db: Executor,
  councilId: string,
  id: string,
): Promise<StaffUserRecord | undefined> {
  return userQuery(db).where('u.council_id', '=', councilId).where('u.id', '=', id).executeTakeFirst();
}

export async function listUsers(
  db: Executor,
  councilId: string,
  search?: string,
): Promise<StaffUserRecord[]> {
  let query = userQuery(db).where('u.council_id', '=', councilId).orderBy('u.display_name');
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, '\\$&')}%`;
    query = query.where((eb) =>
      eb.or([eb('u.display_name', 'ilike', pattern), eb('u.email', 'ilike', pattern)]),
    );
  }
  return query.execute();
}

export async function insertUser(
  db: Executor,
  user: {
    councilId: string;
    email: string;
    displayName: string;
    role: string;
    passwordHash: string;
    teamId: string | null;
    siteId: string | null;
    isDemo: boolean;
  },
): Promise<string> {
  const row = await t(db)
    .insertInto('staff_user')
    .values({
      council_id: user.councilId,
      email: user.email,
      display_name: user.displayName,
      role: user.role,
      password_hash: user.passwordHash,
      team_id: user.teamId,
      site_id: user.siteId,
      is_demo: user.isDemo,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Counts a failed sign-in and locks the account when it reaches the limit; returns the new state. */
export async function recordFailedSignIn(
  db: Executor,
  userId: string,
  maxAttempts: number,
  lockMinutes: number,
): Promise<{ failedSignIns: number; lockedUntil: Date | null }> {
  const row = await t(db)
    .updateTable('staff_user')
    .set((eb) => ({
      failed_sign_ins: sql<number>`case when ${eb.ref('failed_sign_ins')} + 1 >= ${maxAttempts} then 0 else ${eb.ref('failed_sign_ins')} + 1 end`,
      locked_until: sql<Date | null>`case when ${eb.ref('failed_sign_ins')} + 1 >= ${maxAttempts}
        then now() + make_interval(mins => ${lockMinutes}) else ${eb.ref('locked_until')} end`,
    }))
    .where('id', '=', userId)
    .returning(['failed_sign_ins as failedSignIns', 'locked_until as lockedUntil'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function recordSuccessfulSignIn(db: Executor, userId: string): Promise<void> {
  await t(db)
    .updateTable('staff_user')
    .set({ failed_sign_ins: 0, locked_until: null, last_sign_in_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .execute();
}

export async function countDemoUsers(db: Executor): Promise<number> {
  const row = await t(db)
    .selectFrom('staff_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_demo', '=', true)
    .where('disabled', '=', false)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSession(
  db: Executor,
  session: { id: string; councilId: string; userId: string; csrfToken: string; absoluteHours: number },
): Promise<void> {
  await t(db)
    .insertInto('staff_session')
    .values({
      id: session.id,
      council_id: session.councilId,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      expires_at: sql<Date>`now() + make_interval(hours => ${session.absoluteHours})`,
    })
    .execute();
}

export interface SessionRecord {
  id: string;
  councilId: string;
  userId: string;
  csrfToken: string;
  lastSeenAt: Date;
  expiresAt: Date;
  email: string;
  displayName: string;
  role: string;
  disabled: boolean;
  now: Date;
}

export async function findSession(db: Executor, id: string): Promise<SessionRecord | undefined> {
  return t(db)
    .selectFrom('staff_session as s')
    .innerJoin('staff_user as u', 'u.id', 's.user_id')
    .select([
      's.id',
      's.council_id as councilId',
      's.user_id as userId',
      's.csrf_token as csrfToken',
      's.last_seen_at as lastSeenAt',
      's.expires_at as expiresAt',
      'u.email',
      'u.display_name as displayName',
      'u.role',
      'u.disabled',
      sql<Date>`now()`.as('now'),
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

export async function touchSession(db: Executor, id: string): Promise<void> {
  await t(db)
    .updateTable('staff_session')
    .set({ last_seen_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function deleteSession(db: Executor, id: string): Promise<void> {
  await t(db).deleteFrom('staff_session').where('id', '=', id).execute();
}

export async function deleteSessionsOfUser(db: Executor, userId: string): Promise<void> {
  await t(db).deleteFrom('staff_session').where('user_id', '=', userId).execute();
}

/** Deletes sessions past their absolute expiry or idle for longer than `idleMinutes`. */
export async function deleteExpiredSessions(db: Executor, idleMinutes: number): Promise<number> {
  const result = await t(db)
    .deleteFrom('staff_session')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<', sql<Date>`now()`),
        eb('last_seen_at', '<', sql<Date>`now() - make_interval(mins => ${idleMinutes})`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertApiToken(
  db: Executor,
  token: { councilId: string; name: string; role: string; tokenHash: string; tokenPrefix: string },
): Promise<string> {
  const row = await t(db)
    .insertInto('api_token')
    .values({
      council_id: token.councilId,
      name: token.name,
      role: token.role,
      token_hash: token.tokenHash,
      token_prefix: token.tokenPrefix,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface ApiTokenRecord {
  id: string;
  councilId: string;
  name: string;
  role: string;
  tokenPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const API_TOKEN_COLUMNS = [
  'id',
  'council_id as councilId',
  'name',
  'role',
  'token_prefix as tokenPrefix',
  'created_at as createdAt',
  'last_used_at as lastUsedAt',
  'revoked_at as revokedAt',
] as const;

export async function findActiveApiToken(
  db: Executor,
  tokenHash: string,
): Promise<ApiTokenRecord | undefined> {
  return t(db)
    .selectFrom('api_token')
    .select(API_TOKEN_COLUMNS)
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function listApiTokens(db: Executor, councilId: string): Promise<ApiTokenRecord[]> {
  return t(db)
    .selectFrom('api_token')
    .select(API_TOKEN_COLUMNS)
    .where('council_id', '=', councilId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function markApiTokenUsed(db: Executor, id: string): Promise<void> {
  await t(db).updateTable('api_token').set({ last_used_at: sql<Date>`now()` }).where('id', '=', id).execute();
}
