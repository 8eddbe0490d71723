import type { RedisClient } from '../../redis/connection.js';
import { MAX_REPLAY_STEPS, type RefreshTokenStore, type RotateOptions, type RotateResult, type SessionClaims, type Successor } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/**
 * Values. Family key: the fingerprint of the credential that started it, or '-'; its expiry is the
 * family's end, set once at creation (EXAT) and never re-armed. Token key: a state byte, then
 *   live:  '0' <claims JSON>
 *   spent: '1' <spent at, ms> ' ' <successor salt> ' ' <successor hash> ' ' <claims JSON>
 * The claims are copied verbatim (no cjson round trip, which would turn [] into {}).
 *
 * ROTATE. KEYS: family, presented token, new token (all share the `{familyId}` hash tag).
 * ARGV: [1] new salt, [2] new hash, [3] grace ms, [4] configured credential ('' none),
 * [5] token key prefix of this family, [6] longest replay walk.
 * Times come from the Redis server (TIME), so every replica measures the grace window on one clock
 * and a script delayed by a paused Redis records when it really ran.
 * A replay walks successor keys built from ARGV[5]: undeclared, but in the same slot (same hash tag).
 */
const ROTATE = `
local fam = redis.call('GET', KEYS[1])
if not fam then return {'invalid'} end
if fam ~= '-' and fam ~= ARGV[4] then
  redis.call('DEL', KEYS[1])
  return {'credential_changed'}
end
local raw = redis.call('GET', KEYS[2])
if not raw then return {'invalid'} end
local t = redis.call('TIME')
local nowText = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
local now = tonumber(nowText)
if string.sub(raw, 1, 1) == '0' then
  local pttl = redis.call('PTTL', KEYS[1])
  if pttl <= 0 then return {'invalid'} end
  local claims = string.sub(raw, 2)
  redis.call('SET', KEYS[2], '1' .. nowText .. ' ' .. ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. claims, 'KEEPTTL')
  redis.call('SET', KEYS[3], '0' .. claims, 'PX', pttl)
  return {'rotated', claims}
end
local spentAt, salt, nextHash = string.match(raw, '^1(%d+) (%S+) (%S+) ')
if not spentAt or now >= tonumber(spentAt) + tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {'reused'}
end
local out = {'replayed', '', salt}
for _ = 1, tonumber(ARGV[6]) do
  local cur = redis.call('GET', ARGV[5] .. nextHash)
  if not cur then return {'invalid'} end
  if string.sub(cur, 1, 1) == '0' then
    out[2] = string.sub(cur, 2)
    return out
  end
  local _, s, h = string.match(cur, '^1(%d+) (%S+) (%S+) ')
  out[#out + 1] = s
  nextHash = h
end
return {'superseded'}
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

  #tokenPrefix(familyId: string): string {
    return `${this.#prefix}rt:{${familyId}}:`;
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, options: { expiresAt: number; credential?: string }): Promise<void> {
    const value = `0${JSON.stringify(claims)}`;
    await redisCall(() =>
      this.#redis
        .multi()
        .set(this.#family(familyId), options.credential || '-', 'EXAT', options.expiresAt)
        .set(this.#tokenPrefix(familyId) + tokenHash, value, 'EXAT', options.expiresAt)
        .exec()
        .then(assertExec),
    );
  }

  async rotate(familyId: string, oldHash: string, next: Successor, options: RotateOptions): Promise<RotateResult> {
    const tokens = this.#tokenPrefix(familyId);
    const result = (await redisCall(() =>
      this.#rotate(this.#family(familyId), tokens + oldHash, tokens + next.hash, next.salt, next.hash, options.graceMs, options.credential, tokens, MAX_REPLAY_STEPS),
    )) as string[];
    const [outcome, claims, ...salts] = result;
    if (outcome === 'rotated') return { outcome, claims: JSON.parse(claims!) as SessionClaims };
    if (outcome === 'replayed') return { outcome, claims: JSON.parse(claims!) as SessionClaims, salts };
    if (outcome === 'reused' || outcome === 'superseded' || outcome === 'credential_changed') return { outcome };
    return { outcome: 'invalid' };
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
