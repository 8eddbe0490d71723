import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { MINT_CURSOR, type MintPage, type MintQuery, type MintRecord, type MintStore } from '../types.js';

/** Per-process mint audit for the embedded default: same semantics as the Redis store. */
export class MemoryMintStore implements MintStore {
  /** In issue order (Map keeps insertion order), each with its order number: what a cursor names. */
  readonly #records = new Map<string, { order: number; record: MintRecord }>();
  readonly #max: number;
  readonly #clock: Clock;
  #order = 0;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#max = options.maxEntries ?? 10_000;
    this.#clock = options.clock ?? systemClock;
  }

  async add(record: MintRecord): Promise<void> {
    this.#prune();
    this.#records.delete(record.id);
    this.#records.set(record.id, { order: ++this.#order, record: { ...record } });
    while (this.#records.size > this.#max) this.#records.delete(this.#records.keys().next().value!);
  }

  async write(batch: { add: MintRecord[]; remove: string[] }): Promise<void> {
    for (const record of batch.add) await this.add(record);
    for (const id of batch.remove) await this.remove(id);
  }

  async list(query: MintQuery): Promise<MintPage> {
    if (query.limit <= 0) return { items: [] };
    if (query.cursor !== undefined && !MINT_CURSOR.test(query.cursor)) throw new TypeError('not a mint cursor');
    this.#prune();
    const before = query.cursor === undefined ? Infinity : Number(query.cursor);
    const page: { order: number; record: MintRecord }[] = [];
    for (const entry of [...this.#records.values()].reverse()) {
      if (entry.order >= before || (query.kind && entry.record.kind !== query.kind)) continue;
      page.push(entry);
      if (page.length > query.limit) break;
    }
    const items = page.slice(0, query.limit).map((e) => ({ ...e.record }));
    return page.length > query.limit ? { items, next: String(page[query.limit - 1]!.order) } : { items };
  }

  async remove(id: string): Promise<void> {
    this.#records.delete(id);
  }

  #prune(): void {
    const now = epochSeconds(this.#clock);
    for (const [id, e] of this.#records) if (e.record.expiresAt <= now) this.#records.delete(id);
  }
}
