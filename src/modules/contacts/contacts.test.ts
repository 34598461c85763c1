import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, csrfFrom, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import type { Principal } from '../../platform/auth/principal.ts';
import { partyTimeline, type TimelineSource } from '../../platform/timeline/timeline.ts';

describe.each(testDatabaseKinds())('contacts on %s', (kind) => {
  let t: TestApp;
  let agentToken: string;
  let auditorToken: string;
  let partyId: string;
  let otherPartyId: string;

  const api = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown, headers = {}) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  const newParty = async (givenNames: string, familyName: string) => {
    const res = await api('POST', '/api/v1/parties', agentToken, { kind: 'person', givenNames, familyName });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    agentToken = await createToken(t, 'agent');
    auditorToken = await createToken(t, 'auditor');
    partyId = await newParty('Ada', 'Contactable');
    otherPartyId = await newParty('Bea', 'Elsewhere');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('records a contact and reads it back, with its event and audit entry', async () => {
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      partyId,
      channel: 'phone',
      direction: 'inbound',
      outcome: 'resolved',
      interactionType: 'enquiry',
      caseIds: [],
      notes: 'Asked about bin collection day',
      startedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      partyId,
      channel: 'phone',
      direction: 'inbound',
      outcome: 'resolved',
      interactionType: 'enquiry',
      avoidable: false,
      caseIds: [],
    });
    expect(body.durationSeconds).toBeGreaterThanOrEqual(299);
    expect(res.headers.location).toBe(`/api/v1/contacts/${body.id}`);

    const read = await api('GET', `/api/v1/contacts/${body.id}`, auditorToken);
    expect(read.statusCode).toBe(200);
    expect(read.json().notes).toBe('Asked about bin collection day');

    const db = t.runtime.database.db;
    const { sql } = await import('kysely');
    const events = await sql<{ event_type: string; payload: Record<string, unknown> }>`
      select event_type, payload from domain_event where aggregate_id = ${body.id}`.execute(db);
    expect(events.rows.map((e) => e.event_type)).toEqual(['contact.recorded']);
    expect(events.rows[0]?.payload).not.toHaveProperty('notes');
    const audit = await sql<{ action: string }>`
      select action from audit_event where subject_id = ${body.id}`.execute(db);
    expect(audit.rows.map((a) => a.action)).toEqual(['contact.recorded']);
  });

  /** A request that exists (the demo seed makes some), for linking contacts to. */
  const existingCaseId = async () => {
    const [first] = (await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).items;
    if (!first) throw new Error('the demo seed made no requests');
    return first.id;
  };

  it('records anonymous contacts and links requests by id', async () => {
    const caseId = await existingCaseId();
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'face_to_face',
      direction: 'inbound',
      outcome: 'request_raised',
      caseIds: [caseId.toUpperCase()],
      notes: '',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ partyId: null, caseIds: [caseId] });
  });

  it('names each bad field in problem+json', async () => {
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      partyId: '0193c3a0-0000-7000-8000-00000000dead',
      channel: 'pigeon',
      direction: 'sideways',
      outcome: 'resolved',
      caseIds: [await existingCaseId(), 'CASE-1', '0193c3a0-0000-7000-8000-000000000001'],
      avoidable: true,
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['partyId', 'channel', 'direction', 'caseIds[1]', 'avoidableReason']),
    );
    // A real request is accepted; one that does not exist is named, like a malformed id.
    expect(fields).not.toContain('caseIds[0]');
    expect(fields).toContain('caseIds[2]');

    const future = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'phone',
      outcome: 'resolved',
      startedAt: new Date(Date.now() + 3_600_000).toISOString(),
      endedAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    expect(future.json().errors.map((e: { field: string }) => e.field)).toContain('startedAt');
  });

  it('checks linked request ids through the injected function, naming caseIds[n]', async () => {
    const { createContactsService } = await import('./index.ts');
    const known = '0193c3a0-0000-7000-8000-00000000aaaa';
    const service = createContactsService(t.runtime.database.db, {
      parties: t.runtime.services.parties,
      sites: t.runtime.services.governance,
      findRequests: async (_council, ids) =>
        ids.filter((id) => id === known).map((id) => ({ id, reference: 'GH-TEST-0000' })),
    });
    const principal = await principalFor('agent');
    const { systemAuditContext } = await import('../../platform/audit/audit.ts');
    await expect(
      service.record(
        principal,
        {
          channel: 'phone',
          outcome: 'resolved',
          caseIds: [known, '0193c3a0-0000-7000-8000-00000000bbbb'],
        },
        systemAuditContext(t.councilId),
      ),
    ).rejects.toMatchObject({ fieldErrors: [{ field: 'caseIds[1]' }] });
  });

  it('honours Idempotency-Key: a retry returns the first contact, a different body is refused', async () => {
    const body = { partyId, channel: 'email', direction: 'inbound', outcome: 'signposted', notes: 'x' };
    const key = { 'idempotency-key': `k-${kind}-${Date.now()}` };
    const first = await api('POST', '/api/v1/contacts', agentToken, body, key);
    const again = await api('POST', '/api/v1/contacts', agentToken, body, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const different = await api('POST', '/api/v1/contacts', agentToken, { ...body, notes: 'y' }, key);
    expect(different.statusCode).toBe(422);
    expect(different.json().errors[0].field).toBe('Idempotency-Key');
    const list = await api('GET', `/api/v1/contacts?partyId=${partyId}`, agentToken);
    expect(list.json().results.filter((c: { outcome: string }) => c.outcome === 'signposted')).toHaveLength(
      1,
    );
  });

  it('lists by party, agent and time', async () => {
    const list = await api('GET', `/api/v1/contacts?partyId=${partyId}&from=2000-01-01`, auditorToken);
    expect(list.statusCode).toBe(200);
    expect(list.json().results.length).toBeGreaterThanOrEqual(2);
    expect(list.json().results.every((c: { partyId: string }) => c.partyId === partyId)).toBe(true);
    const none = await api('GET', `/api/v1/contacts?partyId=${partyId}&to=2000-01-01`, auditorToken);
    expect(none.json().results).toEqual([]);
    const bad = await api('GET', '/api/v1/contacts?agent=nobody', auditorToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('agent');
  });

  it('lets auditors read but not record', async () => {
    const res = await api('POST', '/api/v1/contacts', auditorToken, {
      channel: 'phone',
      outcome: 'resolved',
    });
    expect(res.statusCode).toBe(403);
  });

  it('serves the party timeline newest first, paged with before and limit', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await api('POST', '/api/v1/contacts', agentToken, {
        partyId: otherPartyId,
        channel: 'phone',
        outcome: 'resolved',
        startedAt: new Date(Date.now() - (i + 1) * 86_400_000).toISOString(),
        endedAt: new Date(Date.now() - (i + 1) * 86_400_000 + 60_000).toISOString(),
      });
      expect(res.statusCode).toBe(201);
    }
    const page1 = await api('GET', `/api/v1/parties/${otherPartyId}/timeline?limit=3`, auditorToken);
    expect(page1.statusCode).toBe(200);
    const p1 = page1.json();
    expect(p1.items).toHaveLength(3);
    expect(p1.items.every((i: { kind: string }) => i.kind === 'contact')).toBe(true);
    const times = p1.items.map((i: { at: string }) => Date.parse(i.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const page2 = await api(
      'GET',
      `/api/v1/parties/${otherPartyId}/timeline?limit=3&before=${encodeURIComponent(p1.nextBefore)}`,
      auditorToken,
    );
    expect(page2.json().items).toHaveLength(2);
    expect(page2.json().nextBefore).toBeNull();
    const unknown = await api(
      'GET',
      '/api/v1/parties/0193c3a0-0000-7000-8000-00000000dead/timeline',
      auditorToken,
    );
    expect(unknown.statusCode).toBe(404);
  });

  it('keeps old contacts in the default partition until their month is created, then moves them', async () => {
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      partyId,
      channel: 'letter',
      outcome: 'resolved',
      startedAt: '2015-03-10T10:00:00Z',
      endedAt: '2015-03-10T10:05:00Z',
    });
    expect(res.statusCode).toBe(201);
    const { sql } = await import('kysely');
    const db = t.runtime.database.db;
    const where = async () =>
      (
        await sql<{ table: string }>`select tableoid::regclass::text as table from contact
          where id = ${res.json().id}`.execute(db)
      ).rows[0]?.table;
    expect(await where()).toBe('contact_default');
    await sql`select contact_ensure_month('2015-03-01'::date)`.execute(db);
    expect(await where()).toBe('contact_2015_03');
    const read = await api('GET', `/api/v1/contacts/${res.json().id}`, agentToken);
    expect(read.json().channel).toBe('letter');
    const names = await t.runtime.services.contacts.ensurePartitions(1);
    expect(names).toHaveLength(2);
  });

  it('interleaves contacts with another module’s source', async () => {
    const principal = await principalFor('agent');
    const day = 86_400_000;
    const requests: TimelineSource = {
      id: 'test-requests',
      permission: 'parties.read',
      async itemsForParty(_councilId, forParty, query) {
        if (forParty !== otherPartyId) return [];
        return [1.5, 3.5, 10]
          .map((d, i) => ({
            kind: 'case',
            id: `case-${i}`,
            at: new Date(Date.now() - d * day),
            title: `Request ${i}`,
            summary: '',
            href: `/staff/cases/case-${i}`,
          }))
          .filter((item) => !query.before || item.at < query.before)
          .slice(0, query.limit);
      },
    };
    const sources = [t.runtime.services.contacts.timelineSource(), requests];
    const items = await partyTimeline(sources, principal, otherPartyId, { limit: 6 });
    expect(items.map((i) => i.kind)).toEqual(['contact', 'case', 'contact', 'contact', 'case', 'contact']);
    const older = await partyTimeline(sources, principal, otherPartyId, { limit: 10, before: items[5]?.at });
    expect(older.map((i) => i.kind)).toEqual(['contact', 'case']);
  });

  it('records a contact through the pages in three screens, and shows it today and on the party page', async () => {
    const session = await signInAs(t.app, 'agent');
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
    const post = (url: string, form: Record<string, string | string[]>) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) params.append(k, value);
      return t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: params.toString(),
      });
    };

    const party = await get(`/staff/parties/${partyId}`);
    expect(party.body).toContain('Contact history');
    expect(party.body).toContain(`/staff/contacts/new?partyId=${partyId}`);

    const start = await get(`/staff/contacts/new?partyId=${partyId}`);
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain('Ada Contactable');
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(start.body)?.[1] ?? '';
    const carried = {
      _csrf: csrfFrom(start.body),
      partyId,
      openedAt: hidden('openedAt'),
      formId: hidden('formId'),
    };

    const missing = await post('/staff/contacts/new', { ...carried, channel: '', direction: 'inbound' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select how the customer made contact');

    const wrapUp = await post('/staff/contacts/new', {
      ...carried,
      channel: 'phone',
      direction: 'inbound',
      interactionType: 'report',
      serviceCodes: ['', ''],
    });
    expect(wrapUp.statusCode).toBe(200);
    expect(wrapUp.body).toContain('Wrap up the contact');

    const screen2 = {
      ...carried,
      channel: 'phone',
      direction: 'inbound',
      interactionType: 'report',
      outcome: 'callback_booked',
      avoidable: 'yes',
      avoidableReason: '',
      notes: 'Will call back tomorrow',
      caseIds: '',
      startTime: '',
      endTime: '',
    };
    const noReason = await post('/staff/contacts', screen2);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Select why the contact was avoidable');

    const saved = await post('/staff/contacts', { ...screen2, avoidableReason: 'chasing_progress' });
    expect(saved.statusCode).toBe(303);
    const location = saved.headers.location as string;
    expect(location).toMatch(/^\/staff\/contacts\/[0-9a-f-]{36}\?recorded=1$/);
    // A double submission records one contact.
    const twice = await post('/staff/contacts', { ...screen2, avoidableReason: 'chasing_progress' });
    expect(twice.headers.location).toBe(location);

    const confirmation = await get(location);
    expect(confirmation.body).toContain('Contact recorded');
    expect(confirmation.body).toContain('Callback booked');

    const exports = () =>
      t.runtime.services.governance.listAudit(t.councilId, { action: 'contact.exported' }, 10);
    const exportsBefore = (await exports()).length;
    const today = await get('/staff/contacts/today');
    expect(today.statusCode).toBe(200);
    expect(today.body).toContain('Ada Contactable');
    expect(today.body).toContain('Callback booked');
    // Looking at the page is not an export.
    expect(await exports()).toHaveLength(exportsBefore);
    const csv = await get('/staff/contacts/today?format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toContain('Outcome');
    expect(csv.body).toContain('Will call back tomorrow');
    // The download (names and call notes leaving the system) is audited: who, which day, how many rows.
    const ukToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    expect(csv.headers['content-disposition']).toContain(`my-contacts-${ukToday}.csv`);
    const exported = await exports();
    expect(exported).toHaveLength(exportsBefore + 1);
    expect(exported[0]).toMatchObject({
      actorType: 'staff',
      details: { date: ukToday, count: csv.body.trim().split('\r\n').length - 1 },
    });

    const after = await get(`/staff/parties/${partyId}`);
    expect(after.body).toContain(location.split('?')[0]);
    const timeline = await get(`/staff/parties/${partyId}/timeline`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.body).toContain(location.split('?')[0]);
  });

  /** A signed-in agent's browser: GET and a form POST with the session cookie. */
  const browser = async (role: 'agent' | 'admin' = 'agent') => {
    const session = await signInAs(t.app, role);
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
    const post = (url: string, form: Record<string, string | string[]>) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const value of [v].flat()) params.append(k, value);
      return t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: params.toString(),
      });
    };
    return { get, post };
  };
  const hiddenIn = (html: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';
  /** How a caller reads a reference out and an agent types it: lower case, no dashes. */
  const asTyped = (reference: string) => reference.toLowerCase().replaceAll('-', '');
  const existingCase = async () => {
    const [first] = (await t.runtime.services.cases.list(t.councilId, { pageSize: 1 })).items;
    if (!first) throw new Error('the demo seed made no requests');
    return first;
  };
  /** A published service people can request (not an information entry), as the form suggests it. */
  const requestableService = async () => {
    const { results } = await t.runtime.services.catalogue.list(t.councilId, {
      status: 'published',
      informationOnly: false,
      limit: 1,
    });
    if (!results[0]) throw new Error('the demo seed has no requestable services');
    return results[0];
  };

  it('links requests by the reference the caller reads out, through the API, naming a bad item', async () => {
    const request = await existingCase();
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'phone',
      outcome: 'resolved',
      caseIds: [asTyped(request.reference)],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      caseIds: [request.id],
      requests: [{ id: request.id, reference: request.reference }],
    });
    const read = await api('GET', `/api/v1/contacts/${res.json().id}`, auditorToken);
    expect(read.json().requests).toEqual([{ id: request.id, reference: request.reference }]);

    const { generateReference } = await import('../cases/index.ts');
    const unknown = generateReference();
    const bad = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'phone',
      outcome: 'resolved',
      caseIds: [request.id, 'GH-NOT-A-REF', unknown, request.reference],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors).toEqual([
      { field: 'caseIds[1]', message: expect.stringContaining('GH-NOT-A-REF is not a request reference') },
      { field: 'caseIds[2]', message: `There is no request ${unknown}` },
    ]);
  });

  it('takes request references on the wrap-up and shows them, linked, on the contact', async () => {
    const request = await existingCase();
    const { get, post } = await browser();
    const start = await get('/staff/contacts/new');
    const carried = {
      _csrf: csrfFrom(start.body),
      partyId: '',
      openedAt: hiddenIn(start.body, 'openedAt'),
      formId: hiddenIn(start.body, 'formId'),
    };
    const wrapUp = await post('/staff/contacts/new', { ...carried, channel: 'phone', direction: 'inbound' });
    expect(wrapUp.statusCode).toBe(200);
    expect(wrapUp.body).toContain('References of requests');
    expect(wrapUp.body).not.toContain('Ids of requests');
    const form = {
      ...carried,
      channel: 'phone',
      direction: 'inbound',
      outcome: 'resolved',
      avoidable: 'no',
      notes: '',
      startTime: '',
      endTime: '',
    };
    const wrong = await post('/staff/contacts', { ...form, caseIds: `${request.reference} GH-1234` });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('GH-1234 is not a request reference');
    expect(wrong.body).toContain('href="#caseIds"');

    const saved = await post('/staff/contacts', { ...form, caseIds: asTyped(request.reference) });
    expect(saved.statusCode).toBe(303);
    const contact = await get(saved.headers.location as string);
    const linked = /data-test="linked-requests">(.*?)<\/ul>/s.exec(contact.body)?.[1] ?? '';
    expect(linked).toContain(
      `<a class="govuk-link" href="/staff/cases/${request.id}">${request.reference}</a>`,
    );
    expect(linked).not.toContain(`>${request.id}<`);
    const csv = await get('/staff/contacts/today?format=csv');
    expect(csv.body).toContain(request.reference);
  });

  it('offers "Record this contact" after raising a request, with the caller and the request filled in', async () => {
    // A request the demo seed raised for a known caller.
    const raised = (await t.runtime.services.cases.list(t.councilId, { pageSize: 50 })).items.find(
      (c) => c.requesterPartyId,
    );
    if (!raised?.requesterPartyId) throw new Error('the demo seed made no requests for known callers');
    const caseId = raised.id;
    const callerId = raised.requesterPartyId;
    const callerName = (await t.runtime.services.parties.getParty(t.councilId, callerId)).displayName;
    const { get, post } = await browser();
    const confirmation = await get(`/staff/requests/${caseId}/confirmation`);
    expect(confirmation.statusCode).toBe(200);
    const href = /href="([^"]+)" data-test="record-contact">Record this contact</.exec(
      confirmation.body,
    )?.[1];
    expect(href?.replaceAll('&amp;', '&')).toBe(`/staff/contacts/new?partyId=${callerId}&caseId=${caseId}`);

    const start = await get((href ?? '').replaceAll('&amp;', '&'));
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain(callerName.replaceAll("'", '&#39;'));
    expect(hiddenIn(start.body, 'partyId')).toBe(callerId);
    const view = await t.runtime.services.cases.get(t.councilId, caseId);
    expect(hiddenIn(start.body, 'caseIds')).toBe(view.record.reference);
    const wrapUp = await post('/staff/contacts/new', {
      _csrf: csrfFrom(start.body),
      partyId: hiddenIn(start.body, 'partyId'),
      openedAt: hiddenIn(start.body, 'openedAt'),
      formId: hiddenIn(start.body, 'formId'),
      caseIds: hiddenIn(start.body, 'caseIds'),
      channel: 'phone',
      direction: 'inbound',
    });
    expect(wrapUp.statusCode).toBe(200);
    expect(/id="caseIds" name="caseIds" type="text"[^>]*value="([^"]*)"/.exec(wrapUp.body)?.[1]).toBe(
      view.record.reference,
    );

    // An administrator may raise requests but not record contacts: no link they cannot follow.
    const admin = await browser('admin');
    const adminView = await admin.get(`/staff/requests/${caseId}/confirmation`);
    expect(adminView.statusCode).toBe(200);
    expect(adminView.body).not.toContain('Record this contact');
  });

  it('lets agents choose services discussed by name, suggests only requestable ones, and shows names', async () => {
    const service = await requestableService();
    const { get, post } = await browser();
    const start = await get(`/staff/contacts/new?partyId=${partyId}`);
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain(`<option value="${service.name}">`);
    // The ~1,500 national information entries are not suggested, so the page stays small.
    const options = start.body.match(/<option value=/g) ?? [];
    const requestable = await t.runtime.services.catalogue.list(t.councilId, {
      status: 'published',
      informationOnly: false,
      limit: 2000,
    });
    expect(options.length).toBeLessThanOrEqual(requestable.results.length + 40);
    expect(start.body.length).toBeLessThan(60_000);

    const carried = {
      _csrf: csrfFrom(start.body),
      partyId,
      openedAt: hiddenIn(start.body, 'openedAt'),
      formId: hiddenIn(start.body, 'formId'),
      channel: 'phone',
      direction: 'inbound',
    };
    const unknown = await post('/staff/contacts/new', { ...carried, serviceCodes: ['Report a unicorn'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('There is no service called Report a unicorn');

    const wrapUp = await post('/staff/contacts/new', {
      ...carried,
      serviceCodes: [service.name.toUpperCase(), '', service.code],
    });
    expect(wrapUp.statusCode).toBe(200);
    const shown = /data-test="contact-so-far">(.*?)<\/dl>/s.exec(wrapUp.body)?.[1] ?? '';
    expect(shown).toContain(service.name);
    expect(shown).not.toContain(service.code);
    // Named twice (by name and by code), it is one service, carried by its code.
    expect(wrapUp.body.match(/name="serviceCodes" value="([^"]*)"/g)).toEqual([
      `name="serviceCodes" value="${service.code}"`,
    ]);
    const saved = await post('/staff/contacts', {
      ...carried,
      serviceCodes: service.code,
      outcome: 'resolved',
      avoidable: 'no',
      notes: '',
      caseIds: '',
      startTime: '',
      endTime: '',
    });
    expect(saved.statusCode).toBe(303);
    const contact = await get(saved.headers.location as string);
    expect(contact.body).toContain(`href="/staff/services/${service.code}">${service.name}</a>`);
    const timeline = await get(`/staff/parties/${partyId}/timeline`);
    expect(timeline.body).toContain(service.name);
  });

  it('still takes a service code through the API and names the service', async () => {
    const service = await requestableService();
    const res = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'email',
      outcome: 'resolved',
      serviceCodes: [service.code, 'no-such-service'],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['serviceCodes[1]']);
    const ok = await api('POST', '/api/v1/contacts', agentToken, {
      channel: 'email',
      outcome: 'resolved',
      serviceCodes: [service.name],
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({
      serviceCodes: [service.code],
      services: [{ code: service.code, name: service.name }],
    });
  });

  it('hides the today page from auditors, who cannot record', async () => {
    const auditor = await signInAs(t.app, 'auditor');
    const res = await t.app.inject({
      method: 'GET',
      url: '/staff/contacts/today',
      headers: { cookie: auditor.cookie },
    });
    expect(res.statusCode).toBe(403);
  });

  async function principalFor(role: 'agent'): Promise<Principal> {
    const token = await createToken(t, role);
    const principal = await t.runtime.services.governance.resolver.fromApiToken(token);
    if (!principal) throw new Error('no principal');
    return principal;
  }
});

describe.each(testDatabaseKinds())('demo contacts on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('seeds a few thousand contacts over the last 90 days, none today, into month partitions', async () => {
    const { sql } = await import('kysely');
    const db = t.runtime.database.db;
    const stats = await sql<{
      total: number;
      oldest: Date;
      newest: Date;
      parties: number;
      anonymous: number;
    }>`
      select count(*)::int as total, min(started_at) as oldest, max(started_at) as newest,
             count(distinct party_id)::int as parties, count(*) filter (where party_id is null)::int as anonymous
      from contact where council_id = ${t.councilId}`.execute(db);
    const s = stats.rows[0];
    expect(s?.total).toBe(4000);
    expect(s?.parties).toBeGreaterThan(500);
    expect(s?.anonymous).toBeGreaterThan(0);
    expect(new Date(s?.oldest ?? 0).getTime()).toBeGreaterThan(Date.now() - 92 * 86_400_000);
    expect(new Date(s?.newest ?? 0).getTime()).toBeLessThan(Date.now());
    const inDefault = await sql<{ n: number }>`select count(*)::int as n from contact_default`.execute(db);
    expect(inDefault.rows[0]?.n).toBe(0);
  });
});
