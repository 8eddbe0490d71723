import type { RedisClient } from '../../redis/connection.js';
import type { ChallengeRecord, ChallengeStore } from '../types.js';
import { redisCall } from './call.js';

/**
 * Challenges keyed by nonce (`<prefix>ch:<nonce>`), expiring by Redis TTL, consumed with GETDEL so
 * that a nonce is spent exactly once across every replica. One key per operation: Cluster-safe.
 */
export class RedisChallengeStore implements ChallengeStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}ch:`;
  }

  async put(record: ChallengeRecord, ttlSeconds: number): Promise<void> {
    const value = JSON.stringify([record.address, record.issuedAt, record.expiresAt]);
    await redisCall(() => this.#redis.set(this.#prefix + record.nonce, value, 'EX', ttlSeconds));
  }

  async consume(nonce: string): Promise<ChallengeRecord | null> {
    const raw = await redisCall(() => this.#redis.getdel(this.#prefix + nonce));
    if (raw === null) return null;
    const [address, issuedAt, expiresAt] = JSON.parse(raw) as [string, number, number];
    return { nonce, address, issuedAt, expiresAt };
  }
}
