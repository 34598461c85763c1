/**
 * A small time-limited cache for reference data that changes rarely (service definitions, teams,
 * wards) on hot paths. Each key is loaded once per period however many requests ask at the same
 * moment (they share the one load), and a failed load is forgotten so the next request tries again.
 */
export interface TtlCache<K, V> {
  get(key: K): Promise<V>;
  /** Forgets one key (after a change through this process), or all. */
  forget(key?: K): void;
}

export function ttlCache<K, V>(
  ttlMs: number,
  load: (key: K) => Promise<V>,
  clock: () => number = Date.now,
): TtlCache<K, V> {
  const entries = new Map<K, { at: number; value: Promise<V> }>();
  return {
    get(key) {
      const at = clock();
      const hit = entries.get(key);
      if (hit && at - hit.at < ttlMs) return hit.value;
      const value = load(key);
      entries.set(key, { at, value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    forget(key) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    },
  };
}
