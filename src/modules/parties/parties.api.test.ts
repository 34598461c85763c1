import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createToken, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';

describe.each(testDatabaseKinds())('parties REST API (%s)', (kind) => {
  let t: TestApp;
  let token: string;
  let margaretId: string;

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });

  const search = async (q: string) => {
    const response = await api('GET', `/api/v1/parties?q=${encodeURIComponent(q)}`);
    expect(response.statusCode, q).toBe(200);
    return (response.json() as { results: { id: string; displayName: string; reasons: string[] }[] }).results;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    token = await createToken(t, 'integration');
    const created = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'Margaret',
      familyName: 'Thistlewood',
      dateOfBirth: '1957-03-12',
      address: { text: '12 Acacia Avenue, Demo Town', postcode: 'sw1a 2aa' },
      phone: '07911 123456',
      email: 'Margaret.Thistlewood@example.com',
      niNumber: 'AB 12 34 56 C',
    });
    expect(created.statusCode).toBe(201);
    margaretId = (created.json() as { id: string }).id;
    // A namesake elsewhere, and a few others, so ranking has something to do.
    for (const person of [
      { givenName: 'Margaret', familyName: 'Thistlewood', dateOfBirth: '1990-01-01' },
      { givenName: 'Robert', familyName: 'Thistlewood', dateOfBirth: '1955-06-30' },
      { givenName: 'Marjorie', familyName: 'Whistlewood' },
    ]) {
      expect((await api('POST', '/api/v1/parties', { kind: 'person', ...person })).statusCode).toBe(201);
    }
  });
  afterAll(() => t?.close());

  it('finds the person a report belongs to by their exact email or phone, however it is written', async () => {
    const parties = t.runtime.services.parties;
    const own = (contact: Parameters<typeof parties.personWithContact>[1]) =>
      parties.personWithContact(t.councilId, contact);
    expect(await own({ email: ' MARGARET.thistlewood@Example.com ' })).toBe(margaretId);
    expect(await own({ phone: '+44 7911 123456' })).toBe(margaretId);
    expect(await own({ email: 'nobody@example.com', phone: '07911123456' })).toBe(margaretId);
    expect(await own({ email: 'nobody@example.com' })).toBeNull();
    expect(await own({ email: 'margaret.thistle@example.com' })).toBeNull();
    // A shared address: the person the report names, else the one longest on the register.
    const robin = (
      await api('POST', '/api/v1/parties', {
        kind: 'person',
        givenName: 'Robin',
        familyName: 'Hale',
        email: 'margaret.thistlewood@example.com',
      })
    ).json() as { id: string };
    expect(await own({ email: 'margaret.thistlewood@example.com', familyName: 'hale' })).toBe(robin.id);
    expect(await own({ email: 'margaret.thistlewood@example.com', familyName: 'Smith' })).toBe(margaretId);
  });

  it('creates a person and answers 201 with the id and a checkable reference', async () => {
    const response = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'Ada',
      familyName: 'Lovelace',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reference: expect.stringMatching(/^P-[0-9A-Z]{4}-[0-9A-Z]{4}$/),
    });
    expect(response.headers.location).toBe(`/api/v1/parties/${(response.json() as { id: string }).id}`);
  });

  it.each([
    ['full name', 'Margaret Thistlewood'],
    ['misspelt family name', 'Margaret Thistlewod'],
    ['nickname', 'Maggie Thistlewood'],
    ['names the other way round', 'Thistlewood Margaret'],
    ['phone without spaces', '07911123456'],
    ['phone in international form', '+44 7911 123456'],
    ['postcode without a space', 'SW1A2AA'],
    ['email', 'margaret.thistlewood@example.com'],
    ['NI number', 'AB123456C'],
    ['partial name and year of birth', 'marg thistlewood 1957'],
    ['family name and full date of birth', 'thistlewood 12/03/1957'],
  ])('finds the person in the top 10 by %s', async (_label, q) => {
    const results = await search(q);
    const ids = results.slice(0, 10).map((r) => r.id);
    expect(ids, q).toContain(margaretId);
  });

  it('puts the best match first and says why each result matched', async () => {
    const results = await search('Maggie Thistlewood 1957');
    expect(results[0]?.id).toBe(margaretId);
    expect(results[0]?.reasons.join(' ')).toMatch(/Maggie.*form of Margaret/);
    expect(results[0]?.reasons).toContain('Born in 1957');
  });

  it('uses a postcode or phone given with a name to tell namesakes apart', async () => {
    for (const q of ['Margaret Thistlewood SW1A 2AA', 'Thistlewood 07911 123456']) {
      const results = await search(q);
      expect(results[0]?.id, q).toBe(margaretId);
      expect(results[0]?.reasons.join('; '), q).toMatch(/Postcode matches|Phone number matches/);
    }
  });

  it('finds by reference', async () => {
    const view = (await api('GET', `/api/v1/parties/${margaretId}`)).json() as { reference: string };
    const results = await search(view.reference.toLowerCase());
    expect(results[0]?.id).toBe(margaretId);
    expect(results[0]?.reasons).toContain('Reference matches');
  });

  it('returns the single view and audits the read with its purpose', async () => {
    const response = await api('GET', `/api/v1/parties/${margaretId}?purpose=caller%20enquiry`);
    expect(response.statusCode).toBe(200);
    const view = response.json() as Record<string, unknown>;
    expect(view).toMatchObject({
      id: margaretId,
      displayName: 'Margaret Thistlewood',
      dateOfBirth: '1957-03-12',
      addresses: [{ text: '12 Acacia Avenue, Demo Town', postcode: 'SW1A 2AA', role: 'home' }],
      identifiers: [{ scheme: 'ni_number', value: 'AB123456C' }],
    });
    expect(view.contactPoints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'phone', value: '+447911123456' }),
        expect.objectContaining({ kind: 'email', value: 'margaret.thistlewood@example.com' }),
      ]),
    );
    const audit = await t.runtime.services.governance.listAudit(
      t.councilId,
      { action: 'party.viewed', subjectId: margaretId },
      10,
    );
    expect(audit[0]).toMatchObject({
      action: 'party.viewed',
      subjectType: 'party',
      purpose: 'caller enquiry',
    });
    // Personal data stays out of the audit details.
    expect(JSON.stringify(audit)).not.toContain('Thistlewood');
  });

  it('answers 400 problem+json naming each bad field', async () => {
    const response = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'Bad',
      familyName: 'Input',
      dateOfBirth: '1957-02-30',
      email: 'not-an-email',
      phone: '12345',
      niNumber: 'AB1234',
      nhsNumber: '9434765918',
      address: { text: '1 High Street', postcode: 'NOT A POSTCODE' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json() as { code: string; errors: { field: string; message: string }[] };
    expect(problem.code).toBe('ValidationFailed');
    expect(problem.errors.map((e) => e.field).sort()).toEqual(
      ['address.postcode', 'dateOfBirth', 'email', 'nhsNumber', 'niNumber', 'phone'].sort(),
    );
  });

  it('names an invalid email alone', async () => {
    const response = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'A',
      familyName: 'B',
      email: 'x@',
    });
    expect(response.statusCode).toBe(400);
    expect((response.json() as { errors: { field: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'email' }),
    ]);
  });

  it('refuses anonymous search with 401', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/parties?q=margaret' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('changes a name with PATCH, keeps the old family name as a previous name, and still finds them by it', async () => {
    const created = await api('POST', '/api/v1/parties', {
      kind: 'person',
      givenName: 'Priya',
      familyName: 'Oldname',
      dateOfBirth: '1980',
    });
    const id = (created.json() as { id: string }).id;
    const patched = await api('PATCH', `/api/v1/parties/${id}`, { familyName: 'Newname' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ displayName: 'Priya Newname', version: 2 });
    const view = (await api('GET', `/api/v1/parties/${id}`)).json() as {
      names: { use: string; familyName: string }[];
      dateOfBirth: string;
    };
    expect(view.dateOfBirth).toBe('1980');
    expect(view.names).toEqual(
      expect.arrayContaining([expect.objectContaining({ use: 'previous', familyName: 'Oldname' })]),
    );
    const byOld = await search('Priya Oldname');
    expect(byOld[0]?.id).toBe(id);
    expect(byOld[0]?.reasons).toContain('Matches a previous name');
    // A corrected date of birth is what name-and-date searches use from then on.
    expect((await api('PATCH', `/api/v1/parties/${id}`, { dateOfBirth: '1981-02-03' })).statusCode).toBe(200);
    expect((await search('Priya Newname 03/02/1981'))[0]?.reasons).toContain('Date of birth matches');
    expect((await search('Priya Oldname 1981'))[0]?.id).toBe(id);
    const stale = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/parties/${id}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': '"1"' },
      payload: JSON.stringify({ title: 'Dr' }),
    });
    expect(stale.statusCode).toBe(409);
  });

  it('adds identifiers and relationships, read from either side with the inverse label', async () => {
    const household = (
      await api('POST', '/api/v1/parties', { kind: 'household', name: 'Thistlewood household' })
    ).json() as { id: string };
    const rel = await api('POST', `/api/v1/parties/${margaretId}/relationships`, {
      type: 'household_member',
      toPartyId: household.id,
      validFrom: '2001-05-01',
    });
    expect(rel.statusCode).toBe(201);
    const fromHousehold = (await api('GET', `/api/v1/parties/${household.id}/relationships`)).json() as {
      relationships: { label: string; party: { id: string } }[];
    };
    expect(fromHousehold.relationships).toEqual([
      expect.objectContaining({
        label: 'Household member',
        party: expect.objectContaining({ id: margaretId }),
      }),
    ]);
    const badRel = await api('POST', `/api/v1/parties/${margaretId}/relationships`, {
      type: 'employee_of',
      toPartyId: household.id,
    });
    expect(badRel.statusCode).toBe(400);
    expect((badRel.json() as { errors: { field: string }[] }).errors[0]?.field).toBe('toPartyId');

    const nhs = await api('POST', `/api/v1/parties/${margaretId}/identifiers`, {
      scheme: 'nhs_number',
      value: '943 476 5919',
    });
    expect(nhs.statusCode).toBe(201);
    const badNhs = await api('POST', `/api/v1/parties/${margaretId}/identifiers`, {
      scheme: 'nhs_number',
      value: '943 476 5918',
    });
    expect(badNhs.statusCode).toBe(400);
    expect((badNhs.json() as { errors: { field: string }[] }).errors[0]?.field).toBe('value');
    expect((await search('9434765919'))[0]?.id).toBe(margaretId);
  });

  it('undoes merges newest first, keeping every identifier', async () => {
    const make = async (givenName: string, value: string) =>
      (
        (
          await api('POST', '/api/v1/parties', {
            kind: 'person',
            givenName,
            familyName: 'Mergeworth',
            identifiers: [{ scheme: 'source', system: 'housing', value }],
          })
        ).json() as { id: string }
      ).id;
    const [a, b, c] = [await make('Anna', 'H1'), await make('Ana', 'H2'), await make('Annie', 'H3')];
    const supervisorToken = await createToken(t, 'supervisor');
    const as = (method: 'POST', url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${supervisorToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify(payload ?? {}),
      });
    const first = (
      await as('POST', `/api/v1/parties/${a}/merge`, { mergedId: b, choices: { givenNames: 'merged' } })
    ).json() as { mergeId: string };
    const second = (await as('POST', `/api/v1/parties/${a}/merge`, { mergedId: c })).json() as {
      mergeId: string;
    };
    const view = (await api('GET', `/api/v1/parties/${a}`)).json() as {
      givenNames: string;
      identifiers: { value: string }[];
    };
    expect(view.givenNames).toBe('Ana');
    expect(view.identifiers.map((i) => i.value).sort()).toEqual(['H1', 'H2', 'H3']);
    expect((await api('POST', `/api/v1/parties/${b}/merge`, { mergedId: c })).statusCode).toBe(403);

    const tooEarly = await as('POST', `/api/v1/party-merges/${first.mergeId}/undo`);
    expect(tooEarly.statusCode).toBe(409);
    expect((tooEarly.json() as { code: string }).code).toBe('MergeNotReversible');
    expect((await as('POST', `/api/v1/party-merges/${second.mergeId}/undo`)).statusCode).toBe(200);
    expect((await as('POST', `/api/v1/party-merges/${first.mergeId}/undo`)).statusCode).toBe(200);
    const restored = (await api('GET', `/api/v1/parties/${a}`)).json() as {
      givenNames: string;
      identifiers: { value: string }[];
    };
    expect(restored).toMatchObject({
      givenNames: 'Anna',
      identifiers: [expect.objectContaining({ value: 'H1' })],
    });
    expect(restored.identifiers).toHaveLength(1);
    expect((await api('GET', `/api/v1/parties/${b}`)).json()).toMatchObject({
      status: 'active',
      identifiers: [expect.objectContaining({ value: 'H2' })],
    });
  });

  const createOnce = (key: string, payload: unknown, url = '/api/v1/parties') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      payload: JSON.stringify(payload),
    });

  it('answers a retried create with the same Idempotency-Key with the first 201, creating one party', async () => {
    const body = { kind: 'person', givenName: 'Idris', familyName: 'Onceonly', dateOfBirth: '1971-05-04' };
    const first = await createOnce('create-idris-1', body);
    // The same body with its keys in another order is the same request.
    const { kind: k, ...rest } = body;
    const again = await createOnce('create-idris-1', { ...rest, kind: k });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers.location).toBe(first.headers.location);
    expect((await search('Idris Onceonly')).filter((r) => r.displayName.includes('Onceonly'))).toHaveLength(
      1,
    );
  });

  it('refuses the same Idempotency-Key with a different body with 422 problem+json', async () => {
    const first = await createOnce('create-key-2', {
      kind: 'person',
      givenName: 'Nia',
      familyName: 'Keyreuse',
    });
    expect(first.statusCode).toBe(201);
    const reused = await createOnce('create-key-2', {
      kind: 'person',
      givenName: 'Other',
      familyName: 'Keyreuse',
    });
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await search('Other Keyreuse')).filter((r) => r.displayName === 'Other Keyreuse')).toHaveLength(
      0,
    );
    const bad = await createOnce('has space', { kind: 'person', givenName: 'A', familyName: 'B' });
    expect(bad.statusCode).toBe(400);
  });

  it('adds an identifier and a contact point once per Idempotency-Key', async () => {
    const identifier = { scheme: 'council_tax', value: 'CT-ONCE-1' };
    const url = `/api/v1/parties/${margaretId}/identifiers`;
    const i1 = await createOnce('identifier-once', identifier, url);
    const i2 = await createOnce('identifier-once', identifier, url);
    expect(i1.statusCode, i1.body).toBe(201);
    expect(i2.json()).toEqual(i1.json());
    const phone = `/api/v1/parties/${margaretId}/contact-points`;
    const p1 = await createOnce('phone-once', { kind: 'email', value: 'once.only@example.com' }, phone);
    const p2 = await createOnce('phone-once', { kind: 'email', value: 'once.only@example.com' }, phone);
    expect(p1.statusCode, p1.body).toBe(201);
    expect(p2.statusCode, p2.body).toBe(201);
    const after = (await api('GET', `/api/v1/parties/${margaretId}`)).json() as {
      contactPoints: { value: string }[];
    };
    expect(after.contactPoints.filter((c) => c.value === 'once.only@example.com')).toHaveLength(1);
  });

  it('answers 404 problem+json for an unknown party', async () => {
    const response = await api('GET', '/api/v1/parties/0190a0e4-0000-7000-8000-000000000000');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});
