import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { MintRecord, MintStore } from '../types.js';

/** Per-process mint audit for the embedded default: same semantics as the Redis store. */
export class MemoryMintStore implements MintStore {
  readonly #records = new Map<string, MintRecord>();
  readonly #max: number;
  readonly #clock: Clock;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#max = options.maxEntries ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  async add(record: MintRecord): Promise<void> {
    this.#prune();
    this.#records.delete(record.id);
    this.#records.set(record.id, { ...record });
    // Map keeps insertion order, so the first key is the oldest mint.
    while (this.#records.size > this.#max) this.#records.delete(this.#records.keys().next().value!);
  }

  async list(limit: number): Promise<MintRecord[]> {
    this.#prune();
    // Reversed insertion order first, so mints of the same second list newest first too.
    return [...this.#records.values()]
      .reverse()
      .sort((a, b) => b.issuedAt - a.issuedAt)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async remove(id: string): Promise<void> {
    this.#records.delete(id);
  }

  #prune(): void {
    const now = epochSeconds(this.#clock);
    for (const [id, r] of this.#records) if (r.expiresAt <= now) this.#records.delete(id);
  }
}
