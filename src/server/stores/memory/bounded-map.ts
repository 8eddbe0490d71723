/**
 * A Map whose entries expire and whose size is capped, so that an in-memory store cannot grow
 * without bound under a flood (the oldest entry is evicted first: Map keeps insertion order).
 */
export class BoundedExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #max: number;
  readonly #now: () => number;
  #sweepAt = 0;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.#max = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  set(key: string, value: V, ttlMs: number): void {
    const now = this.#now();
    this.#sweep(now);
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: now + ttlMs });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Returns and removes the entry in one step. */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.#entries.delete(key);
    return value;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Live entries, oldest first. */
  *values(): IterableIterator<V> {
    const now = this.#now();
    for (const e of this.#entries.values()) if (e.expiresAt > now) yield e.value;
  }

  /** Drops expired entries at most once a second (amortised, on writes). */
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + 1000;
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }
}
