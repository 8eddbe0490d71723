import { LRUCache } from 'lru-cache';
import type { Clock } from '../../clock.js';

/**
 * The capped, expiring map of the memory stores: lru-cache (already a dependency) on the injected
 * clock, so an in-memory store cannot grow without bound under a flood and tests move time
 * instead of sleeping. `ttlResolution: 0` reads the clock on every check (no cached "now").
 */
export function expiringCache<V extends {}>(maxEntries: number, clock: Clock): LRUCache<string, V> {
  return new LRUCache<string, V>({ max: maxEntries, ttlResolution: 0, perf: { now: () => clock.now() }, allowStale: false });
}
