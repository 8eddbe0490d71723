import { randomInt } from 'node:crypto';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import type { RevocationRecord, RevocationStore } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/**
 * Shared by both scripts. KEYS: 1 data (HASH jti -> record JSON), 2 by-exp (ZSET), 3 by-revoked-at
 * (ZSET), 4 version (counter). ARGV[1]: a random seed for a missing version key, so that a lost
 * or flushed Redis never reissues a version a poller has cached; ARGV[2]: now (epoch seconds).
 * Pruning is bounded per call (500) to keep the script short; the rest goes on the next call.
 */
const COMMON = `
local function bump()
  if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('SET', KEYS[4], ARGV[1]) end
  redis.call('INCR', KEYS[4])
  -- GET, not tostring(): Lua would print a large counter in exponent notation.
  return redis.call('GET', KEYS[4])
end
local function prune()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, 500)
  if #dead == 0 then return end
  redis.call('HDEL', KEYS[1], unpack(dead))
  redis.call('ZREM', KEYS[2], unpack(dead))
  redis.call('ZREM', KEYS[3], unpack(dead))
  bump()
end
prune()
`;

/** ARGV[3] jti, [4] exp, [5] revokedAt, [6] record JSON. Returns {created, record JSON}. */
const REVOKE = `${COMMON}
local existing = redis.call('HGET', KEYS[1], ARGV[3])
if existing then return {0, existing} end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
bump()
return {1, ARGV[6]}
`;

/** ARGV[3] since, [4] the caller's version (or ''). Returns {version} when unchanged, else {version, records...}. */
const LIST = `${COMMON}
local v = redis.call('GET', KEYS[4])
if not v then v = bump() end
if v == ARGV[4] then return {v} end
local out = {v, 'items'}
for _, jti in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[3], '+inf')) do
  local rec = redis.call('HGET', KEYS[1], jti)
  if rec then out[#out + 1] = rec end
end
return out
`;

type Stored = [string, number, number, string | null, string];

/**
 * Revocations in Redis: one hash of records plus two sorted sets (by expiry, for pruning; by
 * revocation time, for `?since=`), and a version counter bumped in the same script as every change.
 * Every key shares the `{rv}` hash tag, so each script runs on one Cluster slot.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #keys: [string, string, string, string];
  readonly #revoke: ReturnType<typeof redisScript>;
  readonly #list: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, clock: Clock = systemClock) {
    this.#redis = redis;
    this.#clock = clock;
    const base = `${keyPrefix}rv:{rv}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}time`, `${base}ver`];
    this.#revoke = redisScript(redis, REVOKE, 4);
    this.#list = redisScript(redis, LIST, 4);
  }

  async revoke(record: RevocationRecord): Promise<{ record: RevocationRecord; created: boolean }> {
    const json = JSON.stringify([record.jti, record.revokedAt, record.exp, record.reason, record.revokedBy] satisfies Stored);
    const [created, stored] = (await redisCall(() =>
      this.#revoke(...this.#keys, seed(), epochSeconds(this.#clock), record.jti, record.exp, record.revokedAt, json),
    )) as [number, string];
    return { record: decode(stored), created: created === 1 };
  }

  async isRevoked(jti: string): Promise<boolean> {
    const exp = await redisCall(() => this.#redis.zscore(this.#keys[1], jti));
    return exp !== null && Number(exp) > epochSeconds(this.#clock);
  }

  async list(since: number, ifVersion?: string): Promise<{ items: RevocationRecord[] | null; version: string }> {
    const reply = (await redisCall(() => this.#list(...this.#keys, seed(), epochSeconds(this.#clock), since, ifVersion ?? ''))) as string[];
    const [version, marker, ...records] = reply;
    if (marker === undefined) return { items: null, version: version! };
    return { items: records.map(decode), version: version! };
  }
}

const seed = () => randomInt(2 ** 47);

function decode(json: string): RevocationRecord {
  const [jti, revokedAt, exp, reason, revokedBy] = JSON.parse(json) as Stored;
  return { jti, revokedAt, exp, reason, revokedBy };
}
