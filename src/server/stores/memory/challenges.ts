import type { ChallengeBound, ChallengeRecord, ChallengeStore } from '../types.js';
import { BoundedExpiringMap } from './bounded-map.js';

/** Per-process challenge store: the embedded default and tests. Single-threaded, so consume is atomic. */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #map: BoundedExpiringMap<ChallengeRecord>;
  /** Nonces of each bounded bucket, oldest first. */
  readonly #buckets: BoundedExpiringMap<string[]>;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#map = new BoundedExpiringMap(options.maxEntries ?? 100_000, options.now);
    this.#buckets = new BoundedExpiringMap(options.maxEntries ?? 100_000, options.now);
  }

  async put(record: ChallengeRecord, ttlSeconds: number, bound?: ChallengeBound): Promise<void> {
    this.#map.set(record.nonce, { ...record }, ttlSeconds * 1000);
    if (!bound) return;
    // The newest `max` issued stay consumable (spent ones count too, as in the Redis store).
    const nonces = this.#buckets.get(bound.bucket) ?? [];
    nonces.push(record.nonce);
    while (nonces.length > bound.max) this.#map.delete(nonces.shift()!);
    this.#buckets.set(bound.bucket, nonces, ttlSeconds * 1000);
  }

  async consume(nonce: string): Promise<ChallengeRecord | null> {
    return this.#map.take(nonce) ?? null;
  }
}
