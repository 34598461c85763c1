import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { isUniqueViolation } from '../../platform/db/together.ts';
import { listEventsFor } from '../../platform/events/outbox.ts';
import { CASE_REFERENCE_CONSTRAINT, nearbyOpenQuery } from './cases.repository.ts';
import { normaliseReference } from './reference.ts';

interface Created {
  id: string;
  reference: string;
  status: string;
  dueAt: string;
  teamId: string;
  possibleDuplicates: { id: string; reference: string; distanceMetres: number }[];
}

const POTHOLE = {
  serviceCode: 'pothole',
  channel: 'phone',
  description: 'Deep hole by the bus stop',
  location: { lat: 51.5072, long: -0.1276 },
  answers: { where_on_road: 'carriageway', depth: 'medium', damage_claim: false },
};

describe.each(testDatabaseKinds())('cases REST API (%s)', (kind) => {
  let t: TestApp;
  let token: string;
  let agentToken: string;
  let partyId: string;

  const api = (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
    as = token,
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${as}`,
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });

  const create = async (body: unknown = POTHOLE): Promise<Created> => {
    const response = await api('POST', '/api/v1/cases', body);
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as Created;
  };

  const events = (id: string) => listEventsFor(t.runtime.database.db, t.councilId, 'case', id);

  beforeAll(async () => {
    t = await createTestApp(kind);
    token = await createToken(t, 'integration');
    const created = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'Nia',
      familyName: 'Pritchard',
      email: 'nia.pritchard@example.com',
      phone: '07911 123456',
      communication: { language: 'cy' },
    });
    expect(created.statusCode, created.body).toBe(201);
    partyId = (created.json() as { id: string }).id;
    const { token: agent } = await t.runtime.services.governance.createApiToken(
      { councilId: t.councilId, name: 'agent token', role: 'agent' },
      systemAuditContext(t.councilId, 'test'),
    );
    agentToken = agent;
  });
  afterAll(() => t?.close());

  it('creates a request with a checkable reference, a due date and a route, and records case.created', async () => {
    const response = await api('POST', '/api/v1/cases', { ...POTHOLE, partyId });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as Created;
    expect(body.reference).toMatch(/^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(normaliseReference(body.reference)).toBe(body.reference);
    expect(body.status).toBe('submitted');
    expect(new Date(body.dueAt).getTime()).toBeGreaterThan(Date.now());
    expect(response.headers.location).toBe(`/api/v1/cases/${body.id}`);
    const teams = await t.runtime.services.governance.listTeams(t.councilId);
    expect(teams.find((x) => x.id === body.teamId)?.name).toBe('Highways and Street Lighting');
    const recorded = await events(body.id);
    expect(recorded.map((e) => e.eventType)).toEqual(['case.created']);
    expect(JSON.stringify(recorded[0]?.payload)).not.toContain('Pritchard');

    const fetched = await api('GET', `/api/v1/cases/${body.reference.toLowerCase().replace(/-/g, ' ')}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toMatchObject({
      id: body.id,
      serviceCode: 'pothole',
      serviceVersion: 1,
      priority: 'high',
      requesterPartyId: partyId,
      answers: { depth: 'medium', where_on_road: 'carriageway', damage_claim: false },
      location: { lat: 51.5072, long: -0.1276, easting: expect.any(Number), northing: expect.any(Number) },
      open311: { status: 'open', extended: 'OPEN' },
      sla: { state: 'on_track' },
    });
  });

  it('returns the same request for the same Idempotency-Key, and makes only one', async () => {
    const body = {
      ...POTHOLE,
      description: 'Idempotent pothole',
      location: { easting: 529_100, northing: 178_100 },
    };
    const first = await api('POST', '/api/v1/cases', body, { 'idempotency-key': 'key-123' });
    const second = await api('POST', '/api/v1/cases', body, { 'idempotency-key': 'key-123' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    const id = (first.json() as Created).id;
    const listed = await api('GET', `/api/v1/cases?serviceCode=pothole&pageSize=500`);
    const matching = (listed.json() as { results: { id: string; dueAt: string }[] }).results.filter(
      (r) => r.id === id,
    );
    expect(matching).toHaveLength(1);
    expect((first.json() as Created).dueAt).toBeTruthy();
    const reused = await api(
      'POST',
      '/api/v1/cases',
      { ...body, description: 'other' },
      { 'idempotency-key': 'key-123' },
    );
    expect(reused.statusCode).toBe(422);
  });

  it('keeps references unique under the constraint creation retries on', async () => {
    const { id } = await create({ ...POTHOLE, description: 'Reference taken' });
    // A copy of the request under a new id but with the same reference: what a drawn-twice
    // reference would be. Creation recognises this violation by name and draws again.
    const copy = sql`insert into service_request (council_id, reference, service_id, service_code,
        service_name, service_version, status, priority, channel, answers, sla_unit, sla_amount, due_at, warn_at)
      select council_id, reference, service_id, service_code, service_name, service_version, status,
        priority, channel, answers, sla_unit, sla_amount, due_at, warn_at
      from service_request where id = ${id}`;
    const error = await copy.execute(t.runtime.database.db).catch((e: unknown) => e);
    expect(isUniqueViolation(error, CASE_REFERENCE_CONSTRAINT), String(error)).toBe(true);
  });

  it('names a missing required answer and an unknown service in problem+json', async () => {
    const missing = await api('POST', '/api/v1/cases', {
      serviceCode: 'street-light-fault',
      channel: 'web',
      location: { lat: 51.5072, long: -0.1276 },
      answers: {},
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    const problem = missing.json() as { errors: { field: string; message: string }[] };
    expect(problem.errors).toContainEqual({
      field: 'answers.fault',
      message: 'Select what is wrong with the light',
    });

    const unknown = await api('POST', '/api/v1/cases', {
      serviceCode: 'no-such-service',
      channel: 'web',
      answers: {},
    });
    expect(unknown.statusCode).toBe(400);
    expect((unknown.json() as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      'serviceCode',
    );

    const badUprn = await api('POST', '/api/v1/cases', { ...POTHOLE, location: { uprn: 999_999_999 } });
    expect((badUprn.json() as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      'location.uprn',
    );
  });

  it('moves through the lifecycle, refuses impossible moves and needs an outcome to resolve', async () => {
    const c = await create();
    const move = (status: string, extra: Record<string, unknown> = {}) =>
      api('POST', `/api/v1/cases/${c.id}/status`, { status, ...extra });
    const impossible = await move('closed');
    expect(impossible.statusCode).toBe(409);
    expect((impossible.json() as { detail: string }).detail).toContain('cannot be moved to closed');
    expect((await move('acknowledged')).statusCode).toBe(200);
    expect((await move('in_progress')).statusCode).toBe(200);
    const held = await move('on_hold');
    expect(held.json()).toMatchObject({ status: 'on_hold', sla: { state: 'paused' } });
    expect((await move('in_progress')).statusCode).toBe(200);
    const noOutcome = await move('resolved');
    expect(noOutcome.statusCode).toBe(400);
    expect((noOutcome.json() as { errors: { field: string }[] }).errors[0]?.field).toBe('outcome');
    const resolved = await move('resolved', { outcome: 'fixed', note: 'Filled in today' });
    expect(resolved.json()).toMatchObject({
      status: 'resolved',
      outcome: 'fixed',
      open311: { status: 'closed', extended: 'FIXED' },
      sla: { state: 'met' },
    });
    // Reopening sends it back to work.
    expect((await move('in_progress')).json()).toMatchObject({ status: 'in_progress', outcome: null });
    const changes = (await events(c.id))
      .filter((e) => e.eventType === 'case.status_changed')
      .map((e) => e.payload);
    expect(changes.map((p) => [p.from, p.to])).toEqual([
      ['submitted', 'acknowledged'],
      ['acknowledged', 'in_progress'],
      ['in_progress', 'on_hold'],
      ['on_hold', 'in_progress'],
      ['in_progress', 'resolved'],
      ['resolved', 'in_progress'],
    ]);
    const detail = (await api('GET', `/api/v1/cases/${c.id}`)).json() as {
      updates: { kind: string; body: string }[];
    };
    expect(detail.updates.some((u) => u.kind === 'public' && u.body === 'Filled in today')).toBe(true);
  });

  it('adds public updates and internal notes, each with a case.update_added event', async () => {
    const c = await create();
    const pub = await api('POST', `/api/v1/cases/${c.id}/updates`, {
      body: 'Inspection booked for Monday',
      public: true,
    });
    expect(pub.statusCode).toBe(201);
    const note = await api('POST', `/api/v1/cases/${c.id}/updates`, { body: 'Crew B', public: false });
    expect(note.statusCode).toBe(201);
    const added = (await events(c.id))
      .filter((e) => e.eventType === 'case.update_added')
      .map((e) => e.payload);
    expect(added).toEqual([
      { updateId: (pub.json() as { id: string }).id, public: true },
      { updateId: (note.json() as { id: string }).id, public: false },
    ]);
    const empty = await api('POST', `/api/v1/cases/${c.id}/updates`, { body: ' ', public: true });
    expect((empty.json() as { errors: { field: string }[] }).errors[0]?.field).toBe('body');
  });

  it('assigns to an officer and filters lists by assignee, team, status and SLA state', async () => {
    const c = await create();
    const users = await t.runtime.services.governance.listUsers(t.councilId);
    const officer = users.find((u) => u.role === 'officer');
    if (!officer) throw new Error('no demo officer');
    const assigned = await api('POST', `/api/v1/cases/${c.id}/assignment`, { assigneeId: officer.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    // The officer (Waste and Recycling) takes a Highways request: it stays in its team.
    expect(assigned.json()).toMatchObject({
      assigneeId: officer.id,
      assigneeName: officer.displayName,
      teamId: c.teamId,
    });
    expect(officer.teamId).not.toBe(c.teamId);
    const mine = (await api('GET', `/api/v1/cases?assignee=${officer.id}&pageSize=500`)).json() as {
      results: { id: string }[];
    };
    expect(mine.results.map((r) => r.id)).toContain(c.id);
    const open = (
      await api(
        'GET',
        `/api/v1/cases?status=open&slaState=on_track&team=${c.teamId}&sort=submitted&direction=desc`,
      )
    ).json() as {
      results: { id: string }[];
    };
    expect(open.results.map((r) => r.id)).toContain(c.id);
    const paged = (await api('GET', '/api/v1/cases?pageSize=2&page=1')).json() as {
      results: unknown[];
      total: number;
    };
    expect(paged.results).toHaveLength(2);
    expect(paged.total).toBeGreaterThan(2);
    expect((await api('GET', '/api/v1/cases?slaState=late')).statusCode).toBe(400);
    expect((await api('GET', '/api/v1/cases?updatedAfter=2999-01-01T00:00:00Z')).json()).toMatchObject({
      total: 0,
    });
    const event = (await events(c.id)).find((e) => e.eventType === 'case.assigned');
    expect(event?.payload).toMatchObject({ assigneeId: officer.id });
  });

  it('suggests a nearby open request as a duplicate, and linking adds a me-too', async () => {
    const first = await create({ ...POTHOLE, location: { easting: 531_000, northing: 181_000 } });
    const second = await create({ ...POTHOLE, partyId, location: { easting: 531_020, northing: 181_010 } });
    expect(second.possibleDuplicates.map((d) => d.id)).toContain(first.id);
    const far = await create({ ...POTHOLE, location: { easting: 531_500, northing: 181_000 } });
    expect(far.possibleDuplicates.map((d) => d.id)).not.toContain(first.id);
    const linked = await api('POST', `/api/v1/cases/${second.id}/links`, {
      kind: 'duplicate_of',
      otherId: first.reference,
    });
    expect(linked.json()).toMatchObject({ status: 'resolved', outcome: 'duplicate', duplicateOf: first.id });
    const original = (await api('GET', `/api/v1/cases/${first.id}`)).json() as {
      supporters: { partyId: string }[];
      duplicates: { id: string }[];
    };
    expect(original.supporters).toMatchObject([{ partyId }]);
    expect(original.duplicates.map((d) => d.id)).toEqual([second.id]);
  });

  it('keeps the duplicate search on the point index when Postgres plans it once for every service', async () => {
    // A generic plan assumes an average service. With most open requests in one service it once
    // ANDed in the (council, service) btree and read every pothole in the borough to find the handful
    // near one point. Planned here inside a transaction that is rolled back: 20,000 open potholes,
    // analysed, as a borough has them.
    const db = t.runtime.database.db;
    const query = nearbyOpenQuery(db, t.councilId, 'pothole', 531_000, 181_000, 50, null).compile();
    const service = await t.runtime.services.catalogue.get(t.councilId, 'pothole');
    const plan = await db.connection().execute(async (c) => {
      await sql`begin`.execute(c);
      try {
        await sql`insert into service_request (council_id, reference, service_id, service_code, service_name,
            service_version, status, priority, channel, sla_unit, sla_amount, easting, northing)
          select ${t.councilId}::uuid, 'PLAN-' || n, ${service.service.id}::uuid, 'pothole', 'Pothole', 1,
            'submitted', 'normal', 'web', 'working_days', 5, 525000 + (n * 37) % 10000, 175000 + (n * 53) % 10000
          from generate_series(1, 20000) as n`.execute(c);
        await sql`analyze service_request`.execute(c);
        await sql`set local plan_cache_mode = force_generic_plan`.execute(c);
        await sql.raw(`prepare nearby_probe as ${query.sql}`).execute(c);
        const values = sql.join(query.parameters.map((p) => sql.lit(p as string | number)));
        const { rows } = await sql<{
          'QUERY PLAN': string;
        }>`explain execute nearby_probe(${values})`.execute(c);
        await sql`deallocate nearby_probe`.execute(c);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await sql`rollback`.execute(c);
      }
    });
    expect(plan).toContain('service_request_nearby_point');
    expect(plan).not.toMatch(/service_request_service|BitmapAnd/);
  });

  it('splits work into a child task for another team', async () => {
    const parent = await create();
    const child = await api('POST', `/api/v1/cases/${parent.id}/children`, {
      serviceCode: 'street-light-fault',
      channel: 'phone',
      answers: { fault: 'damaged' },
    });
    expect(child.statusCode, child.body).toBe(201);
    const detail = (await api('GET', `/api/v1/cases/${parent.id}`)).json() as { children: { id: string }[] };
    expect(detail.children.map((c) => c.id)).toEqual([(child.json() as Created).id]);
    const selfLink = await api('POST', `/api/v1/cases/${parent.id}/links`, {
      kind: 'parent',
      otherId: (child.json() as Created).id,
    });
    expect(selfLink.statusCode).toBe(400);
  });

  it('keeps attachments with their SHA-256 and refuses the wrong type', async () => {
    const c = await create();
    const content = Buffer.from('%PDF-1.4 test');
    const added = await api('POST', `/api/v1/cases/${c.id}/attachments`, {
      filename: 'photo.pdf',
      contentType: 'application/pdf',
      contentBase64: content.toString('base64'),
    });
    expect(added.statusCode, added.body).toBe(201);
    expect((added.json() as { sha256: string }).sha256).toBe(
      (await import('node:crypto')).createHash('sha256').update(content).digest('hex'),
    );
    const refused = await api('POST', `/api/v1/cases/${c.id}/attachments`, {
      filename: 'run.exe',
      contentType: 'application/x-msdownload',
      contentBase64: 'TVo=',
    });
    expect(refused.statusCode).toBe(400);
  });

  it('lets agents raise and read requests but not work them', async () => {
    const c = await create();
    const read = await api('GET', `/api/v1/cases/${c.id}`, undefined, {}, agentToken);
    expect(read.statusCode).toBe(200);
    const work = await api(
      'POST',
      `/api/v1/cases/${c.id}/status`,
      { status: 'acknowledged' },
      {},
      agentToken,
    );
    expect(work.statusCode).toBe(403);
  });

  it('warns at 80% and marks the breach at 100% of the SLA, once each', async () => {
    const cases = t.runtime.services.cases;
    const context = systemAuditContext(t.councilId, 'test');
    const old = await cases.create(
      t.councilId,
      { ...POTHOLE, channel: 'phone', submittedAt: new Date(Date.now() - 90 * 86_400_000) },
      context,
    );
    const first = await cases.sweepSla();
    expect(first.breached).toBeGreaterThanOrEqual(1);
    const again = await cases.sweepSla();
    expect(again).toEqual({ warned: 0, breached: 0 });
    const types = (await events(old.body.id)).map((e) => e.eventType);
    expect(types).toEqual(['case.created', 'case.sla_warning', 'case.sla_breached']);
    const breached = (await api('GET', '/api/v1/cases?slaState=breached&pageSize=500')).json() as {
      results: { id: string }[];
    };
    expect(breached.results.map((r) => r.id)).toContain(old.body.id);
  });

  it('gives notifications the requester’s contact points, language and tracking link', async () => {
    const c = await create({ ...POTHOLE, partyId });
    const added = await api('POST', `/api/v1/cases/${c.id}/updates`, {
      body: 'We will inspect it this week',
      public: true,
    });
    const { id: updateId } = added.json() as { id: string };
    await api('POST', `/api/v1/cases/${c.id}/updates`, { body: 'A later update', public: true });
    const note = await api('POST', `/api/v1/cases/${c.id}/updates`, { body: 'Internal', public: false });
    const notificationDetails = t.runtime.services.cases.notificationDetails;
    const details = await notificationDetails(t.councilId, c.id, { updateId });
    expect(details).toMatchObject({
      caseId: c.id,
      reference: c.reference,
      serviceName: 'Report a pothole',
      statusLabel: 'Submitted',
      outcomeLabel: null,
      partyId,
      email: 'nia.pritchard@example.com',
      phone: expect.stringContaining('7911'),
      trackPath: `/track/${c.reference}`,
      // The event's own update, not the latest one.
      update: 'We will inspect it this week',
      language: 'cy',
    });
    expect(details?.expectedAt).toBeInstanceOf(Date);
    // An internal note is never the text of a message.
    const internal = await notificationDetails(t.councilId, c.id, {
      updateId: (note.json() as { id: string }).id,
    });
    expect(internal?.update).toBeNull();
    // A status change tells of the status and outcome it recorded, whatever the request's status is now.
    expect(
      await notificationDetails(t.councilId, c.id, { status: 'resolved', outcome: 'fixed' }),
    ).toMatchObject({
      statusLabel: 'Resolved',
      outcomeLabel: 'Fixed',
      expectedAt: null,
      update: null,
    });
    expect(
      await t.runtime.services.cases.notificationDetails(t.councilId, '00000000-0000-0000-0000-000000000000'),
    ).toBeNull();
  });

  it('matches an outside requester to a known party by email, or keeps them anonymous', async () => {
    const matched = await create({
      ...POTHOLE,
      channel: 'open311',
      requester: { email: 'NIA.PRITCHARD@example.com', firstName: 'Nia', lastName: 'Pritchard' },
    });
    const m = (await api('GET', `/api/v1/cases/${matched.id}`)).json() as { requesterPartyId: string };
    expect(m.requesterPartyId).toBe(partyId);
    const anon = await create({
      ...POTHOLE,
      channel: 'open311',
      anonymous: true,
      requester: { email: 'someone@example.com' },
    });
    const a = await t.runtime.services.cases.notificationDetails(t.councilId, anon.id);
    expect(a).toMatchObject({ partyId: null, email: 'someone@example.com' });
  });
});
