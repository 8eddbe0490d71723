import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { randomInt } from 'node:crypto';
import type { RevocationRecord, RevocationStore } from '../types.js';

/**
 * Per-process denylist for the embedded default. Same semantics as the Redis store: idempotent
 * revoke, records leave at `exp`, and a version that moves on every add or prune. Capped so that a
 * flood of revocations cannot exhaust memory (the soonest-expiring record goes first).
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #records = new Map<string, RevocationRecord>();
  readonly #max: number;
  readonly #clock: Clock;
  // Random start: a restarted process never reissues a version a poller already cached.
  #version = randomInt(2 ** 47);

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#max = options.maxEntries ?? 100_000;
    this.#clock = options.clock ?? systemClock;
  }

  async revoke(record: RevocationRecord): Promise<{ record: RevocationRecord; created: boolean }> {
    this.#prune();
    const existing = this.#records.get(record.jti);
    if (existing) return { record: { ...existing }, created: false };
    this.#records.set(record.jti, { ...record });
    if (this.#records.size > this.#max) {
      const soonest = [...this.#records.values()].reduce((a, b) => (b.exp < a.exp ? b : a));
      this.#records.delete(soonest.jti);
    }
    this.#version++;
    return { record: { ...record }, created: true };
  }

  async isRevoked(jti: string): Promise<boolean> {
    const r = this.#records.get(jti);
    return r !== undefined && r.exp > epochSeconds(this.#clock);
  }

  async list(since: number, ifVersion?: string): Promise<{ items: RevocationRecord[] | null; version: string }> {
    this.#prune();
    const version = String(this.#version);
    if (ifVersion === version) return { items: null, version };
    const items = [...this.#records.values()]
      .filter((r) => r.revokedAt >= since)
      .sort((a, b) => a.revokedAt - b.revokedAt || (a.jti < b.jti ? -1 : 1))
      .map((r) => ({ ...r }));
    return { items, version };
  }

  #prune(): void {
    const now = epochSeconds(this.#clock);
    let removed = false;
    for (const [jti, r] of this.#records) {
      if (r.exp <= now) {
        this.#records.delete(jti);
        removed = true;
      }
    }
    if (removed) this.#version++;
  }
}
