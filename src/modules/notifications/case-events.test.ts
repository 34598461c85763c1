import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import { jobDefinitions } from '../../services.ts';

const POTHOLE = {
  serviceCode: 'pothole',
  channel: 'phone',
  description: 'Deep hole by the bus stop',
  location: { lat: 51.5072, long: -0.1276 },
  answers: { where_on_road: 'carriageway', depth: 'medium', damage_claim: false },
};

/** Messages to residents about their requests, made by the real cases module and the real job handlers. */
describe.each(testDatabaseKinds())('case notifications (%s)', (kind) => {
  let t: TestApp;
  let token: string;
  let queue: JobQueue;
  let partyId: string;

  const api = async (url: string, payload: unknown, expected = 200) => {
    const response = await t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    expect(response.statusCode, response.body).toBe(expected);
    return response.json() as Record<string, unknown>;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, { PUBLIC_URL: 'https://council.example.gov.uk' });
    token = await createToken(t, 'integration');
    // The job queues must exist before jobs can be put on them; the jobs are worked below, by hand.
    queue = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: jobDefinitions(t.runtime.services, t.runtime.database),
      work: false,
    });
    const party = await api(
      '/api/v1/parties',
      { kind: 'person', givenName: 'Rhys', familyName: 'Bevan', email: 'rhys.bevan@example.com' },
      201,
    );
    partyId = String(party.id);
  });
  afterAll(async () => {
    await queue?.stop();
    await t?.close();
  });

  /**
   * Works the background jobs a worker would: domain events to their subscribers, then each queued
   * notification job through its real handler, until none is left. Answers the messages for a request.
   */
  async function workJobs(reference: string) {
    const { services, database } = t.runtime;
    const handlers = new Map(jobDefinitions(services, database).map((d) => [d.name, d.handler]));
    await services.events.dispatch();
    const done = new Set<string>();
    for (;;) {
      const { rows } = await sql<{ id: string; name: string; data: Record<string, unknown> }>`
        select id, name, data from pgboss.job where name like 'notifications.%' and state = 'created'
        order by created_on`.execute(database.db);
      const todo = rows.filter((r) => !done.has(r.id));
      if (todo.length === 0) break;
      for (const job of todo) {
        done.add(job.id);
        await handlers.get(job.name)?.(job.data);
      }
    }
    return services.notifications.list(t.councilId, { q: reference }, 20);
  }

  it('sends one message per event, each with its own status, outcome and update, however soon the next change comes', async () => {
    const created = await api('/api/v1/cases', { ...POTHOLE, partyId }, 201);
    const id = String(created.id);
    const reference = String(created.reference);
    // Four changes in a row, before any job runs.
    await api(`/api/v1/cases/${id}/updates`, { body: 'A crew will return tomorrow', public: true }, 201);
    await api(`/api/v1/cases/${id}/status`, { status: 'on_hold' });
    await api(
      `/api/v1/cases/${id}/updates`,
      { body: 'Checked the kerb: nothing to add', public: false },
      201,
    );
    await api(`/api/v1/cases/${id}/status`, {
      status: 'resolved',
      outcome: 'fixed',
      note: 'Your bin was collected this morning',
      notePublic: true,
    });

    const messages = await workJobs(reference);
    expect(messages.every((m) => m.status === 'sent' && m.recipient === 'rhys.bevan@example.com')).toBe(true);
    const subjects = messages.map((m) => m.subject).sort();
    // The message given with the resolution goes out with it: one notification, not two.
    expect(subjects).toEqual(
      [
        `An update on your request ${reference}`,
        `We have your request: Report a pothole (${reference})`,
        `Your request ${reference} is now: On hold`,
        `Your request ${reference} is now: Resolved`,
      ].sort(),
    );

    // Each update message carries its own update, and the internal note is never sent.
    const updates = messages.filter((m) => m.template === 'update_added').map((m) => m.body ?? '');
    expect(updates.filter((b) => b.includes('A crew will return tomorrow'))).toHaveLength(1);
    expect(updates.filter((b) => b.includes('Your bin was collected this morning'))).toHaveLength(0);
    expect(messages.some((m) => m.body?.includes('Checked the kerb'))).toBe(false);

    // Each status message says the status it was about, with its outcome when it has one.
    const onHold = messages.find((m) => m.subject?.endsWith('On hold'));
    expect(onHold?.body).toContain(`(reference ${reference}) is now: On hold.`);
    const resolved = messages.find((m) => m.subject?.endsWith('Resolved'));
    expect(resolved?.body).toContain(`(reference ${reference}) is now: Resolved – Fixed.`);
    expect(resolved?.body).not.toContain('We expect to deal with it by');
    expect(resolved?.body).toContain('\nYour bin was collected this morning\n');

    // Every message links to the request on the public site by its whole address.
    for (const m of messages)
      expect(m.body, m.subject ?? '').toContain(`\nhttps://council.example.gov.uk/track/${reference}\n`);

    // A job run again (a redelivery) sends nothing twice.
    expect((await workJobs(reference)).length).toBe(messages.length);
  });
});
