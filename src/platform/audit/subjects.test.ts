import { describe, expect, it } from 'vitest';
import { type AuditSubjectProvider, auditSubjectIdFor, describeAuditSubjects } from './subjects.ts';

const PARTY_ID = '0193a4b2-1111-7000-8000-000000000001';

function fakeProvider(subjectType: string, calls: string[][]): AuditSubjectProvider {
  return {
    subjectType,
    async describe(_councilId, ids) {
      calls.push([...ids]);
      return new Map(ids.filter((id) => id !== 'gone').map((id) => [id, { label: `${subjectType} ${id}` }]));
    },
    async idForReference(_councilId, text) {
      return subjectType === 'party' && text.toUpperCase().replace(/-/g, '') === 'P9KEVX927'
        ? PARTY_ID
        : undefined;
    },
  };
}

describe('audit subjects', () => {
  it('asks each provider once for all of its ids on the page, and names only what it knows', async () => {
    const partyCalls: string[][] = [];
    const caseCalls: string[][] = [];
    const events = [
      { subjectType: 'party', subjectId: 'a' },
      { subjectType: 'party', subjectId: 'b' },
      { subjectType: 'party', subjectId: 'a' },
      { subjectType: 'case', subjectId: 'c' },
      { subjectType: 'case', subjectId: 'gone' },
      { subjectType: 'staff_user', subjectId: 'u' },
      { subjectType: null, subjectId: null },
    ];
    const described = await describeAuditSubjects(
      [fakeProvider('party', partyCalls), fakeProvider('case', caseCalls)],
      'council',
      events,
    );
    expect(partyCalls).toEqual([['a', 'b']]);
    expect(caseCalls).toEqual([['c', 'gone']]);
    expect(described.get('party:a')?.label).toBe('party a');
    expect(described.get('case:c')?.label).toBe('case c');
    expect(described.has('case:gone')).toBe(false);
    expect(described.has('staff_user:u')).toBe(false);
  });

  it('reads a uuid as it is, a reference as its record, and anything else as typed', async () => {
    const providers = [fakeProvider('case', []), fakeProvider('party', [])];
    expect(await auditSubjectIdFor(providers, 'council', PARTY_ID.toUpperCase())).toBe(PARTY_ID);
    expect(await auditSubjectIdFor(providers, 'council', ' p-9kev-x927 ')).toBe(PARTY_ID);
    expect(await auditSubjectIdFor(providers, 'council', 'pothole')).toBe('pothole');
  });
});
