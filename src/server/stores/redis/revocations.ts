import { randomInt } from 'node:crypto';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import { packPosition, PACKED_RECORD_BYTES } from '../../../client/packed-revocations.js';
import { positionOf, positionOfSince, readPosition } from '../revocation-order.js';
import type { RevocationEntry, RevocationPage, RevocationQuery, RevocationRecord, RevocationStore } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/** Positions read per Redis command: ~0.2-0.3 ms of Redis time at 1M records (bench/REVOCATION.md; 2000 per command was tried: 6.8 ms longest, over the 5 ms goal). */
const READ_BATCH = 1000;
/** Positions read per step (two round trips): a 10k page and the position after it. */
const STEP_POSITIONS = 10_001;

/**
 * Shared by both scripts. KEYS: 1 data (HASH jti -> record JSON), 2 by-exp (ZSET jti by exp),
 * 3 positions (ZSET, every score 0, members ordered by `positionOf`), 4 version (counter),
 * 5 the by-revocation-time ZSET of earlier versions (migrated, then gone). ARGV[1]: a random seed
 * for a missing version key, so that a lost or flushed Redis never reissues a version a poller has
 * cached; ARGV[2]: now (epoch seconds). Every step is bounded (200 pruned, 100 migrated per call),
 * so no script's cost grows with the list; what is left goes on the next call.
 */
const COMMON = `
local function bump()
  if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('SET', KEYS[4], ARGV[1]) end
  redis.call('INCR', KEYS[4])
  -- GET, not tostring(): Lua would print a large counter in exponent notation.
  return redis.call('GET', KEYS[4])
end
local function position(json)
  local r = cjson.decode(json)
  return string.format('%011d:%011d:%s', r[2], r[3], r[1])
end
local function prune()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, 200)
  if #dead == 0 then return end
  local records = redis.call('HMGET', KEYS[1], unpack(dead))
  local positions = {}
  for i = 1, #records do
    if records[i] then positions[#positions + 1] = position(records[i]) end
  end
  if #positions > 0 then redis.call('ZREM', KEYS[3], unpack(positions)) end
  redis.call('HDEL', KEYS[1], unpack(dead))
  redis.call('ZREM', KEYS[2], unpack(dead))
  bump()
end
local function migrate()
  local old = redis.call('ZPOPMIN', KEYS[5], 100)
  if #old == 0 then return end
  for i = 1, #old, 2 do
    local json = redis.call('HGET', KEYS[1], old[i])
    if json then redis.call('ZADD', KEYS[3], 0, position(json)) end
  end
  bump()
end
prune()
migrate()
`;

/** ARGV[3] jti, [4] exp, [5] position, [6] record JSON. Returns {created, record JSON}. */
const REVOKE = `${COMMON}
local existing = redis.call('HGET', KEYS[1], ARGV[3])
if existing then return {0, existing} end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[5])
bump()
return {1, ARGV[6]}
`;

/** Returns {version, records of the earlier layout still to migrate} (after the bounded steps). */
const VERSION = `${COMMON}
local v = redis.call('GET', KEYS[4])
if not v then v = bump() end
return {v, redis.call('ZCARD', KEYS[5])}
`;

type Stored = [string, number, number, string | null, string];

