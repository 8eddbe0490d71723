import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import type { RefreshTokenStore, RotateResult, SessionClaims } from '../types.js';
import { execOrThrow, redisCall } from './call.js';
import { redisScript } from './script.js';

/** A family key outlives its tokens by this long, so that a late presentation counts as `expired`. */
const EXPIRED_FAMILY_MEMORY_SECONDS = 86_400;

/**
 * Spend-and-reissue in one script, so two replicas racing on one token cannot both rotate it.
 * A token's value is a state byte ('0' live, '1' spent) followed by the claims JSON, which the
 * script copies verbatim (no cjson round trip, which would turn [] into {}).
 * KEYS: family, old token, new token (all share the `{familyId}` hash tag). ARGV: 1 ttl seconds,
 * 2 now (epoch s), 3 the family's new expiry, 4 the family key's TTL (ttl + a day).
 * The family key holds its expiry and lives a day past it: past the expiry every token of the
 * family is `expired`; once the key is gone (revoked, reused or long expired) they are `invalid`.
 * Reusing a spent token deletes the family. A family key of value '1' predates the expiry value
 * (written by an older version): live.
 */
const ROTATE = `
local family = redis.call('GET', KEYS[1])
if not family then return {'invalid'} end
if family ~= '1' and tonumber(family) <= tonumber(ARGV[2]) then return {'expired'} end
local raw = redis.call('GET', KEYS[2])
if not raw then return {'invalid'} end
if string.sub(raw, 1, 1) == '1' then
  redis.call('DEL', KEYS[1])
  return {'reused'}
end
local claims = string.sub(raw, 2)
redis.call('SET', KEYS[2], '1' .. claims, 'KEEPTTL')
redis.call('SET', KEYS[3], '0' .. claims, 'EX', ARGV[1])
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
return {'rotated', claims}
`;

export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #rotate: ReturnType<typeof redisScript>;
  readonly #clock: Clock;

  constructor(redis: RedisClient, keyPrefix: string, clock: Clock = systemClock) {
    this.#redis = redis;
    this.#clock = clock;
    this.#prefix = keyPrefix;
    this.#rotate = redisScript(redis, ROTATE, 3);
  }

  #family(familyId: string): string {
    return `${this.#prefix}rf:{${familyId}}`;
  }

  #token(familyId: string, hash: string): string {
    return `${this.#prefix}rt:{${familyId}}:${hash}`;
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, ttlSeconds: number): Promise<void> {
    const value = `0${JSON.stringify(claims)}`;
    await redisCall(() =>
      this.#redis
        .multi()
        .set(this.#family(familyId), epochSeconds(this.#clock) + ttlSeconds, 'EX', ttlSeconds + EXPIRED_FAMILY_MEMORY_SECONDS)
        .set(this.#token(familyId, tokenHash), value, 'EX', ttlSeconds)
        .exec()
        .then(execOrThrow),
    );
  }

  async rotate(familyId: string, oldHash: string, newHash: string, ttlSeconds: number): Promise<RotateResult> {
    const now = epochSeconds(this.#clock);
    const result = (await redisCall(() =>
      this.#rotate(this.#family(familyId), this.#token(familyId, oldHash), this.#token(familyId, newHash), ttlSeconds, now, now + ttlSeconds, ttlSeconds + EXPIRED_FAMILY_MEMORY_SECONDS),
    )) as [string, string?];
    if (result[0] === 'rotated') return { outcome: 'rotated', claims: JSON.parse(result[1]!) as SessionClaims };
    return { outcome: result[0] === 'reused' || result[0] === 'expired' ? result[0] : 'invalid' };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await redisCall(() => this.#redis.del(this.#family(familyId)));
  }
}
