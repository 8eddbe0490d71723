import { systemClock, type Clock } from '../../clock.js';
import type { ChallengeBound, ChallengeRecord, ChallengeStore } from '../types.js';
import { expiringCache } from './expiring-cache.js';

/** Per-process challenge store: the embedded default and tests. Single-threaded, so consume is atomic. */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #map;
  /** Nonces of each bounded bucket, oldest first. */
  readonly #buckets;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    const clock = options.clock ?? systemClock;
    this.#map = expiringCache<ChallengeRecord>(options.maxEntries ?? 100_000, clock);
    this.#buckets = expiringCache<string[]>(options.maxEntries ?? 100_000, clock);
  }

  async put(record: ChallengeRecord, ttlSeconds: number, bound?: ChallengeBound): Promise<void> {
    this.#map.set(record.nonce, { ...record }, { ttl: ttlSeconds * 1000 });
    if (!bound) return;
    // The newest `max` issued stay consumable (spent ones count too, as in the Redis store).
    const nonces = this.#buckets.get(bound.bucket) ?? [];
    nonces.push(record.nonce);
    while (nonces.length > bound.max) this.#map.delete(nonces.shift()!);
    this.#buckets.set(bound.bucket, nonces, { ttl: ttlSeconds * 1000 });
  }

  async consume(nonce: string, _bucketHint?: string): Promise<ChallengeRecord | null> {
    const record = this.#map.get(nonce);
    this.#map.delete(nonce);
    return record ?? null;
  }
}
