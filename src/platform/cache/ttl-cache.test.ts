import { describe, expect, it } from 'vitest';
import { ttlCache } from './ttl-cache.ts';

describe('ttlCache', () => {
  it('loads a key once for requests that arrive together, and again after the period', async () => {
    let clock = 0;
    const loads: string[] = [];
    const cache = ttlCache(
      1000,
      async (key: string) => {
        loads.push(key);
        return `${key}@${clock}`;
      },
      () => clock,
    );
    const together = await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    expect(together).toEqual(['a@0', 'a@0', 'a@0']);
    clock = 999;
    expect(await cache.get('a')).toBe('a@0');
    clock = 1000;
    expect(await cache.get('a')).toBe('a@1000');
    expect(loads).toEqual(['a', 'a']);
  });

  it('forgets a failed load, and a key on request', async () => {
    let fail = true;
    let loads = 0;
    const cache = ttlCache(60_000, async (key: string) => {
      loads++;
      if (fail) throw new Error('database unavailable');
      return key.toUpperCase();
    });
    await expect(cache.get('x')).rejects.toThrow('database unavailable');
    fail = false;
    expect(await cache.get('x')).toBe('X');
    cache.forget('x');
    expect(await cache.get('x')).toBe('X');
    expect(loads).toBe(3);
  });
});
