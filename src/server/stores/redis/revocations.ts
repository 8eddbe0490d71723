import { randomInt } from 'node:crypto';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import { digitsAt, packPosition, PACKED_RECORD_BYTES } from '../../../client/packed-revocations.js';
import { positionOf, positionOfSince, readPosition } from '../revocation-order.js';
import type { RevocationEntry, RevocationPage, RevocationQuery, RevocationRecord, RevocationStore } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/** Positions read per Redis command: ~0.2-0.3 ms of Redis time at 1M records (bench/REVOCATION.md; 2000 per command was tried: 6.8 ms longest, over the 5 ms goal). */
const READ_BATCH = 1000;

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
    let version: string;
    let unmigrated: number;
    // Once per deployment: records an earlier version wrote join the positions set, 100 per call,
    // before the list is read.
    do [version, unmigrated] = (await redisCall(() => this.#version(...this.#keys, seed(), t))) as [string, number];
    while (unmigrated > 0);
    if (ifVersion === version) return { items: null, version, next: null };
    const floor = positionOfSince(query.since);
    let start: string | Buffer = query.after !== undefined && query.after >= floor ? `(${query.after}` : `[${floor}`;
    const items: RevocationEntry[] = [];
    // Positions are read as bytes; in the packed form the records that pack are written straight
    // into the page: no string and no object per record (the service's cost of a 1M-record load).
    const packed = query.packed ? Buffer.allocUnsafe(query.limit * PACKED_RECORD_BYTES) : undefined;
    let n = 0; // records in the page, in either form
    let o = 0; // bytes written to `packed`
    const done = (next: string | null): RevocationPage => (packed ? { items, packed: packed.subarray(0, o), version, next } : { items, version, next });
    // Expired records not pruned yet are skipped; the scan stops after a bounded number of them.
    let budget = query.limit * 2 + READ_BATCH;
    let last: Buffer | undefined;
    while (n < query.limit && budget > 0) {
      const want = Math.min(READ_BATCH, query.limit - n);
      const batch = await redisCall(() => this.#redis.zrangebylexBuffer(this.#keys[2], start, '+', 'LIMIT', 0, want));
      for (const p of batch) {
        if (packed && digitsAt(p, 12, 11) > t && packPosition(p, packed, o)) {
          o += PACKED_RECORD_BYTES;
          n++;
          continue;
        }
        const entry = readPosition(p.toString());
        if (entry !== undefined && entry.exp > t) {
          items.push(entry);
          n++;
        }
      }
      if (batch.length < want) return done(null);
      budget -= batch.length;
      last = batch[batch.length - 1]!;
      start = Buffer.concat([OPEN, last]);
    }
    return done(last === undefined ? null : last.toString());
  }
}

/** The exclusive-start marker of ZRANGEBYLEX. */
const OPEN = Buffer.from('(');

const seed = () => randomInt(2 ** 47);

function decode(json: string): RevocationRecord {
  const [jti, revokedAt, exp, reason, revokedBy] = JSON.parse(json) as Stored;
  return { jti, revokedAt, exp, reason, revokedBy };
}
