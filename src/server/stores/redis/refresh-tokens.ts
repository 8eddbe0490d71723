import { systemClock, type Clock } from '../../clock.js';
import type { RedisClient } from '../../redis/connection.js';
import { MAX_REPLAY_STEPS, type RefreshTokenStore, type RotateOptions, type RotateResult, type SessionClaims, type Successor } from '../types.js';
import { redisCall } from './call.js';
import { redisScript } from './script.js';

/** A family key outlives its tokens by this long, so that a late presentation counts as `expired`. */
const EXPIRED_FAMILY_MEMORY_SECONDS = 86_400;

/**
 * Values. Family key: `<end, epoch s> <fingerprint of the credential that started it, or '-'>`,
 * written once at creation and never re-armed: the family ends when it started plus its lifetime;
 * the key lives a day past that end, so that a late presentation is `expired` (then `invalid`).
 * A family value of '1' predates the end value (an older version): live, no credential.
 * Token key, expiring at the family's end:
 *   live:  '0' <claims JSON>
 *   spent: '1' <spent at, epoch ms> ' ' <successor salt> ' ' <successor hash> ' ' <claims JSON>
 * The claims are copied verbatim (no cjson round trip, which would turn [] into {}).
 *
 * ROTATE. KEYS: family, presented token, new token (all share the `{familyId}` hash tag).
 * ARGV: [1] new salt, [2] new hash, [3] grace ms, [4] configured credential ('' none),
 * [5] this family's token key prefix, [6] longest replay walk, [7] now (epoch ms, the service clock).
 * A spend is dated max(service clock, Redis TIME): a script that a paused or frozen Redis runs late
 * is dated when it ran, so a retry after a long hang is still inside the window.
 * A replay walks successor keys built from ARGV[5]: undeclared, but in the same slot (same hash tag).
 */
const ROTATE = `
local family = redis.call('GET', KEYS[1])
if not family then return {'invalid'} end
local now = tonumber(ARGV[7])
local ends, credential = string.match(family, '^(%d+) (%S+)$')
if ends then
  if tonumber(ends) * 1000 <= now then return {'expired'} end
  if credential ~= '-' and credential ~= ARGV[4] then
    redis.call('DEL', KEYS[1])
    return {'credential_changed'}
  end
end
local raw = redis.call('GET', KEYS[2])
if not raw then return {'invalid'} end
if string.sub(raw, 1, 1) == '0' then
  local t = redis.call('TIME')
  local spentAt = math.max(now, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  local claims = string.sub(raw, 2)
  redis.call('SET', KEYS[2], '1' .. string.format('%.0f', spentAt) .. ' ' .. ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. claims, 'KEEPTTL')
  local pttl = redis.call('PTTL', KEYS[2])
  if pttl > 0 then
    redis.call('SET', KEYS[3], '0' .. claims, 'PX', pttl)
  else
    redis.call('SET', KEYS[3], '0' .. claims)
  end
  return {'rotated', claims}
end
local spentAt, salt, nextHash = string.match(raw, '^1(%d+) (%S+) (%S+) ')
if not spentAt or tonumber(ARGV[3]) == 0 or now >= tonumber(spentAt) + tonumber(ARGV[3]) then
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

/**
 * CREATE. KEYS: family, first token (one `{familyId}` slot). ARGV: [1] family value, [2] its EXAT,
 * [3] token value, [4] its EXAT. Both writes in one script: atomic as MULTI/EXEC was, but one
 * command on the wire instead of four (MULTI, SET, SET, EXEC).
 */
const CREATE = `
redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EXAT', ARGV[4])
return 1
`;

export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #rotate: ReturnType<typeof redisScript>;
  readonly #create: ReturnType<typeof redisScript>;
  readonly #clock: Clock;

  constructor(redis: RedisClient, keyPrefix: string, clock: Clock = systemClock) {
    this.#redis = redis;
    this.#clock = clock;
    this.#prefix = keyPrefix;
    this.#rotate = redisScript(redis, ROTATE, 3);
    this.#create = redisScript(redis, CREATE, 2);
  }

  #family(familyId: string): string {
    return `${this.#prefix}rf:{${familyId}}`;
  }

  #tokenPrefix(familyId: string): string {
    return `${this.#prefix}rt:{${familyId}}:`;
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, options: { expiresAt: number; credential?: string }): Promise<void> {
    const { expiresAt } = options;
    await redisCall(() =>
      this.#create(
        this.#family(familyId),
        this.#tokenPrefix(familyId) + tokenHash,
        `${expiresAt} ${options.credential || '-'}`,
        expiresAt + EXPIRED_FAMILY_MEMORY_SECONDS,
        `0${JSON.stringify(claims)}`,
        expiresAt,
      ),
    );
  }

  async rotate(familyId: string, oldHash: string, next: Successor, options: RotateOptions): Promise<RotateResult> {
    const tokens = this.#tokenPrefix(familyId);
    const result = (await redisCall(() =>
      this.#rotate(this.#family(familyId), tokens + oldHash, tokens + next.hash, next.salt, next.hash, options.graceMs, options.credential, tokens, MAX_REPLAY_STEPS, this.#clock.now()),
    )) as string[];
    const [outcome, claims, ...salts] = result;
    if (outcome === 'rotated') return { outcome, claims: JSON.parse(claims!) as SessionClaims };
    if (outcome === 'replayed') return { outcome, claims: JSON.parse(claims!) as SessionClaims, salts };
    if (outcome === 'reused' || outcome === 'expired' || outcome === 'superseded' || outcome === 'credential_changed') return { outcome };
    return { outcome: 'invalid' };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await redisCall(() => this.#redis.del(this.#family(familyId)));
  }
}
