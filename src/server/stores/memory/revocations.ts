import { randomInt } from 'node:crypto';
import { packRevocations } from '../../../client/packed-revocations.js';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { positionOf, positionOfSince } from '../revocation-order.js';
import type { RevocationEntry, RevocationPage, RevocationQuery, RevocationRecord, RevocationStore } from '../types.js';

interface Slot {
  position: string;
  record: RevocationRecord;
}

/**
 * Per-process denylist for the embedded default. Same semantics as the Redis store: idempotent
 * revoke, records leave at `exp`, a version that moves on every add or prune, and pages in the
 * order of `positionOf`. Capped so that a flood of revocations cannot exhaust memory (the
 * soonest-expiring record goes first). Nothing scans the whole set: the list order is an array
 * searched by bisection (removed slots are skipped, then compacted once they are half of it) and
 * expiry is a min-heap.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #records = new Map<string, Slot>();
  /** Every slot in list order, including removed ones not compacted yet. */
  #ordered: Slot[] = [];
  #removed = 0;
  readonly #byExp = new ExpiryHeap();
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
    if (existing) return { record: { ...existing.record }, created: false };
    const slot = { position: positionOf(record), record: { ...record } };
    this.#records.set(record.jti, slot);
    this.#ordered.splice(this.#firstAtOrAfter(slot.position), 0, slot); // usually an append
    this.#byExp.push(slot);
    if (this.#records.size > this.#max) this.#remove(this.#byExp.pop()!);
    this.#version++;
    return { record: { ...record }, created: true };
  }

  async isRevoked(jti: string): Promise<boolean> {
    const slot = this.#records.get(jti);
    return slot !== undefined && slot.record.exp > epochSeconds(this.#clock);
  }

  async list(query: RevocationQuery, ifVersion?: string): Promise<RevocationPage> {
    this.#prune();
    const version = String(this.#version);
    if (ifVersion === version) return { items: null, version, next: null, remaining: 0 };
    const floor = positionOfSince(query.since);
    let i = query.after !== undefined && query.after >= floor ? this.#firstAfter(query.after) : this.#firstAtOrAfter(floor);
    // Counts the slots of records removed since the last compaction too (at most as many again).
    const remaining = this.#ordered.length - i;
    const items: RevocationEntry[] = [];
    for (; i < this.#ordered.length && items.length < query.limit; i++) {
      const slot = this.#ordered[i]!;
      if (this.#records.get(slot.record.jti) !== slot) continue;
      const { jti, revokedAt, exp } = slot.record;
      items.push({ jti, revokedAt, exp });
    }
    const next = items.length === query.limit && i < this.#ordered.length ? this.#ordered[i - 1]!.position : null;
    if (!query.packed) return { items, version, next, remaining };
    const { packed, plain } = packRevocations(items);
    return { items: plain, packed, version, next, remaining };
  }

  #prune(): void {
    const now = epochSeconds(this.#clock);
    let removed = false;
    while (this.#byExp.peek() !== undefined && this.#byExp.peek()!.record.exp <= now) {
      this.#remove(this.#byExp.pop()!);
      removed = true;
    }
    if (removed) this.#version++;
  }

  #remove(slot: Slot): void {
    this.#records.delete(slot.record.jti);
    if (++this.#removed * 2 > this.#ordered.length) {
      this.#ordered = this.#ordered.filter((s) => this.#records.get(s.record.jti) === s);
      this.#removed = 0;
    }
  }

  #firstAtOrAfter(position: string): number {
    let lo = 0;
    let hi = this.#ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ordered[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #firstAfter(position: string): number {
    const i = this.#firstAtOrAfter(position);
    return i < this.#ordered.length && this.#ordered[i]!.position === position ? i + 1 : i;
  }
}

/** A binary min-heap of slots by `exp`. */
class ExpiryHeap {
  readonly #a: Slot[] = [];

  peek(): Slot | undefined {
    return this.#a[0];
  }

  push(slot: Slot): void {
    const a = this.#a;
    let i = a.push(slot) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.record.exp <= slot.record.exp) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = slot;
  }

  pop(): Slot | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const c = l + 1 < a.length && a[l + 1]!.record.exp < a[l]!.record.exp ? l + 1 : l;
      if (a[c]!.record.exp >= last.record.exp) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
