import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  createToken,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { listAlerts } from './parties.repository.ts';

const form = (values: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) params.append(k, item);
  return params.toString();
};

describe.each(testDatabaseKinds())('parties edit pages and alerts (%s)', (kind) => {
  let t: TestApp;
  let agent: StaffSession;
  let officer: StaffSession;
  let supervisor: StaffSession;
  let id: string;

  const get = (session: StaffSession, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = (session: StaffSession, url: string, values: Record<string, string | string[]>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: session.csrfToken, ...values }),
    });
  const party = () => t.runtime.services.parties.getParty(t.councilId, id);
  const view = async () =>
    t.runtime.services.parties.singleView(
      { kind: 'staff', id: 'test', councilId: t.councilId, role: 'supervisor' } as never,
      id,
      systemAuditContext(t.councilId, 'test'),
    );
  const audited = async (action: string) =>
    t.runtime.services.governance.listAudit(t.councilId, { action, subjectId: id }, 5);

  beforeAll(async () => {
    t = await createTestApp(kind);
    agent = await signInAs(t.app, 'agent');
    officer = await signInAs(t.app, 'officer');
    supervisor = await signInAs(t.app, 'supervisor');
    const created = await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Gwen',
        familyName: 'Editwell',
        dateOfBirth: '1962-07-09',
        email: 'gwen.editwell@example.com',
      },
      systemAuditContext(t.councilId, 'test'),
    );
    id = created.id;
  });
  afterAll(() => t?.close());

  it('links each change from the single view', async () => {
    const page = await get(agent, `/staff/parties/${id}`);
    for (const href of [
      'edit',
      'addresses/new',
      'contact-points/new',
      'relationships/new',
      'identifiers/new',
    ])
      expect(page.body).toContain(`/staff/parties/${id}/${href}`);
    // Agents may not raise alerts.
    expect(page.body).not.toContain(`/staff/parties/${id}/alerts/new`);
    expect((await get(officer, `/staff/parties/${id}`)).body).toContain(`/staff/parties/${id}/alerts/new`);
  });

  it('changes the name, keeping the old family name as a previous name, and audits it', async () => {
    const form = await get(agent, `/staff/parties/${id}/edit`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Editwell"');
    const { version } = await party();
    const response = await post(agent, `/staff/parties/${id}/edit`, {
      version: String(version),
      givenNames: 'Gwen',
      familyName: 'Newname',
      'dateOfBirth-day': '9',
      'dateOfBirth-month': '7',
      'dateOfBirth-year': '1962',
      language: 'cy',
      needs: ['largePrint'],
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/staff/parties/${id}?changed=details`);
    const p = await party();
    expect(p).toMatchObject({ familyName: 'Newname', language: 'cy', largePrint: true });
    const v = await view();
    expect(v.names.find((n) => n.use === 'previous')).toMatchObject({ familyName: 'Editwell' });
    expect((await audited('party.updated')).length).toBeGreaterThan(0);
    const page = await get(agent, `/staff/parties/${id}?changed=details`);
    expect(page.body).toContain('Details changed');
    expect(page.body).toContain('Editwell');
  });

  it('shows a GOV.UK error summary for bad input, and refuses a stale form', async () => {
    const { version } = await party();
    const bad = await post(agent, `/staff/parties/${id}/edit`, {
      version: String(version),
      givenNames: 'Gwen',
      familyName: '',
      'dateOfBirth-day': '31',
      'dateOfBirth-month': '2',
      'dateOfBirth-year': '1962',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('There is a problem');
    expect(bad.body).toContain('href="#familyName"');
    expect(bad.body).toContain('href="#dateOfBirth-day"');
    const stale = await post(agent, `/staff/parties/${id}/edit`, {
      version: String(version - 1),
      givenNames: 'Gwen',
      familyName: 'Stale',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('Someone else changed this record');
    expect((await party()).familyName).toBe('Newname');
  });

  it('changes an organisation’s and a household’s name, pointing errors at the name field', async () => {
    const ctx = systemAuditContext(t.councilId, 'test');
    const org = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'organisation', organisationName: 'Editable Trust', organisationType: 'charity' },
      ctx,
    );
    const home = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'household', name: 'Editwell household' },
      ctx,
    );
    for (const [partyId, renamed] of [
      [org.id, 'Editable Trust (Demo Town)'],
      [home.id, 'Newname household'],
    ] as const) {
      const page = await get(agent, `/staff/parties/${partyId}/edit`);
      expect(page.statusCode).toBe(200);
      const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] ?? '';
      const empty = await post(agent, `/staff/parties/${partyId}/edit`, { version, organisationName: '' });
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('href="#organisationName"');
      const ok = await post(agent, `/staff/parties/${partyId}/edit`, { version, organisationName: renamed });
      expect(ok.statusCode).toBe(303);
      expect((await t.runtime.services.parties.getParty(t.councilId, partyId)).displayName).toBe(renamed);
    }
  });

  it('adds an address with a UPRN and ends it', async () => {
    const page = await get(agent, `/staff/parties/${id}/addresses/new`);
    expect(page.body).toContain('data-uprn-field="uprn"');
    const added = await post(agent, `/staff/parties/${id}/addresses/new`, {
      version: String((await party()).version),
      'address-text': '1 High Street, Demo Town, DT1 1AA',
      uprn: '100012345678',
      role: 'home',
      'validFrom-day': '1',
      'validFrom-month': '4',
      'validFrom-year': '2024',
    });
    expect(added.statusCode, added.body).toBe(303);
    const address = (await view()).addresses.find((a) => a.uprn === 100012345678);
    expect(address).toMatchObject({
      role: 'home',
      postcode: 'DT1 1AA',
      validFrom: '2024-04-01',
      validTo: null,
    });
    const atProperty = await t.runtime.services.parties.partiesAtProperty(t.councilId, '100012345678');
    expect(atProperty).toEqual([{ id, displayName: 'Gwen Newname', role: 'home' }]);
    const ended = await post(agent, `/staff/parties/${id}/addresses/${address?.id}/end`, {
      version: String((await party()).version),
    });
    expect(ended.statusCode).toBe(303);
    expect((await view()).addresses.find((a) => a.id === address?.id)?.validTo).not.toBeNull();
    expect(await t.runtime.services.parties.partiesAtProperty(t.councilId, '100012345678')).toEqual([]);
    expect((await audited('party.address_ended')).length).toBe(1);
  });

  it('adds, verifies, marks do-not-contact and removes contact points', async () => {
    const bad = await post(agent, `/staff/parties/${id}/contact-points/new`, {
      version: String((await party()).version),
      kind: 'email',
      value: 'not an email',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('href="#value"');
    const added = await post(agent, `/staff/parties/${id}/contact-points/new`, {
      version: String((await party()).version),
      kind: 'phone',
      value: '07911 123456',
    });
    expect(added.statusCode).toBe(303);
    const phone = (await view()).contactPoints.find((c) => c.kind === 'phone');
    // The buttons say what they do; the state is a tag beside the number.
    const before = (await get(agent, `/staff/parties/${id}`)).body;
    expect(before).toMatch(/>Mark as verified<span class="govuk-visually-hidden"> \+44 7911 123456</);
    expect(before).toMatch(/>Mark as do not contact<span class="govuk-visually-hidden"> \+44 7911 123456</);
    expect(before).not.toMatch(/>Verified<span/);
    expect(before).not.toMatch(/>Do not contact<span/);
    for (const change of ['verify', 'do-not-contact'])
      expect(
        (
          await post(agent, `/staff/parties/${id}/contact-points/${phone?.id}/${change}`, {
            version: String((await party()).version),
          })
        ).statusCode,
      ).toBe(303);
    expect((await view()).contactPoints.find((c) => c.id === phone?.id)).toMatchObject({
      isVerified: true,
      doNotContact: true,
    });
    const after = (await get(agent, `/staff/parties/${id}`)).body;
    expect(after).toContain('<strong class="govuk-tag govuk-tag--green">Verified</strong>');
    expect(after).toContain('<strong class="govuk-tag govuk-tag--red">Do not contact</strong>');
    expect(after).toMatch(/>Allow contact<span class="govuk-visually-hidden"> \+44 7911 123456</);
    // Remove is a link to a confirmation page, which removes nothing until confirmed.
    const removeHref = `/staff/parties/${id}/contact-points/${phone?.id}/remove`;
    expect(after).toContain(`href="${removeHref}"`);
    const confirm = await get(agent, removeHref);
    expect(confirm.statusCode).toBe(200);
    // (An earlier test renamed Gwen.)
    const name = (await party()).displayName;
    expect(confirm.body).toContain(
      `Are you sure you want to remove <span class="app-nowrap">+44 7911 123456</span> from ${name}’s record?`,
    );
    expect(confirm.body).toContain(`action="${removeHref}"`);
    expect(confirm.body).toContain(
      `<a class="govuk-link govuk-link--no-visited-state" href="/staff/parties/${id}">Cancel</a>`,
    );
    expect((await view()).contactPoints.find((c) => c.id === phone?.id)).toBeDefined();
    expect((await get(agent, `/staff/parties/${id}/contact-points/${id}/remove`)).statusCode).toBe(404);
    await post(agent, removeHref, {
      version: /name="version" value="(\d+)"/.exec(confirm.body)?.[1] ?? '',
    });
    expect((await view()).contactPoints.find((c) => c.id === phone?.id)).toBeUndefined();
    const removed = await audited('party.contact_point_removed');
    expect(removed.length).toBe(1);
    // A data protection officer can tell which detail went, but the audit log never holds the number.
    expect(removed[0]?.details).toMatchObject({ kind: 'phone', masked: 'phone ending 3456' });
    expect(JSON.stringify(removed[0]?.details)).not.toMatch(/7911\s?123456/);
  });

  it('adds identifiers with the NI and NHS checks, and removes them', async () => {
    const bad = await post(agent, `/staff/parties/${id}/identifiers/new`, {
      version: String((await party()).version),
      scheme: 'nhs_number',
      value: '943 476 5918',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('There is a problem');
    const ok = await post(agent, `/staff/parties/${id}/identifiers/new`, {
      version: String((await party()).version),
      scheme: 'ni_number',
      value: 'AB 12 34 56 C',
    });
    expect(ok.statusCode).toBe(303);
    const ni = (await view()).identifiers.find((i) => i.scheme === 'ni_number');
    expect(ni?.value).toBe('AB123456C');
    const confirm = await get(agent, `/staff/parties/${id}/identifiers/${ni?.id}/remove`);
    expect(confirm.body).toContain(
      `Are you sure you want to remove the National Insurance number AB123456C from ${(await party()).displayName}’s record?`,
    );
    expect((await view()).identifiers.find((i) => i.id === ni?.id)).toBeDefined();
    await post(agent, `/staff/parties/${id}/identifiers/${ni?.id}/remove`, {
      version: String((await party()).version),
    });
    expect((await view()).identifiers.find((i) => i.scheme === 'ni_number')).toBeUndefined();
  });

  it('adds a relationship read from either end and ends it', async () => {
    const other = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenName: 'Carys', familyName: 'Carewell' },
      systemAuditContext(t.councilId, 'test'),
    );
    const found = await get(agent, `/staff/parties/${id}/relationships/new?q=Carys+Carewell`);
    expect(found.body).toContain(other.id);
    const added = await post(agent, `/staff/parties/${id}/relationships/new`, {
      version: String((await party()).version),
      other: other.id,
      type: 'carer_of:to',
    });
    expect(added.statusCode, added.body).toBe(303);
    const rel = (await view()).relationships[0];
    expect(rel).toMatchObject({ label: 'Cared for by', other: { id: other.id } });
    const ended = await post(agent, `/staff/parties/${id}/relationships/${rel?.id}/end`, {
      version: String((await party()).version),
    });
    expect(ended.statusCode).toBe(303);
    expect((await view()).relationships[0]?.validTo).not.toBeNull();
  });

  it('raises, reviews and ends an alert with a reason; lists overdue alerts for supervisors', async () => {
    const added = await post(officer, `/staff/parties/${id}/alerts/new`, {
      version: String((await party()).version),
      kind: 'potentially_violent',
      reason: 'Threatened staff at the counter',
      'reviewOn-day': '1',
      'reviewOn-month': '1',
      'reviewOn-year': '2099',
      visibleTo: ['agent', 'officer', 'supervisor'],
    });
    expect(added.statusCode, added.body).toBe(303);
    const alert = (await view()).alerts[0];
    expect(alert).toBeDefined();
    // Alerts are read within the council asked about, never by party id alone.
    const otherCouncil = '00000000-0000-7000-8000-000000000001';
    expect(await listAlerts(t.runtime.database.db, otherCouncil, id, 'supervisor')).toEqual([]);
    expect(await listAlerts(t.runtime.database.db, t.councilId, id, 'supervisor')).toHaveLength(1);
    // An alert past its review date shows prominently and on the supervisors' list.
    await t.runtime.database.db
      .withTables<{ party_alert: { id: string; review_on: string } }>()
      .updateTable('party_alert')
      .set({ review_on: '2020-01-01' })
      .where('id', '=', alert?.id as string)
      .execute();
    expect((await get(agent, `/staff/parties/${id}`)).body).toContain('Due for review');
    expect((await get(agent, '/staff/parties/alerts/due')).statusCode).toBe(403);
    const due = await get(supervisor, '/staff/parties/alerts/due');
    expect(due.statusCode).toBe(200);
    expect(due.body).toContain('Threatened staff at the counter');

    const badReview = await post(officer, `/staff/parties/${id}/alerts/${alert?.id}/review`, {
      'nextReviewOn-day': '1',
      'nextReviewOn-month': '1',
      'nextReviewOn-year': '2001',
    });
    expect(badReview.statusCode).toBe(400);
    expect(badReview.body).toContain('href="#nextReviewOn-day"');
    const reviewed = await post(officer, `/staff/parties/${id}/alerts/${alert?.id}/review`, {
      'nextReviewOn-day': '2',
      'nextReviewOn-month': '2',
      'nextReviewOn-year': '2098',
    });
    expect(reviewed.statusCode).toBe(303);
    expect((await view()).alerts[0]?.reviewOn).toBe('2098-02-02');
    expect((await get(supervisor, '/staff/parties/alerts/due')).body).toContain(
      'No alerts are due for review',
    );

    const noReason = await post(officer, `/staff/parties/${id}/alerts/${alert?.id}/end`, { reason: '' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Give the reason for ending the alert');
    const ended = await post(officer, `/staff/parties/${id}/alerts/${alert?.id}/end`, {
      reason: 'Reviewed with the housing team: no incidents for two years',
    });
    expect(ended.statusCode).toBe(303);
    expect((await view()).alerts).toHaveLength(0);
    expect((await audited('party.alert_reviewed')).length).toBe(1);
    expect((await audited('party.alert_ended')).length).toBe(1);
  });

  it('ends and reviews alerts through the API', async () => {
    const token = await createToken(t, 'integration');
    const alertId = await t.runtime.services.parties.addAlert(
      t.councilId,
      id,
      { kind: 'vulnerable', reason: 'Lives alone', reviewOn: '2099-05-05' },
      systemAuditContext(t.councilId, 'test'),
    );
    const call = (url: string, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    // Integrations may not change alerts.
    expect((await call(`/api/v1/parties/${id}/alerts/${alertId}/end`, { reason: 'x' })).statusCode).toBe(403);
    const officerToken = await createToken(t, 'officer');
    const asOfficer = (url: string, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${officerToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    const reviewed = await asOfficer(`/api/v1/parties/${id}/alerts/${alertId}/review`, {
      nextReviewOn: '2099-06-06',
    });
    expect(reviewed.statusCode).toBe(200);
    expect(reviewed.json()).toEqual({ id: alertId, reviewOn: '2099-06-06' });
    const ended = await asOfficer(`/api/v1/parties/${id}/alerts/${alertId}/end`, {
      reason: 'Moved to care home',
    });
    expect(ended.statusCode).toBe(200);
    const again = await asOfficer(`/api/v1/parties/${id}/alerts/${alertId}/end`, { reason: 'Again' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/problem\+json/);
  });
});
