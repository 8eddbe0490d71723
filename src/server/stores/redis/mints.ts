import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import type { MintRecord, MintStore } from '../types.js';
import { execOrThrow, redisCall } from './call.js';
import { redisScript } from './script.js';

/**
 * KEYS: 1 data (HASH id -> record JSON), 2 by-expiry (ZSET), 3 by-issue-time (ZSET).
 * ARGV[1]: now. Drops expired entries (bounded per call) before anything else.
 */
const PRUNE = `
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
if #dead > 0 then
  redis.call('HDEL', KEYS[1], unpack(dead))
  redis.call('ZREM', KEYS[2], unpack(dead))
  redis.call('ZREM', KEYS[3], unpack(dead))
end
`;

/**
 * KEYS[4]: a counter. ARGV[2] id, [3] JSON, [4] expiresAt, [5] cap. The issue order is the counter's
 * next value, so mints of the same millisecond (or from two replicas) keep a strict order.
 * The oldest mints leave beyond the cap.
 */
const ADD = `${PRUNE}
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[2])
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[3], 0, over - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('ZREM', KEYS[3], unpack(old))
end
return 1
`;

/** ARGV[2] limit. Newest first. */
const LIST = `${PRUNE}
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[2]) - 1)) do
  local rec = redis.call('HGET', KEYS[1], id)
  if rec then out[#out + 1] = rec end
end
return out
`;

/**
 * The mint audit in Redis: a hash of records indexed by two sorted sets (expiry, for pruning;
 * issue order, for newest-first and the cap) and an order counter. All keys share the `{mn}` hash tag.
 */
export class RedisMintStore implements MintStore {
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #keys: [string, string, string];
  readonly #seq: string;
  readonly #cap: number;
  readonly #add: ReturnType<typeof redisScript>;
  readonly #list: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#redis = redis;
    this.#clock = options.clock ?? systemClock;
    const base = `${keyPrefix}mn:{mn}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}issued`];
    this.#seq = `${base}seq`;
    this.#cap = options.maxEntries ?? 10_000;
    this.#add = redisScript(redis, ADD, 4);
    this.#list = redisScript(redis, LIST, 3);
  }

  async add(record: MintRecord): Promise<void> {
    const json = JSON.stringify(record);
    await redisCall(() => this.#add(...this.#keys, this.#seq, epochSeconds(this.#clock), record.id, json, record.expiresAt, this.#cap));
  }

  async list(limit: number): Promise<MintRecord[]> {
    if (limit <= 0) return [];
    const rows = (await redisCall(() => this.#list(...this.#keys, epochSeconds(this.#clock), limit))) as string[];
    return rows.map((r) => JSON.parse(r) as MintRecord);
  }

  async remove(id: string): Promise<void> {
    const [data, exp, issued] = this.#keys;
    await redisCall(() =>
      this.#redis
        .multi()
        .hdel(data, id)
        .zrem(exp, id)
        .zrem(issued, id)
        .exec()
        .then(execOrThrow),
    );
  }
}

