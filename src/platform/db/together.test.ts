import { describe, expect, it } from 'vitest';
import { uuidV7 } from './together.ts';

describe('ids made in Node (bulk loads, one-statement writes)', () => {
  it('are version 7 UUIDs that start with the time they were made, and differ', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => uuidV7());
    const after = Date.now();
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = Number.parseInt(id.replace('-', '').slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
    expect(new Set(ids).size).toBe(1000);
  });
});
