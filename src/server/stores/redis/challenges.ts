import type { RedisClient } from '../../redis/connection.js';
import type { ChallengeBound, ChallengeRecord, ChallengeStore } from '../types.js';
import { inOneWrite } from '../../redis/one-write.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/** Numbers a bucket's challenges: INCR and re-arm the TTL in one step, so a counter never outlives its last challenge without expiring. */
const NEXT_SEQUENCE = `
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return n`;

/**
 * Challenges keyed by nonce (`<prefix>ch:<nonce>`), expiring by Redis TTL, consumed with GETDEL so
 * that a nonce is spent exactly once across every replica.
 *
 * The per-bucket bound without a cross-slot script (Cluster-safe: every command touches one key):
 * each bounded challenge carries its sequence number in its bucket (`<prefix>chn:<bucket>`, an
 * atomic INCR). A consumed challenge counts only while fewer than `max` newer ones were issued in
 * its bucket, read right after the GETDEL that spent it; so the newest `max` of a bucket stay
 * consumable and older ones are evicted, whichever replica issued them. Evicted records stay in
 * Redis until their TTL (the per-client rate limits bound how many there can be).
 */
export class RedisChallengeStore implements ChallengeStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #seqPrefix: string;
  readonly #nextSequence: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}ch:`;
    this.#seqPrefix = `${keyPrefix}chn:`;
    this.#nextSequence = redisScript(redis, NEXT_SEQUENCE, 1);
  }

  async put(record: ChallengeRecord, ttlSeconds: number, bound?: ChallengeBound): Promise<void> {
    const fields: (string | number)[] = [record.address, record.issuedAt, record.expiresAt];
    if (bound) {
      const seq = Number(await redisCall(() => this.#nextSequence(this.#seqPrefix + bound.bucket, ttlSeconds)));
      fields.push(bound.bucket, seq, bound.max);
    }
    await redisCall(() => this.#redis.set(this.#prefix + record.nonce, JSON.stringify(fields), 'EX', ttlSeconds));
  }

  async consume(nonce: string, bucketHint?: string): Promise<ChallengeRecord | null> {
    // With a hint, the bucket's counter is read right behind the GETDEL, without waiting for its
    // answer (one round trip; on one connection Redis runs them in this order, as before), and both
    // leave in one write; a wrong hint costs the second read the unhinted path always makes. Two
    // commands, not a script: the keys are in different Cluster slots.
    const [spent, hinted] = inOneWrite(this.#redis, () => {
      const getdel = redisCall(() => this.#redis.getdel(this.#prefix + nonce));
      return [getdel, bucketHint === undefined ? undefined : this.#latest(bucketHint)] as const;
    });
    hinted?.catch(() => undefined); // awaited below only when the hint was right
    const raw = await spent;
    if (raw === null) return null;
    const [address, issuedAt, expiresAt, bucket, seq, max] = JSON.parse(raw) as [string, number, number, string?, number?, number?];
    if (bucket !== undefined) {
      const latest = await (bucket === bucketHint && hinted ? hinted : this.#latest(bucket));
      if (latest - seq! >= max!) return null;
    }
    return { nonce, address, issuedAt, expiresAt };
  }

  /** The bucket's newest sequence number; a missing counter (lost in a failover) evicts nothing. */
  async #latest(bucket: string): Promise<number> {
    return Number((await redisCall(() => this.#redis.get(this.#seqPrefix + bucket))) ?? 0);
  }
}
