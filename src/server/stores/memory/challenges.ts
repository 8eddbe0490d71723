import { systemClock, type Clock } from '../../clock.js';
import type { ChallengeRecord, ChallengeStore } from '../types.js';
import { expiringCache } from './expiring-cache.js';

/** Per-process challenge store: the embedded default and tests. Single-threaded, so consume is atomic. */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #map;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#map = expiringCache<ChallengeRecord>(options.maxEntries ?? 100_000, options.clock ?? systemClock);
  }

  async put(record: ChallengeRecord, ttlSeconds: number): Promise<void> {
    this.#map.set(record.nonce, { ...record }, { ttl: ttlSeconds * 1000 });
  }

  async consume(nonce: string): Promise<ChallengeRecord | null> {
    const record = this.#map.get(nonce);
    this.#map.delete(nonce);
    return record ?? null;
  }
}
