import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS, auditActionLabel } from './audit-actions.ts';

/** Every `action: 'area.verb'` (or a choice of them) the application writes. */
function actionsWritten(): Set<string> {
  const root = join(import.meta.dirname, '..', '..');
  const found = new Set<string>();
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      if (!/\baction: /.test(line)) continue;
      for (const m of line.matchAll(/'([a-z_]+\.[a-z_]+)'/g)) if (m[1]) found.add(m[1]);
    }
  }
  return found;
}

describe('audit actions in plain words', () => {
  it('has words for every action the code writes', () => {
    const written = actionsWritten();
    expect(written.size).toBeGreaterThan(50);
    expect([...written].filter((a) => !(a in AUDIT_ACTION_LABELS))).toEqual([]);
  });

  it('falls back to the code for an action without words', () => {
    expect(auditActionLabel('party.contact_point_removed')).toBe('Contact detail removed');
    expect(auditActionLabel('something.new')).toBe('something.new');
  });
});
