import { systemClock, type Clock } from '../../clock.js';
import type { RefreshTokenStore, RotateResult, SessionClaims } from '../types.js';
import { expiringCache } from './expiring-cache.js';

interface TokenRecord {
  familyId: string;
  claims: SessionClaims;
  spent: boolean;
}

/** Per-process refresh tokens for the embedded default. Same semantics as the Redis store. */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens;
  /** Family id -> its expiry (epoch ms), kept `EXPIRED_FAMILY_MEMORY_MS` past it to tell `expired` from `invalid`. */
  readonly #families;
  readonly #clock: Clock;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#tokens = expiringCache<TokenRecord>(options.maxEntries ?? 100_000, this.#clock);
    this.#families = expiringCache<number>(options.maxEntries ?? 100_000, this.#clock);
  }

  #liveFamily(familyId: string, ttlSeconds: number): void {
    const ttlMs = ttlSeconds * 1000;
    this.#families.set(familyId, this.#clock.now() + ttlMs, { ttl: ttlMs + EXPIRED_FAMILY_MEMORY_MS });
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, ttlSeconds: number): Promise<void> {
    this.#liveFamily(familyId, ttlSeconds);
    this.#tokens.set(`${familyId}:${tokenHash}`, { familyId, claims, spent: false }, { ttl: ttlSeconds * 1000 });
  }

  async rotate(familyId: string, oldHash: string, newHash: string, ttlSeconds: number): Promise<RotateResult> {
    const familyExpiry = this.#families.get(familyId);
    if (familyExpiry === undefined) return { outcome: 'invalid' };
    if (familyExpiry <= this.#clock.now()) return { outcome: 'expired' };
    const record = this.#tokens.get(`${familyId}:${oldHash}`);
    if (!record) return { outcome: 'invalid' };
    if (record.spent) {
      this.#families.delete(familyId);
      return { outcome: 'reused' };
    }
    record.spent = true;
    this.#liveFamily(familyId, ttlSeconds);
    this.#tokens.set(`${familyId}:${newHash}`, { familyId, claims: record.claims, spent: false }, { ttl: ttlSeconds * 1000 });
    return { outcome: 'rotated', claims: record.claims };
  }

  async revokeFamily(familyId: string): Promise<void> {
    this.#families.delete(familyId);
  }
}

/** How long a family is remembered after it expired, so that a late presentation counts as `expired`. */
export const EXPIRED_FAMILY_MEMORY_MS = 86_400_000;