/**
 * Revocations in Redis: one hash of records, a sorted set by expiry (pruning, `isRevoked`), a
 * sorted set of list positions read in bounded `ZRANGEBYLEX … LIMIT` pages, and a version counter
 * bumped in the same script as every change. Every key shares the `{rv}` hash tag, so each script
 * runs on one Cluster slot.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #keys: [string, string, string, string, string];
  readonly #revoke: ReturnType<typeof redisScript>;
  readonly #version: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, clock: Clock = systemClock) {
    this.#redis = redis;
    this.#clock = clock;
    const base = `${keyPrefix}rv:{rv}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}pos`, `${base}ver`, `${base}time`];
    this.#revoke = redisScript(redis, REVOKE, 5);
    this.#version = redisScript(redis, VERSION, 5);
  }

  async revoke(record: RevocationRecord): Promise<{ record: RevocationRecord; created: boolean }> {
    const json = JSON.stringify([record.jti, record.revokedAt, record.exp, record.reason, record.revokedBy] satisfies Stored);
    const [created, stored] = (await redisCall(() =>
      this.#revoke(...this.#keys, seed(), epochSeconds(this.#clock), record.jti, record.exp, positionOf(record), json),
    )) as [number, string];
    return { record: decode(stored), created: created === 1 };
  }

  async isRevoked(jti: string): Promise<boolean> {
    const exp = await redisCall(() => this.#redis.zscore(this.#keys[1], jti));
    return exp !== null && Number(exp) > epochSeconds(this.#clock);
  }

  async list(query: RevocationQuery, ifVersion?: string): Promise<RevocationPage> {
    const t = epochSeconds(this.#clock);
    const floor = positionOfSince(query.since);
    const from = Buffer.from(query.after !== undefined && query.after >= floor ? `(${query.after}` : `[${floor}`);
    const readVersion = () => redisCall(() => this.#version(...this.#keys, seed(), t)) as Promise<[string, number]>;
    const versioned = readVersion();
    // A page after the first carries no If-None-Match: its first read is sent with the version step
    // (one round trip; Redis runs it after the step's pruning). A conditional request reads nothing
    // until the version says it must.
    let first = ifVersion === undefined ? this.#firstRead(from, Math.min(query.limit + 1, READ_BATCH)) : undefined;
    let [version, unmigrated] = await versioned;
    // Once per deployment: records an earlier version wrote join the positions set, 100 per call,
    // before the list is read (a read sent meanwhile may have missed some: it is dropped).
    while (unmigrated > 0) {
      first = undefined;
      [version, unmigrated] = await readVersion();
    }
    if (ifVersion === version) return { items: null, version, next: null, remaining: 0 };
    const page = new PageBuilder(query.limit, query.packed === true, t);
    let start = from;
    // Expired records not pruned yet are skipped; the scan stops after a bounded number of them.
    let budget = query.limit * 2 + READ_BATCH;
    while (budget > 0) {
      const step = await this.#readStep(start, page.room + 1, first);
      page.remaining ??= step.remaining;
      first = undefined;
      budget -= step.read;
      if (page.add(step.positions) === 'full') return page.done(version, page.last!.toString());
      if (step.ended) return page.done(version, null);
      start = Buffer.concat([OPEN, page.last!]);
    }
    return page.done(version, page.last === undefined ? null : page.last.toString());
  }

  /** A step's first read: the rank of `start` (positions before it), the set's size, and up to `count` positions from it. */
  #firstRead(start: Buffer, count: number): Promise<[number, number, Buffer[]]> {
    const pos = this.#keys[2];
    const before = Buffer.from(start); // `(x` -> `[x` (up to and including x); `[x` -> `(x`
    before[0] = start[0] === OPEN[0] ? CLOSED[0]! : OPEN[0]!;
    const read = redisCall(() => Promise.all([this.#redis.zlexcount(pos, '-', before), this.#redis.zcard(pos), this.#redis.zrangebylexBuffer(pos, start, '+', 'LIMIT', 0, count)]));
    read.catch(() => {}); // awaited by #readStep; a rejection before then is not unhandled
    return read;
  }

  /**
   * Up to `want` positions from `start`, in two round trips whatever `want` (≤ STEP_POSITIONS): a
   * bounded `ZRANGEBYLEX … LIMIT 0 1000` together with the rank of `start`, then the rest as bounded
   * `ZRANGE <rank> <rank+999>` reads sent together. Each read overlaps the one before by one
   * position and is kept only if that position is the one the read before ended with: a read is
   * then the run of positions that followed it at that moment, exactly what a sequential cursor read
   * would have seen. A write that moved the ranks in between (an insert or prune before them) makes
   * the overlap differ: the step ends there, and the next step starts again from the last position
   * kept (ZRANGEBYLEX), so nothing is skipped or repeated.
   */
  async #readStep(start: Buffer, want: number, first?: Promise<[number, number, Buffer[]]>): Promise<{ positions: Buffer[][]; read: number; ended: boolean; remaining: number }> {
    want = Math.min(want, STEP_POSITIONS);
    const firstCount = Math.min(READ_BATCH, want); // what `first` was sent with, too
    const [rank, size, head] = await (first ?? this.#firstRead(start, firstCount));
    const positions = [head];
    const remaining = Math.max(size - rank, head.length);
    let read = head.length;
    if (head.length < firstCount) return { positions, read, ended: true, remaining };
    // Stream indices 0..last; index `size - rank` is one past the end as Redis saw it: reading up to
    // it tells the end of the list from a page that merely filled.
    const last = Math.min(want - 1, size - rank);
    const ranges: [number, number][] = [];
    for (let lo = READ_BATCH - 1; lo < last; lo += READ_BATCH - 1) ranges.push([lo, Math.min(lo + READ_BATCH - 1, last)]);
    if (ranges.length === 0) return { positions, read, ended: false, remaining };
    const batches = await redisCall(() => Promise.all(ranges.map(([lo, hi]) => this.#redis.zrangeBuffer(this.#keys[2], rank + lo, rank + hi))));
    let prev = head;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      read += batch.length;
      if (batch.length === 0 || !batch[0]!.equals(prev[prev.length - 1]!)) return { positions, read, ended: false, remaining };
      positions.push(batch.length > 1 ? batch.slice(1) : []);
      if (batch.length < ranges[i]![1] - ranges[i]![0] + 1) return { positions, read, ended: true, remaining };
      prev = batch;
    }
    return { positions, read, ended: false, remaining };
  }
}

/**
 * The page being filled: live positions, packed where they pack (no string and no object per
 * record: the service's cost of a 1M-record load), the rest read plain; expired ones not pruned
 * yet are skipped.
 */
class PageBuilder {
  readonly #limit: number;
  readonly #t: number;
  readonly #items: RevocationEntry[] = [];
  readonly #packed: Buffer | undefined;
  #n = 0; // records in the page, in either form
  #o = 0; // bytes written to #packed
  /** The last position taken into the page or skipped (the cursor of the next page). */
  last: Buffer | undefined;
  /** The positions from the page's start to the end of the list, as its first read saw them. */
  remaining: number | undefined;

  constructor(limit: number, packed: boolean, t: number) {
    this.#limit = limit;
    this.#t = t;
    this.#packed = packed ? Buffer.allocUnsafe(limit * PACKED_RECORD_BYTES) : undefined;
  }

  get room(): number {
    return this.#limit - this.#n;
  }

  /** Takes positions in order until the page is full; 'full' when a position is left after it (more follow). */
  add(runs: Buffer[][]): 'full' | 'more' {
    const packed = this.#packed;
    const t = this.#t;
    for (const run of runs) {
      for (const p of run) {
        if (this.#n === this.#limit) return 'full';
        this.last = p;
        if (packed && packPosition(p, packed, this.#o)) {
          if (packed.readUInt32BE(this.#o + 20) > t) {
            this.#o += PACKED_RECORD_BYTES;
            this.#n++;
          }
          continue;
        }
        const entry = readPosition(p.toString());
        if (entry !== undefined && entry.exp > t) {
          this.#items.push(entry);
          this.#n++;
        }
      }
    }
    return 'more';
  }

  done(version: string, next: string | null): RevocationPage {
    const items = this.#items;
    const remaining = this.remaining ?? 0;
    return this.#packed ? { items, packed: this.#packed.subarray(0, this.#o), version, next, remaining } : { items, version, next, remaining };
  }
}

/** The exclusive and inclusive start markers of ZRANGEBYLEX. */
const OPEN = Buffer.from('(');
const CLOSED = Buffer.from('[');

const seed = () => randomInt(2 ** 47);

function decode(json: string): RevocationRecord {
  const [jti, revokedAt, exp, reason, revokedBy] = JSON.parse(json) as Stored;
  return { jti, revokedAt, exp, reason, revokedBy };
}
