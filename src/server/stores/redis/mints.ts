import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import { MINT_CURSOR, MINT_KINDS, type MintPage, type MintQuery, type MintRecord, type MintStore } from '../types.js';
import { execOrThrow, redisCall } from './call.js';
import { redisScript } from './script.js';

/**
 * KEYS: 1 data (HASH id -> record JSON), 2 by-expiry (ZSET), 3 by-issue-order (ZSET, every kind),
 * 4-6 by-issue-order of one kind each (wallet, admin, service). ARGV[1]: now.
 * Drops expired entries (bounded per call) before anything else.
 */
const PRUNE = `
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
if #dead > 0 then
  redis.call('HDEL', KEYS[1], unpack(dead))
  for i = 2, 6 do redis.call('ZREM', KEYS[i], unpack(dead)) end
end
`;

/**
 * KEYS[7]: a counter. ARGV[2] id, [3] JSON, [4] expiresAt, [5] cap, [6] the index (4-6) of its kind.
 * The issue order is the counter's next value, so mints of the same millisecond (or from two
 * replicas) keep a strict order, and it is what a page cursor names. The oldest leave beyond the cap.
 */
const ADD = `${PRUNE}
local order = redis.call('INCR', KEYS[7])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
for i = 4, 6 do redis.call('ZREM', KEYS[i], ARGV[2]) end
redis.call('ZADD', KEYS[3], order, ARGV[2])
redis.call('ZADD', KEYS[tonumber(ARGV[6])], order, ARGV[2])
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[3], 0, over - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
  for i = 2, 6 do redis.call('ZREM', KEYS[i], unpack(old)) end
end
return 1
`;

/**
 * ARGV[2] limit, [3] the index to read (3: every kind, 4-6: one kind), [4] the highest order to
 * include ('+inf', or '(' and a cursor). Newest first; returns the records, then the next cursor
 * when more follow.
 */
const LIST = `${PRUNE}
local limit = tonumber(ARGV[2])
local rows = redis.call('ZREVRANGEBYSCORE', KEYS[tonumber(ARGV[3])], ARGV[4], '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local out = {}
local n = math.min(limit, #rows / 2)
for i = 1, n do
  local rec = redis.call('HGET', KEYS[1], rows[2 * i - 1])
  if rec then out[#out + 1] = rec end
end
if #rows / 2 > limit then out[#out + 1] = 'next:' .. rows[2 * n] end
return out
`;

/**
 * The mint audit in Redis: a hash of records indexed by sorted sets (expiry, for pruning; issue
 * order over every kind and per kind, for newest-first pages, the kind filter and the cap) and an
 * order counter. All keys share the `{mn}` hash tag.
 */
export class RedisMintStore implements MintStore {
  readonly #redis: RedisClient;
  readonly #clock: Clock;
  readonly #keys: string[];
  readonly #seq: string;
  readonly #cap: number;
  readonly #add: ReturnType<typeof redisScript>;
  readonly #list: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#redis = redis;
    this.#clock = options.clock ?? systemClock;
    const base = `${keyPrefix}mn:{mn}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}issued`, ...MINT_KINDS.map((k) => `${base}issued:${k}`)];
    this.#seq = `${base}seq`;
    this.#cap = options.maxEntries ?? 10_000;
    this.#add = redisScript(redis, ADD, 7);
    this.#list = redisScript(redis, LIST, 6);
  }

  async add(record: MintRecord): Promise<void> {
    const json = JSON.stringify(record);
    const index = 4 + MINT_KINDS.indexOf(record.kind);
    await redisCall(() => this.#add(...this.#keys, this.#seq, epochSeconds(this.#clock), record.id, json, record.expiresAt, this.#cap, index));
  }

  async list(query: MintQuery): Promise<MintPage> {
    if (query.limit <= 0) return { items: [] };
    if (query.cursor !== undefined && !MINT_CURSOR.test(query.cursor)) throw new TypeError('not a mint cursor');
    const index = query.kind ? 4 + MINT_KINDS.indexOf(query.kind) : 3;
    const from = query.cursor === undefined ? '+inf' : `(${query.cursor}`;
    const rows = (await redisCall(() => this.#list(...this.#keys, epochSeconds(this.#clock), query.limit, index, from))) as string[];
    const last = rows.at(-1);
    const next = last?.startsWith('next:') ? last.slice(5) : undefined;
    const items = (next === undefined ? rows : rows.slice(0, -1)).map((r) => JSON.parse(r) as MintRecord);
    return next === undefined ? { items } : { items, next };
  }

  async remove(id: string): Promise<void> {
    const [data, ...indexes] = this.#keys;
    let tx = this.#redis.multi().hdel(data!, id);
    for (const key of indexes) tx = tx.zrem(key, id);
    await redisCall(() =>
      tx.exec().then(execOrThrow),
    );
  }
}
