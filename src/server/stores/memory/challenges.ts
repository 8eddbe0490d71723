import type { ChallengeRecord, ChallengeStore } from '../types.js';
import { BoundedExpiringMap } from './bounded-map.js';

/** Per-process challenge store: the embedded default and tests. Single-threaded, so consume is atomic. */
export class MemoryChallengeStore implements ChallengeStore {
  readonly #map: BoundedExpiringMap<ChallengeRecord>;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#map = new BoundedExpiringMap(options.maxEntries ?? 100_000, options.now);
  }

  async put(record: ChallengeRecord, ttlSeconds: number): Promise<void> {
    this.#map.set(record.nonce, { ...record }, ttlSeconds * 1000);
  }

  async consume(nonce: string): Promise<ChallengeRecord | null> {
    return this.#map.take(nonce) ?? null;
  }
}
