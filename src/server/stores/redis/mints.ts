import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import type { MintRecord, MintStore } from '../types.js';
import { redisCall } from './call.js';
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
 * One batch of the audit: KEYS[4] a counter. ARGV[2] cap, [3] the number of adds, then per add
 * id, JSON, expiresAt; then the ids to remove. The issue order is the counter's next value, so mints
 * of the same millisecond (or from two replicas) keep a strict order; the oldest leave beyond the cap.
 */
const WRITE = `${PRUNE}
local adds = tonumber(ARGV[3])
for i = 0, adds - 1 do
  local id, json, exp = ARGV[4 + i * 3], ARGV[5 + i * 3], ARGV[6 + i * 3]
  redis.call('HSET', KEYS[1], id, json)
  redis.call('ZADD', KEYS[2], exp, id)
  redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), id)
end
for i = 4 + adds * 3, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[2])
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
 * issue order, for newest-first and the cap) and an order counter. All keys share the `{mn}` hash
 * tag (one Cluster slot: the order and the cap need one place); the audit module batches its
 * writes (audit/mint-audit.ts), so that slot sees one script call per batch, not one per sign-in.
 */
export class RedisMintStore implements MintStore {
  readonly #clock: Clock;
  readonly #keys: [string, string, string];
  readonly #seq: string;
  readonly #cap: number;
  readonly #write: ReturnType<typeof redisScript>;
  readonly #list: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string, options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    const base = `${keyPrefix}mn:{mn}:`;
    this.#keys = [`${base}data`, `${base}exp`, `${base}issued`];
    this.#seq = `${base}seq`;
    this.#cap = options.maxEntries ?? 10_000;
    this.#write = redisScript(redis, WRITE, 4);
    this.#list = redisScript(redis, LIST, 3);
  }

  async add(record: MintRecord): Promise<void> {
    await this.write({ add: [record], remove: [] });
  }

  async write(batch: { add: MintRecord[]; remove: string[] }): Promise<void> {
    if (batch.add.length === 0 && batch.remove.length === 0) return;
    const adds = batch.add.flatMap((r) => [r.id, JSON.stringify(r), r.expiresAt]);
    await redisCall(() => this.#write(...this.#keys, this.#seq, epochSeconds(this.#clock), this.#cap, batch.add.length, ...adds, ...batch.remove));
  }

  async list(limit: number): Promise<MintRecord[]> {
    if (limit <= 0) return [];
    const rows = (await redisCall(() => this.#list(...this.#keys, epochSeconds(this.#clock), limit))) as string[];
    return rows.map((r) => JSON.parse(r) as MintRecord);
  }

  async remove(id: string): Promise<void> {
    await this.write({ add: [], remove: [id] });
  }
}
