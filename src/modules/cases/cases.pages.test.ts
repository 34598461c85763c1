import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  csrfFrom,
  type StaffSession,
  signInAs,
  type TestApp,
} from '../../../test/support/app.ts';
import { testDatabaseKinds } from '../../../test/support/databases.ts';
import { systemAuditContext } from '../../platform/audit/audit.ts';

describe.each(testDatabaseKinds())('cases staff pages (%s)', (kind) => {
  let t: TestApp;
  let officer: StaffSession;
  let supervisor: StaffSession;
  let agent: StaffSession;
  let caseId: string;
  let reference: string;
  let partyId: string;

  const get = (session: StaffSession, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: session.cookie } });
  const post = async (
    session: StaffSession,
    url: string,
    form: Record<string, string | string[]>,
    pageUrl: string,
  ) => {
    const page = await get(session, pageUrl);
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...form, _csrf: csrfFrom(page.body) }))
      for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
    return t.app.inject({
      method: 'POST',
      url,
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString(),
    });
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    officer = await signInAs(t.app, 'officer');
    supervisor = await signInAs(t.app, 'supervisor');
    agent = await signInAs(t.app, 'agent');
    const context = systemAuditContext(t.councilId, 'test');
    const party = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenName: 'Tomos', familyName: 'Rees' },
      context,
    );
    partyId = party.id;
    const created = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'pothole',
        channel: 'phone',
        partyId,
        description: 'By the school gates',
        location: { easting: 530_100, northing: 180_100 },
        answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
      },
      context,
    );
    caseId = created.body.id;
    reference = created.body.reference;
  });
  afterAll(() => t?.close());

  it('shows the request in the team queue, with SLA state, and exports the queue as CSV', async () => {
    const queue = await get(officer, '/staff/queues?team=all&sort=submitted&direction=desc');
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain(reference);
    expect(queue.body).toContain('On track');
    const csv = await get(officer, '/staff/queues/export.csv?team=all');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toContain('Reference,Service,Status');
    expect(csv.body).toContain(reference);
    const filtered = await get(officer, '/staff/queues?team=all&slaState=breached');
    expect(filtered.body).not.toContain(reference);
  });

  it('shows which column the queue is sorted by and which way, and sorts priority low to high ascending', async () => {
    const byDue = await get(officer, '/staff/queues?team=all');
    expect(byDue.body).toMatch(/aria-sort="ascending" data-test="sort-due"/);
    expect(byDue.body).toMatch(/aria-sort="none" data-test="sort-priority"/);
    expect(byDue.body).toContain('data-test="sort-arrow-up"');
    // The sorted column's link turns the order round; the others start ascending.
    expect(byDue.body).toContain('href="/staff/queues?team=all&amp;sort=due&amp;direction=desc"');
    expect(byDue.body).toContain('href="/staff/queues?team=all&amp;sort=priority&amp;direction=asc"');
    const ranks = (html: string) =>
      [...html.matchAll(/data-test="queue-priority">([A-Za-z]+)</g)].map((m) =>
        ['Low', 'Normal', 'High', 'Urgent'].indexOf(m[1] ?? ''),
      );
    const context = systemAuditContext(t.councilId, 'test');
    for (const [n, priority] of (['urgent', 'low', 'high', 'normal'] as const).entries())
      await t.runtime.services.cases.create(
        t.councilId,
        {
          serviceCode: 'pothole',
          channel: 'phone',
          priority,
          description: `Priority sorting check ${n}`,
          location: { easting: 531_000 + n * 500, northing: 181_000 },
          answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
        },
        context,
      );
    const sorted = '/staff/queues?team=all&q=priority+sorting+check&sort=priority';
    const ascending = await get(officer, `${sorted}&direction=asc`);
    expect(ascending.body).toMatch(/aria-sort="ascending" data-test="sort-priority"/);
    expect(ascending.body).toMatch(/aria-sort="none" data-test="sort-due"/);
    expect(ranks(ascending.body)).toEqual([0, 1, 2, 3]);
    const descending = await get(officer, `${sorted}&direction=desc`);
    expect(descending.body).toMatch(/aria-sort="descending" data-test="sort-priority"/);
    expect(descending.body).toContain('data-test="sort-arrow-down"');
    expect(ranks(descending.body)).toEqual([3, 2, 1, 0]);
    // A reference is one code: its cell never wraps at the dash.
    expect(byDue.body).toMatch(
      /<td class="govuk-table__cell app-nowrap"><a class="govuk-link" href="\/staff\/cases\//,
    );
  });

  it('finds a request in the queue by words, and goes straight to it by reference', async () => {
    const page = await get(officer, '/staff/queues?team=all');
    expect(page.body).toContain('name="q"');
    const byWords = await get(officer, '/staff/queues?team=all&q=SCHOOL+gates');
    expect(byWords.statusCode).toBe(200);
    expect(byWords.body).toContain(reference);
    expect(byWords.body).toContain('value="SCHOOL gates"');
    expect(byWords.body).toMatch(/data-test="queue-count">1 request</);
    const none = await get(officer, '/staff/queues?team=all&q=no+such+words+anywhere');
    expect(none.body).toContain('data-test="queue-empty"');
    expect(none.body).not.toContain(reference);
    // A literal %: not a wildcard that matches everything.
    expect((await get(officer, '/staff/queues?team=all&q=%25')).body).toContain('data-test="queue-empty"');
    for (const typed of [reference, reference.toLowerCase().replace(/-/g, '')]) {
      const found = await get(officer, `/staff/queues?q=${encodeURIComponent(typed)}`);
      expect(found.statusCode).toBe(303);
      expect(found.headers.location).toBe(`/staff/cases/${caseId}`);
    }
  });

  it('exports the queue with UK times and priority labels, and audits the download', async () => {
    const { record } = await t.runtime.services.cases.get(t.councilId, caseId);
    const csv = await get(officer, '/staff/queues/export.csv?team=all&q=school+gates&sort=submitted');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    const uk = (d: Date) => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/London',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        })
          .formatToParts(d)
          .map((x) => [x.type, x.value]),
      );
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    };
    const cells = lines[1]?.split(',') ?? [];
    expect(cells[0]).toBe(reference);
    expect(cells[4]).toBe({ urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' }[record.priority]);
    expect(cells[6]).toBe(record.dueAt ? uk(record.dueAt) : '');
    expect(cells[7]).toBe(uk(record.submittedAt));
    expect(csv.body).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    const [event] = await t.runtime.services.governance.listAudit(
      t.councilId,
      { action: 'case.queue_exported' },
      1,
    );
    expect(event?.actorLabel).toBe('Owen Officer');
    expect(event?.details).toEqual({
      // All teams is no team filter.
      filters: { sort: 'submitted', status: 'open' },
      searched: true,
      count: 1,
    });
  });

  it('lets an officer take the request, resolve it with an outcome, and shows the timeline', async () => {
    const page = await get(officer, `/staff/cases/${caseId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('By the school gates');
    // The officer sees who asked, by name, with a link to their record.
    expect(page.body).toMatch(
      new RegExp(
        `data-test="case-requester">\\s*<a class="govuk-link" href="/staff/parties/${partyId}">Tomos Rees</a>`,
      ),
    );
    const taken = await post(
      officer,
      `/staff/cases/${caseId}/assignment`,
      { toMe: 'yes' },
      `/staff/cases/${caseId}`,
    );
    expect(taken.statusCode).toBe(303);
    const mine = await get(officer, '/staff/queues/mine');
    expect(mine.body).toContain(reference);
    // Owen is in Waste and Recycling; the pothole stays with Highways, in Owen's My work.
    const takenPage = await get(officer, `/staff/cases/${caseId}`);
    expect(takenPage.body).toMatch(/data-test="case-assignee">Owen Officer, Highways and Street Lighting</);
    // Both messages default to staff only: internal wording must not reach a resident by habit.
    expect(page.body).toMatch(
      /id="noteVisibility" name="noteVisibility" type="radio" value="internal" checked/,
    );
    expect(page.body).not.toMatch(/name="noteVisibility" type="radio" value="public" checked/);
    expect(page.body).toMatch(/id="visibility" name="visibility" type="radio" value="internal" checked/);
    expect(page.body).not.toMatch(/name="visibility" type="radio" value="public" checked/);
    // No status is chosen for the officer: the button alone moves nothing.
    expect(page.body).toMatch(
      /<select class="govuk-select" id="status" name="status">\s*<option value="">Choose a status<\/option>/,
    );
    const noStatus = await post(
      officer,
      `/staff/cases/${caseId}/status`,
      { status: '' },
      `/staff/cases/${caseId}`,
    );
    expect(noStatus.statusCode).toBe(400);
    expect(noStatus.body).toContain('govuk-error-summary');
    expect(noStatus.body).toContain('Choose the status to move the request to');
    const noOutcome = await post(
      officer,
      `/staff/cases/${caseId}/status`,
      {
        status: 'resolved',
        outcome: '',
        note: 'Checked the site & found it filled',
        noteVisibility: 'public',
      },
      `/staff/cases/${caseId}`,
    );
    expect(noOutcome.statusCode).toBe(400);
    expect(noOutcome.body).toContain('govuk-error-summary');
    expect(noOutcome.body).toContain('Choose the outcome');
    // GOV.UK pattern: the summary links to the field, the field shows its error, and what the officer
    // chose and typed is still there.
    expect(noOutcome.body).toMatch(/<a href="#outcome">Choose the outcome/);
    expect(noOutcome.body).toMatch(/<p id="outcome-error" class="govuk-error-message">/);
    expect(noOutcome.body).toMatch(/class="govuk-select govuk-select--error" id="outcome"/);
    expect(noOutcome.body).toMatch(/<option value="resolved" selected>Resolved<\/option>/);
    expect(noOutcome.body).toContain(
      'name="note" rows="3">Checked the site &amp; found it filled</textarea>',
    );
    expect(noOutcome.body).toMatch(
      /id="noteVisibility-public" name="noteVisibility" type="radio" value="public" checked/,
    );
    const resolved = await post(
      officer,
      `/staff/cases/${caseId}/status`,
      { status: 'resolved', outcome: 'fixed', note: 'Repaired this morning', noteVisibility: 'public' },
      `/staff/cases/${caseId}`,
    );
    expect(resolved.statusCode).toBe(303);
    const after = await get(officer, `/staff/cases/${caseId}?done=status`);
    expect(after.body).toContain('Status changed to resolved');
    expect(after.body).toContain('Repaired this morning');
    expect(after.body).toMatch(/data-test="case-sla">SLA: Met/);
  });

  it('shows the answers in words, places and describes the request from them, and starts the timeline with its making', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    const created = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'missed-bin',
        channel: 'phone',
        answers: {
          address: { text: '12 Mill Lane, Demoton DB5 0EF' },
          bin_type: 'refuse',
          put_out_time: true,
          collection_date: '2026-11-20',
          details: 'Bin left by the gate',
        },
      },
      context,
    );
    const page = await get(officer, `/staff/cases/${created.body.id}`);
    expect(page.statusCode).toBe(200);
    const answers = /data-test="case-answers">([\s\S]*?)<\/dl>/.exec(page.body)?.[1] ?? '';
    expect(answers).toContain('Which bin was not collected?');
    expect(answers).toContain('Black bin (general rubbish)');
    expect(answers).not.toMatch(/>refuse</);
    expect(answers).toContain('20 November 2026');
    expect(answers).not.toContain('2026-11-20');
    expect(page.body).toMatch(/data-test="case-location">\s*12 Mill Lane, Demoton DB5 0EF/);
    expect(page.body).toMatch(/data-test="case-description">Bin left by the gate<br>/);
    expect(page.body).not.toContain('Nothing has happened yet');
    expect(page.body).toMatch(/data-test="case-made">[\s\S]*?Request made[\s\S]*?Telephone/);
  });

  it('says by how much an overdue request is late, not a share of its target over 100%', async () => {
    const breached = await t.runtime.services.cases.list(t.councilId, { slaState: 'breached', open: true });
    const late = breached.items.find((i) => i.status !== 'on_hold');
    if (!late) throw new Error('the demo seed has no breached request');
    const page = await get(officer, `/staff/cases/${late.id}`);
    const due = /data-test="case-due">([\s\S]*?)<\/dd>/.exec(page.body)?.[1] ?? '';
    expect(due).toMatch(/Overdue by (\d+ working (hours?|days?)|less than a working (hour|day))/);
    expect(due).not.toMatch(/\d{3,}% of the time used/);
  });

  it('shows the requester’s alerts that the viewer’s role may see on the case page and the raise-request form', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    const party = await t.runtime.services.parties.createParty(
      t.councilId,
      { kind: 'person', givenName: 'Margaret', familyName: 'Alertson' },
      context,
    );
    const reviewOn = `${new Date().getUTCFullYear() + 1}-03-31`;
    await t.runtime.services.parties.addAlert(
      t.councilId,
      party.id,
      { kind: 'vulnerable', reason: 'Lives with dementia; speak to her carer', reviewOn },
      context,
    );
    await t.runtime.services.parties.addAlert(
      t.councilId,
      party.id,
      {
        kind: 'other',
        reason: 'Supervisors only: open safeguarding enquiry',
        reviewOn,
        visibleTo: ['supervisor'],
      },
      context,
    );
    const created = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'pothole',
        channel: 'phone',
        partyId: party.id,
        location: { easting: 530_900, northing: 180_900 },
        answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
      },
      context,
    );
    const asOfficer = await get(officer, `/staff/cases/${created.body.id}`);
    expect(asOfficer.body).toMatch(
      /class="moj-alert moj-alert--warning" role="region" aria-label="Alert: Vulnerable person" data-test="party-alert"/,
    );
    expect(asOfficer.body).toContain('class="moj-alert__icon"');
    expect(asOfficer.body).toContain('Lives with dementia; speak to her carer');
    expect(asOfficer.body).not.toContain('open safeguarding enquiry');
    const asSupervisor = await get(supervisor, `/staff/cases/${created.body.id}`);
    expect(asSupervisor.body).toContain('Lives with dementia; speak to her carer');
    expect(asSupervisor.body).toContain('Supervisors only: open safeguarding enquiry');
    const form = await get(agent, `/staff/requests/new/missed-bin?partyId=${party.id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/aria-label="Alert: Vulnerable person" data-test="party-alert"/);
    expect(form.body).toContain('Lives with dementia; speak to her carer');
    expect(form.body).not.toContain('open safeguarding enquiry');
    // A request without a requester, and a requester without alerts, show none.
    expect((await get(officer, `/staff/cases/${caseId}`)).body).not.toContain('data-test="party-alert"');
  });

  it('bulk assigns selected rows to an officer', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await t.runtime.services.cases.create(
        t.councilId,
        {
          serviceCode: 'pothole',
          channel: 'web',
          location: { easting: 528_000 + i * 500, northing: 178_000 },
          answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
        },
        context,
      );
      ids.push(c.body.id);
    }
    const users = await t.runtime.services.governance.listUsers(t.councilId);
    const owen = users.find((u) => u.role === 'officer');
    const response = await post(
      supervisor,
      '/staff/queues/assign',
      { ids, assignTo: `officer:${owen?.id}`, returnTo: '/staff/queues?team=all' },
      '/staff/queues?team=all',
    );
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/staff/queues?team=all&done=2');
    // Assigning an officer keeps each request in its team; moving team is its own choice.
    const teams = await t.runtime.services.governance.listTeams(t.councilId);
    const highways = teams.find((x) => x.name === 'Highways and Street Lighting');
    for (const id of ids)
      expect((await t.runtime.services.cases.get(t.councilId, id)).record).toMatchObject({
        assigneeId: owen?.id,
        teamId: highways?.id,
      });
    const waste = teams.find((x) => x.name === 'Waste and Recycling');
    const moved = await post(
      supervisor,
      '/staff/queues/assign',
      { ids: [ids[0] ?? ''], assignTo: `team:${waste?.id}`, returnTo: '/staff/queues?team=all' },
      '/staff/queues?team=all',
    );
    expect(moved.statusCode).toBe(303);
    expect((await t.runtime.services.cases.get(t.councilId, ids[0] ?? '')).record).toMatchObject({
      assigneeId: null,
      teamId: waste?.id,
    });
    const done = await get(supervisor, '/staff/queues?team=all&done=2');
    expect(done.body).toContain('2 requests assigned');
    // The form comes back to the queue, not to the banner of the assignment just made.
    expect(done.body).toContain('name="returnTo" value="/staff/queues?team=all"');
    // The signed-in supervisor is offered as "Me", not also by name.
    const me = users.find((u) => u.role === 'supervisor');
    const assignTo =
      /<select class="govuk-select" id="assignTo"[\s\S]*?<\/select>/.exec(done.body)?.[0] ?? '';
    expect(assignTo).toContain('<option value="me">Me</option>');
    expect(assignTo).toContain(`value="officer:${owen?.id}"`);
    expect(assignTo).not.toContain(`value="officer:${me?.id}"`);
    // Pressing the button again with nothing ticked, from a page an older form sent back to the banner:
    // only the error shows.
    const none = await post(
      supervisor,
      '/staff/queues/assign',
      { assignTo: 'me', returnTo: '/staff/queues?team=all&done=2' },
      '/staff/queues?team=all&done=2',
    );
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Select at least one request');
    expect(none.body).not.toContain('requests assigned');
    expect(none.body).not.toContain('govuk-notification-banner--success');
  });

  it('shows supervisors queue sizes, SLA states, ageing and workload; agents may not see it', async () => {
    const dashboard = await get(supervisor, '/staff/supervisor');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('Waste and Recycling');
    expect(dashboard.body).toContain('Owen Officer');
    expect(dashboard.body).toContain('Workload by officer');
    // The demo seed's older open requests have run past their targets.
    const breached = Number(/data-test="total-breached">(\d+)</.exec(dashboard.body)?.[1]);
    expect(breached).toBeGreaterThan(0);
    expect((await get(agent, '/staff/supervisor')).statusCode).toBe(403);
  });

  it('adds closed work for a chosen period, links ageing and officer figures to the queue, and downloads each table', async () => {
    const figure = (html: string, test: string) =>
      Number(new RegExp(`data-test="${test}">([\\d.]+)`).exec(html)?.[1] ?? Number.NaN);
    const teamResolved = (html: string, team: string) =>
      Number(
        new RegExp(
          `data-test="resolved-row" data-team="${team}">[\\s\\S]*?data-test="team-resolved">(\\d+)<`,
        ).exec(html)?.[1] ?? 0,
      );
    const before = await get(supervisor, '/staff/supervisor');
    expect(before.body).toContain('Resolved in the last 7 days');
    expect(before.body).toContain('<option value="7" selected>Last 7 days</option>');
    const context = systemAuditContext(t.councilId, 'test');
    const made = await t.runtime.services.cases.create(
      t.councilId,
      {
        serviceCode: 'pothole',
        channel: 'phone',
        description: 'Resolved for the dashboard',
        location: { easting: 534_000, northing: 184_000 },
        answers: { where_on_road: 'carriageway', depth: 'shallow', damage_claim: false },
      },
      context,
    );
    await t.runtime.services.cases.changeStatus(
      t.councilId,
      made.body.id,
      { status: 'in_progress' },
      context,
    );
    await t.runtime.services.cases.changeStatus(
      t.councilId,
      made.body.id,
      { status: 'resolved', outcome: 'fixed' },
      context,
    );
    const { record } = await t.runtime.services.cases.get(t.councilId, made.body.id);
    const teamName = (await t.runtime.services.cases.directory(t.councilId)).teams.find(
      (team) => team.id === record.teamId,
    )?.name;
    expect(teamName).toBeTruthy();
    const after = await get(supervisor, '/staff/supervisor');
    expect(figure(after.body, 'total-resolved')).toBe(figure(before.body, 'total-resolved') + 1);
    expect(teamResolved(after.body, teamName ?? '')).toBe(teamResolved(before.body, teamName ?? '') + 1);
    // Resolved well inside its target: the met rate is a percentage, not a dash.
    expect(after.body).toMatch(/data-test="total-sla-met">\d+(\.\d)?%</);
    const month = await get(supervisor, '/staff/supervisor?days=28');
    expect(month.body).toContain('Resolved in the last 28 days');
    expect(figure(month.body, 'total-resolved')).toBeGreaterThanOrEqual(figure(after.body, 'total-resolved'));
    // An unknown period falls back to the default.
    expect((await get(supervisor, '/staff/supervisor?days=3650')).body).toContain(
      'Resolved in the last 7 days',
    );

    // Age buckets and officers' at-risk and breached counts open the queue behind them.
    const ageLink = /data-test="ageing-count"><a class="govuk-link" href="([^"]+)"/.exec(after.body)?.[1];
    expect(ageLink).toMatch(
      /^\/staff\/queues\?team=all&amp;status=open&amp;sort=submitted&amp;submitted(From|To)=/,
    );
    const queue = await get(supervisor, (ageLink ?? '').replace(/&amp;/g, '&'));
    expect(queue.statusCode).toBe(200);
    expect(queue.body).not.toContain('There is a problem');
    expect(after.body).toMatch(
      /href="\/staff\/queues\?team=all&amp;assignee=[0-9a-f-]{36}&amp;slaState=breached" data-test="officer-breached"/,
    );

    for (const table of ['teams', 'ageing', 'officers', 'resolved']) {
      expect(after.body).toContain(`/staff/supervisor/export.csv?table=${table}&amp;days=7`);
      const csv = await get(supervisor, `/staff/supervisor/export.csv?table=${table}&days=7`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
    }
    const resolvedCsv = (await get(supervisor, '/staff/supervisor/export.csv?table=resolved&days=7')).body;
    expect(resolvedCsv.split('\r\n')[0]).toBe(
      'Team,Resolved,With a due date,Resolved by the due date,SLA met',
    );
    expect(resolvedCsv).toContain(`All teams,${figure(after.body, 'total-resolved')},`);
    const ageingCsv = (await get(supervisor, '/staff/supervisor/export.csv?table=ageing')).body;
    expect(ageingCsv).toContain('0-2 days,');
    expect((await get(agent, '/staff/supervisor/export.csv?table=teams')).statusCode).toBe(403);
  });

  it('lists the party’s requests on their page and finds a request by reference from the header search', async () => {
    const party = await get(agent, `/staff/parties/${partyId}`);
    expect(party.body).toContain('data-test="party-requests"');
    expect(party.body).toContain(reference);
    expect(party.body).toContain('Raise a request');
    const search = await get(agent, `/staff/search?q=${encodeURIComponent(reference.toLowerCase())}`);
    expect(search.body).toContain(`/staff/cases/${caseId}`);
  });

  it('lets an agent raise a request from the caller’s record: find, answer (prefilled), check, submit once', async () => {
    const context = systemAuditContext(t.councilId, 'test');
    const found = await t.runtime.services.gazetteer.searchAddresses(t.councilId, 'High Street', 1);
    const home = found.results[0];
    if (!home) throw new Error('no demo address');
    const caller = await t.runtime.services.parties.createParty(
      t.councilId,
      {
        kind: 'person',
        givenName: 'Gwen',
        familyName: 'Morgan',
        address: { text: home.address ?? 'Home', uprn: String(home.uprn) },
      },
      context,
    );
    const finder = await get(agent, `/staff/requests/new?partyId=${caller.id}&q=bin+not+collected`);
    expect(finder.statusCode).toBe(200);
    expect(finder.body).toContain(`/staff/requests/new/missed-bin?partyId=${caller.id}`);
    const formUrl = `/staff/requests/new/missed-bin?partyId=${caller.id}`;
    const form = await get(agent, formUrl);
    expect(form.body).toContain(String(home.uprn));
    const missing = await post(
      agent,
      '/staff/requests/new/missed-bin',
      {
        partyId: caller.id,
        channel: 'phone',
        address: home.address ?? 'Home',
        'address-uprn': String(home.uprn),
      },
      formUrl,
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Select which bin was not collected');
    const yesterday = new Date(Date.now() - 86_400_000);
    const check = await post(
      agent,
      '/staff/requests/new/missed-bin',
      {
        partyId: caller.id,
        channel: 'phone',
        address: home.address ?? 'Home',
        'address-uprn': String(home.uprn),
        bin_type: 'recycling',
        put_out_time: 'yes',
        'collection_date-day': String(yesterday.getUTCDate()),
        'collection_date-month': String(yesterday.getUTCMonth() + 1),
        'collection_date-year': String(yesterday.getUTCFullYear()),
      },
      formUrl,
    );
    expect(check.statusCode, check.body.slice(0, 300)).toBe(200);
    expect(check.body).toContain('Check the answers with the caller');
    expect(check.body).toContain('Waste and Recycling');
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(check.body)?.[1] ?? '';
    const submit = { _answers: hidden('_answers'), _key: hidden('_key'), partyId: caller.id };
    const params = new URLSearchParams({ ...submit, _csrf: csrfFrom(check.body) });
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: '/staff/requests/new/missed-bin/submit',
        headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: params.toString(),
      });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(303);
    expect(again.headers.location).toBe(first.headers.location);
    const confirmation = await get(agent, String(first.headers.location));
    expect(confirmation.body).toContain('Request raised');
    // In words an agent can read out, not "Crockford letters".
    expect(confirmation.body).toContain('References never use the letters I, L, O or U');
    expect(confirmation.body).not.toContain('Crockford');
    const ref = /data-test="confirmation-reference">([^<]+)</.exec(confirmation.body)?.[1] ?? '';
    expect(ref).toMatch(/^GH-/);
    const record = await t.runtime.services.cases.get(t.councilId, ref);
    expect(record.record).toMatchObject({
      requesterPartyId: caller.id,
      uprn: home.uprn,
      channel: 'phone',
      ownerLabel: 'Amira Agent',
    });
  });
});
