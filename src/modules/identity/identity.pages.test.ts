import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type StaffSession, signInAs, type TestApp } from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';
import { EXTRACT, MAPPING, REVENUES, REVENUES_EXTRACT } from './fixtures/extracts.ts';

const form = (values: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) params.append(k, item);
  return params.toString();
};

describe.each(testDatabaseKinds())('record linkage review pages (%s)', (kind) => {
  let t: TestApp;
  let supervisor: StaffSession;
  let agent: StaffSession;
  const get = (session: StaffSession, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = (session: StaffSession, url: string, values: Record<string, string | string[]>) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: session.csrfToken, ...values }),
    });
  const pairIds = (html: string) =>
    [...html.matchAll(/name="ids" type="checkbox" value="([0-9a-f-]{36})"/g)].map((m) => m[1] as string);

  beforeAll(async () => {
    t = await createTestApp(kind);
    supervisor = await signInAs(t.app, 'supervisor');
    agent = await signInAs(t.app, 'agent');
  });
  afterAll(() => t?.close());

  it('shows a useful empty state, and only to reviewers', async () => {
    const page = await get(supervisor, '/staff/identity/review');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('There are no pairs to review');
    expect(page.body).toContain('Record linkage review');
    expect((await get(agent, '/staff/identity/review')).statusCode).toBe(403);
  });

  it('shows a queued pair side by side with its weights, and accepting it merges the records', async () => {
    for (const [rows, mapping] of [
      [EXTRACT, MAPPING],
      [REVENUES_EXTRACT, REVENUES],
    ] as const)
      await t.runtime.services.identity.loadExtract({
        councilId: t.councilId,
        system: mapping.system,
        mapping,
        rows,
        context: systemAuditContext(t.councilId, 'test'),
      });
    const page = await get(supervisor, '/staff/identity/review');
    expect(page.body).toContain('2 pairs to review');
    expect(page.body).toContain('14 Acacia Avenue, Demo Town');
    expect(page.body).toContain('Starting point');
    expect(page.body).toMatch(/Family name<\/th>\s*<td class="govuk-table__cell">exact/);
    const [margaret, philippa] = pairIds(page.body);
    expect(margaret && philippa).toBeTruthy();

    // Nothing selected: an error summary, nothing decided.
    const none = await post(supervisor, '/staff/identity/review', { decision: 'accept' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Select at least one pair to accept, reject or skip');
    // No CSRF token: refused.
    const forged = await t.app.inject({
      method: 'POST',
      url: '/staff/identity/review',
      headers: { cookie: supervisor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ single: `${margaret}:accept` }),
    });
    expect(forged.statusCode).toBe(403);

    const accepted = await post(supervisor, '/staff/identity/review', { single: `${margaret}:accept` });
    expect(accepted.statusCode).toBe(303);
    const after = await get(supervisor, accepted.headers.location as string);
    expect(after.body).toContain('1 pair merged');
    const partyId = /href="\/staff\/parties\/([0-9a-f-]{36})" data-test="merged-party-link"/.exec(
      after.body,
    )?.[1];
    const party = await get(supervisor, `/staff/parties/${partyId}`);
    expect(party.body).toContain('Margaret Thompson');
    expect(party.body).toContain('14 Acacia Avenue');
    const audit = await t.runtime.services.governance.listAudit(t.councilId, { action: 'party.merged' }, 20);
    expect(audit.some((a) => a.subjectId === partyId)).toBe(true);
  });

  it('rejects in bulk, remembers the decision, and reports decisions by score band', async () => {
    const page = await get(supervisor, '/staff/identity/review');
    const ids = pairIds(page.body);
    expect(ids).toHaveLength(1);
    const rejected = await post(supervisor, '/staff/identity/review', { ids, decision: 'reject' });
    expect(rejected.headers.location).toContain('rejected=1');
    expect((await get(supervisor, '/staff/identity/review')).body).toContain('There are no pairs to review');
    // Loading the same extract again queues nothing.
    const again = await t.runtime.services.identity.loadExtract({
      councilId: t.councilId,
      system: 'revenues',
      mapping: REVENUES,
      rows: REVENUES_EXTRACT,
      context: systemAuditContext(t.councilId, 'test'),
    });
    expect(again.queued).toBe(0);
    const thresholds = await get(supervisor, '/staff/identity/thresholds');
    expect(thresholds.statusCode).toBe(200);
    expect(thresholds.body).toContain('2 decided');
    expect(thresholds.body).toContain('Not enough decisions yet');
  });

  it('shows the quality dashboard and exports each signal list as CSV', async () => {
    await t.runtime.services.identity.takeQualitySnapshots();
    const page = await get(supervisor, '/staff/identity/quality');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Missing date of birth');
    expect(page.body).toContain('Robert Thompson');
    expect(page.body).toContain('Philippa Quillfeather');
    const csv = await get(supervisor, '/staff/identity/quality/dates-of-birth.csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('revenues,R1,1955-02-11');
    const discounts = await get(supervisor, '/staff/identity/quality/single-person-discount.csv');
    expect(discounts.body).toContain('Philippa Quillfeather');
    const addresses = await get(supervisor, '/staff/identity/quality/two-addresses.csv');
    expect(addresses.body).toContain('22 Mill Lane');
    expect((await get(supervisor, '/staff/identity/quality/other.csv')).statusCode).toBe(404);
  });
});
