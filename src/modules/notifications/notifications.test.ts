import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type StaffSession, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { type FakeNotify, startFakeNotify } from '../../../test/support/fake-notify.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { dispatchDomainEvents, recordDomainEvent } from '../../platform/events/outbox.ts';
import { createJobSender, type JobQueue, startJobQueue } from '../../platform/jobs/jobs.ts';
import {
  type CaseNotificationDetails,
  createNotificationsService,
  createNotifyAdapter,
  createOutboxAdapter,
  type NotificationsService,
  notificationJobDefinitions,
  type RecipientPreferences,
} from './index.ts';

describe.each(testDatabaseKinds())('notifications (%s)', (kind) => {
  let t: TestApp;
  let notify: FakeNotify;
  let queue: JobQueue;
  let supervisor: StaffSession;
  let agent: StaffSession;
  const preferences = new Map<string, RecipientPreferences>();
  const cases = new Map<string, CaseNotificationDetails>();
  let service: NotificationsService;
  let viaNotify: NotificationsService;

  const partyId = '0190a5b0-0000-7000-8000-0000000000b1';
  const councilName = async () => 'Demo Borough Council';

  beforeAll(async () => {
    t = await createTestApp(kind);
    notify = await startFakeNotify();
    const db = t.runtime.database.db;
    const deps = {
      jobs: createJobSender(),
      caseLookup: async (_councilId: string, caseId: string) => cases.get(caseId) ?? null,
      recipients: async (_councilId: string, id: string) => preferences.get(id) ?? null,
      councilName,
      publicUrl: 'https://council.example.gov.uk',
    };
    service = createNotificationsService(db, { ...deps, adapter: createOutboxAdapter(db) });
    viaNotify = createNotificationsService(db, {
      ...deps,
      adapter: createNotifyAdapter({
        apiKey: notify.apiKey,
        baseUrl: notify.url,
        emailTemplateId: 'f33517ff-2a88-4f6e-b855-c550268ce08a',
        smsTemplateId: 'a4e1b2c3-d4e5-4f60-8a7b-8c9d0e1f2a3b',
      }),
    });
    // The queues must exist before jobs can be put on them; nothing works them in this process.
    queue = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: notificationJobDefinitions(service),
      work: false,
    });
    supervisor = await signInAs(t.app, 'supervisor');
    agent = await signInAs(t.app, 'agent');
  });
  afterAll(async () => {
    await queue?.stop();
    await notify?.close();
    await t?.close();
  });

  const queuedJobs = async (messageId: string) =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pgboss.job
        where name = 'notifications.deliver' and data->>'messageId' = ${messageId}`.execute(
        t.runtime.database.db,
      )
    ).rows[0]?.n;

  const sendOne = (
    s: NotificationsService,
    overrides: Partial<Parameters<NotificationsService['send']>[1]> = {},
  ) =>
    inTransaction(t.runtime.database.db, (tx) =>
      s.send(tx, {
        councilId: t.councilId,
        template: 'request_received',
        channel: 'email',
        to: 'Resident@Example.com',
        reference: 'GH-TEST-0001',
        personalisation: {
          reference: 'GH-TEST-0001',
          serviceName: 'Report a missed bin',
          trackUrl: 'https://demo.example/track/1',
          expectedAt: '2026-12-03T17:00:00.000Z',
        },
        ...overrides,
      }),
    );

  it('queues a message with a delivery job in the caller transaction, and only if it commits', async () => {
    const id = await sendOne(service);
    expect(id).toEqual(expect.any(String));
    expect(await queuedJobs(id ?? '')).toBe(1);
    let rolledBack: string | null = null;
    await expect(
      inTransaction(t.runtime.database.db, async (tx) => {
        rolledBack = await service.send(tx, {
          councilId: t.councilId,
          template: 'request_received',
          channel: 'email',
          to: 'other@example.com',
          personalisation: {},
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(rolledBack).toEqual(expect.any(String));
    expect(await service.list(t.councilId, { q: 'other@example.com' }, 10)).toEqual([]);
    expect(await queuedJobs(rolledBack ?? '')).toBe(0);
  });

  it('refuses an address that is not one, naming the field', async () => {
    await expect(sendOne(service, { to: 'not an address' })).rejects.toMatchObject({
      fieldErrors: [{ field: 'to', message: expect.stringMatching(/email address in the correct format/) }],
    });
    await expect(sendOne(service, { channel: 'sms', to: '12' })).rejects.toMatchObject({
      fieldErrors: [{ field: 'to' }],
    });
  });

  it('delivers through the outbox: renders, stores the message for staff and records the attempt', async () => {
    const id = (await sendOne(service, { reference: 'GH-OUTBOX-1' })) ?? '';
    expect(await service.deliver(id)).toBe('sent');
    const [message] = await service.list(t.councilId, { q: 'GH-OUTBOX-1' }, 10);
    expect(message).toMatchObject({
      status: 'sent',
      recipient: 'resident@example.com',
      adapter: 'outbox',
      attempts: 1,
      subject: 'We have your request: Report a missed bin (GH-TEST-0001)',
    });
    expect(message?.body).toContain('Demo Borough Council');
    const outbox = (await service.outbox(t.councilId)).filter((o) => o.messageId === id);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.body).toBe(message?.body);
    // Delivering again (a redelivered job) sends nothing twice.
    expect(await service.deliver(id)).toBe('sent');
    expect((await service.outbox(t.councilId)).filter((o) => o.messageId === id)).toHaveLength(1);
  });

  it('does not send to an address the person opted out of, and records why', async () => {
    preferences.set(partyId, {
      language: 'en',
      preferredChannel: 'email',
      contactPoints: [
        { kind: 'email', value: 'optout@example.com', doNotContact: true },
        { kind: 'phone', value: '+447911123456', doNotContact: false },
      ],
    });
    const id = (await sendOne(service, { to: 'OptOut@example.com', partyId, reference: 'GH-OPTOUT' })) ?? '';
    expect(await service.deliver(id)).toBe('opted_out');
    const [message] = await service.list(t.councilId, { q: 'GH-OPTOUT' }, 10);
    expect(message).toMatchObject({ status: 'opted_out', statusDetail: 'Not sent: opted out', sentAt: null });
    expect((await service.outbox(t.councilId)).filter((o) => o.messageId === id)).toHaveLength(0);
    // The same person can still get a text message on a number they have not opted out of.
    const text = (await sendOne(service, { channel: 'sms', to: '07911 123456', partyId })) ?? '';
    expect(await service.deliver(text)).toBe('sent');
  });

  it('records a permanent Notify failure and does not retry it', async () => {
    notify.respondWith({
      status: 400,
      errors: [
        { error: 'BadRequestError', message: "Can't send to this recipient using a team-only API key" },
      ],
    });
    const id = (await sendOne(viaNotify, { reference: 'GH-NOTIFY-400' })) ?? '';
    expect(await viaNotify.deliver(id)).toBe('failed');
    const [message] = await viaNotify.list(t.councilId, { q: 'GH-NOTIFY-400' }, 10);
    expect(message).toMatchObject({ status: 'failed', adapter: 'notify', attempts: 1 });
    expect(message?.statusDetail).toMatch(/400: BadRequestError: Can't send to this recipient/);
  });

  it('retries a temporary Notify failure (the job fails so the queue retries), then sends', async () => {
    notify.respondWith({ status: 500, errors: [{ error: 'Exception', message: 'Internal server error' }] });
    const id = (await sendOne(viaNotify, { reference: 'GH-NOTIFY-500' })) ?? '';
    await expect(viaNotify.deliver(id)).rejects.toThrow(/GOV.UK Notify answered 500/);
    expect((await viaNotify.list(t.councilId, { q: 'GH-NOTIFY-500' }, 10))[0]?.status).toBe('retrying');
    expect(await viaNotify.deliver(id)).toBe('sent');
    const sent = notify.requests.filter((r) => r.body.reference === id);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.body.email_address).toBe('resident@example.com');
    const { attempts } = await viaNotify.message(t.councilId, id, {
      councilId: t.councilId,
      actorType: 'system',
      actorId: null,
      actorLabel: 'test',
      correlationId: null,
      ip: null,
    });
    expect(attempts.map((a) => a.outcome)).toEqual(['temporary_failure', 'sent']);
  });

  it('turns a recorded case event into a message in the outbox through the real queue', async () => {
    const caseId = '0190a5b0-0000-7000-8000-00000000c001';
    cases.set(caseId, {
      caseId,
      reference: 'GH-2026-CASE1',
      serviceName: 'Report a missed bin',
      statusLabel: 'In progress',
      outcomeLabel: null,
      expectedAt: new Date('2026-12-03T17:00:00Z'),
      partyId: null,
      email: 'caller@example.com',
      phone: null,
      trackPath: '/track/GH-2026-CASE1',
      update: 'The crew will return tomorrow',
      language: 'cy',
    });
    const db = t.runtime.database.db;
    const context = { councilId: t.councilId, correlationId: 'test' };
    await inTransaction(db, async (tx) => {
      await recordDomainEvent(tx, context, {
        aggregateType: 'case',
        aggregateId: caseId,
        eventType: 'case.created',
      });
      await recordDomainEvent(tx, context, {
        aggregateType: 'case',
        aggregateId: caseId,
        eventType: 'case.update_added',
        payload: { updateId: 'u1', public: false },
      });
      await recordDomainEvent(tx, context, {
        aggregateType: 'case',
        aggregateId: caseId,
        eventType: 'case.update_added',
        payload: { updateId: 'u2', public: true },
      });
    });
    const worker = await startJobQueue({
      pool: t.runtime.database.pool,
      definitions: [
        {
          name: 'events.dispatch',
          everySeconds: 1,
          handler: async () => {
            await dispatchDomainEvents(db, [service.handleDomainEvent]);
          },
        },
        ...notificationJobDefinitions(service),
      ],
      work: true,
      // Earlier tests leave delivery jobs queued; one job per look, so look often.
      pollingIntervalSeconds: 0.5,
    });
    try {
      let found: Awaited<ReturnType<NotificationsService['list']>> = [];
      for (let i = 0; i < 120 && found.filter((m) => m.status === 'sent').length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        found = await service.list(t.councilId, { q: 'GH-2026-CASE1' }, 10);
      }
      // The private update is not sent; the public one and the receipt are, in Welsh.
      expect(found.map((m) => [m.template, m.status, m.language]).sort()).toEqual([
        ['request_received', 'sent', 'cy'],
        ['update_added', 'sent', 'cy'],
      ]);
      const update = found.find((m) => m.template === 'update_added');
      expect(update?.body).toContain('The crew will return tomorrow');
      expect(update?.body).toContain('\nhttps://council.example.gov.uk/track/GH-2026-CASE1\n');
      expect(update?.recipient).toBe('caller@example.com');
      const outbox = await service.outbox(t.councilId);
      expect(outbox.filter((o) => found.some((m) => m.id === o.messageId))).toHaveLength(2);
    } finally {
      await worker.stop();
    }
  });

  it('shows sent messages to supervisors, with search and a CSV download, and not to agents', async () => {
    const page = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications?q=GH-OUTBOX-1',
      headers: { cookie: supervisor.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Sent messages');
    expect(page.body).toContain('resident@example.com');
    expect(page.body).toContain('GH-OUTBOX-1');
    expect(page.body).not.toContain('GH-OPTOUT');
    const id = /href="\/staff\/notifications\/([0-9a-f-]{36})"/.exec(page.body)?.[1];
    const detail = await t.app.inject({
      method: 'GET',
      url: `/staff/notifications/${id}`,
      headers: { cookie: supervisor.cookie },
    });
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('We have your request: Report a missed bin (GH-TEST-0001)');
    // The outbox sends nothing: its messages read as kept there, in the list, on the page and in the
    // CSV; a message a real provider took reads as sent.
    const tags = (html: string) =>
      [...html.matchAll(/<strong class="govuk-tag[^"]*">([^<]*)<\/strong>/g)].map((m) => m[1]);
    expect(tags(page.body)).toEqual(['Kept in outbox (not sent)']);
    expect(tags(detail.body)).toEqual(['Kept in outbox (not sent)']);
    expect(detail.body).toContain('kept in outbox');
    const viaProvider = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications?q=GH-NOTIFY-500',
      headers: { cookie: supervisor.cookie },
    });
    expect(tags(viaProvider.body)).toEqual(['Sent']);
    const statusOf = async (query: string) => {
      const download = await t.app.inject({
        method: 'GET',
        url: `/staff/notifications.csv?${query}`,
        headers: { cookie: supervisor.cookie },
      });
      return download.body
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[8]);
    };
    expect(await statusOf('q=GH-OUTBOX-1')).toEqual(['kept_in_outbox']);
    expect(await statusOf('q=GH-NOTIFY-500')).toEqual(['sent']);
    // Searching by status tells the two apart.
    expect(await statusOf('q=GH-&status=sent')).toEqual(['sent']);
    expect(await statusOf('q=GH-OUTBOX-1&status=kept_in_outbox')).toEqual(['kept_in_outbox']);
    expect(await statusOf('q=GH-NOTIFY-500&status=kept_in_outbox')).toEqual([]);
    const none = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications?q=nobody-at-all',
      headers: { cookie: supervisor.cookie },
    });
    expect(none.body).toContain('No messages match this search');
    const csv = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications.csv?status=opted_out',
      headers: { cookie: supervisor.cookie },
    });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toMatch(/^id,created_at,sent_at,template,channel,language,recipient,reference,status/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('optout@example.com');
    const missing = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications/0190a5b0-0000-7000-8000-000000000000',
      headers: { cookie: supervisor.cookie },
    });
    expect(missing.statusCode).toBe(404);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/staff/notifications',
      headers: { cookie: agent.cookie },
    });
    expect(refused.statusCode).toBe(403);
  });
});
