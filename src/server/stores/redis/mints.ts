import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import { MINT_CURSOR, MINT_KINDS, type MintPage, type MintQuery, type MintRecord, type MintStore } from '../types.js';
import { redisCall } from './call.js';
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
 * One batch of the audit. KEYS[7]: a counter. ARGV[2] cap, [3] the number of adds, then per add id,
 * JSON, expiresAt and the index (4-6) of its kind; then the ids to remove. The issue order is the
 * counter's next value, so mints of the same millisecond (or from two replicas) keep a strict
 * order, and it is what a page cursor names. The oldest leave beyond the cap.
 */
const WRITE = `${PRUNE}
local adds = tonumber(ARGV[3])
for i = 0, adds - 1 do
  local id, json, exp, kind = ARGV[4 + i * 4], ARGV[5 + i * 4], ARGV[6 + i * 4], tonumber(ARGV[7 + i * 4])
  local order = redis.call('INCR', KEYS[7])
  redis.call('HSET', KEYS[1], id, json)
  redis.call('ZADD', KEYS[2], exp, id)
  for k = 4, 6 do redis.call('ZREM', KEYS[k], id) end
  redis.call('ZADD', KEYS[3], order, id)
  redis.call('ZADD', KEYS[kind], order, id)
end
for i = 4 + adds * 4, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  for k = 2, 6 do redis.call('ZREM', KEYS[k], ARGV[i]) end
end
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[2])
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
 * order counter. All keys share the `{mn}` hash tag (one Cluster slot: the order and the cap need
 * one place); the audit module batches its writes (audit/mint-audit.ts), so that slot sees one
 * script call per batch, not one per sign-in.
 */
export class RedisMintStore implements MintStore {
  readonly #clock: Clock;
  readonly #keys: string[];
  readonly #seq: string;
  readonly #cap: number;
  readonly #write: ReturnType<typeof redisScript>;
  readonly #list: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    const base = `${keyPrefix}mn:{mn}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}issued`, ...MINT_KINDS.map((k) => `${base}issued:${k}`)];
    this.#seq = `${base}seq`;
    this.#cap = options.maxEntries ?? 10_000;
    this.#write = redisScript(redis, WRITE, 7);
    this.#list = redisScript(redis, LIST, 6);
  }

  async add(record: MintRecord): Promise<void> {
    await this.write({ add: [record], remove: [] });
  }

  async write(batch: { add: MintRecord[]; remove: string[] }): Promise<void> {
    if (batch.add.length === 0 && batch.remove.length === 0) return;
    const adds = batch.add.flatMap((r) => [r.id, JSON.stringify(r), r.expiresAt, 4 + MINT_KINDS.indexOf(r.kind)]);
    await redisCall(() => this.#write(...this.#keys, this.#seq, epochSeconds(this.#clock), this.#cap, batch.add.length, ...adds, ...batch.remove));
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
    await this.write({ add: [], remove: [id] });
  }
}
