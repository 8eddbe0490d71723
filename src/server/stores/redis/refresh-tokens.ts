import type { RedisClient } from '../../redis/connection.js';
import type { RefreshTokenStore, RotateResult, SessionClaims } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/**
 * Spend-and-reissue in one script, so two replicas racing on one token cannot both rotate it.
 * A token's value is a state byte ('0' live, '1' spent) followed by the claims JSON, which the
 * script copies verbatim (no cjson round trip, which would turn [] into {}).
 * KEYS: family, old token, new token (all share the `{familyId}` hash tag). ARGV: ttl seconds.
 * A family that is gone (revoked or expired) invalidates all of its tokens; reusing a spent token
 * deletes the family.
 */
const ROTATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'invalid'} end
local raw = redis.call('GET', KEYS[2])
if not raw then return {'invalid'} end
if string.sub(raw, 1, 1) == '1' then
  redis.call('DEL', KEYS[1])
  return {'reused'}
end
local claims = string.sub(raw, 2)
redis.call('SET', KEYS[2], '1' .. claims, 'KEEPTTL')
redis.call('SET', KEYS[3], '0' .. claims, 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {'rotated', claims}
`;

export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #rotate: ReturnType<typeof redisScript>;

  constructor(redis: RedisClient, keyPrefix: string) {
    this.#redis = redis;
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
        .set(this.#family(familyId), '1', 'EX', ttlSeconds)
        .set(this.#token(familyId, tokenHash), value, 'EX', ttlSeconds)
        .exec()
        .then(assertExec),
    );
  }

  async rotate(familyId: string, oldHash: string, newHash: string, ttlSeconds: number): Promise<RotateResult> {
    const result = (await redisCall(() =>
      this.#rotate(this.#family(familyId), this.#token(familyId, oldHash), this.#token(familyId, newHash), ttlSeconds),
    )) as [string, string?];
    if (result[0] === 'rotated') return { outcome: 'rotated', claims: JSON.parse(result[1]!) as SessionClaims };
    return { outcome: result[0] === 'reused' ? 'reused' : 'invalid' };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await redisCall(() => this.#redis.del(this.#family(familyId)));
  }
}

/** MULTI/EXEC reports per-command errors in its result instead of throwing. */
function assertExec(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('transaction aborted');
  for (const [err] of results) if (err) throw err;
}
