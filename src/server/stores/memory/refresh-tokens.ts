import { systemClock, type Clock } from '../../clock.js';
import { MAX_REPLAY_STEPS, type RefreshTokenStore, type RotateOptions, type RotateResult, type SessionClaims, type Successor } from '../types.js';
import { expiringCache } from './expiring-cache.js';

interface TokenRecord {
  claims: SessionClaims;
  /** Set once the token is spent: when (epoch ms), and the successor it was exchanged for. */
  spent?: { at: number; salt: string; hash: string };
}

interface FamilyRecord {
  /** Epoch ms: the family's end, fixed when it started. */
  endsAt: number;
  /** Fingerprint of the credential that started the family, or '' (a wallet sign-in). */
  credential: string;
}

/**
 * Per-process refresh tokens for the embedded default. Same semantics as the Redis store
 * (redis/refresh-tokens.ts); every method runs to completion without awaiting, hence atomically.
 */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens;
  /** Kept `EXPIRED_FAMILY_MEMORY_MS` past the family's end, to tell `expired` from `invalid`. */
  readonly #families;
  readonly #clock: Clock;

  constructor(options: { maxEntries?: number; clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#tokens = expiringCache<TokenRecord>(options.maxEntries ?? 100_000, this.#clock);
    this.#families = expiringCache<FamilyRecord>(options.maxEntries ?? 100_000, this.#clock);
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, options: { expiresAt: number; credential?: string }): Promise<void> {
    const endsAt = options.expiresAt * 1000;
    const ttl = Math.max(1, endsAt - this.#clock.now());
    this.#families.set(familyId, { endsAt, credential: options.credential ?? '' }, { ttl: ttl + EXPIRED_FAMILY_MEMORY_MS });
    this.#tokens.set(`${familyId}:${tokenHash}`, { claims }, { ttl });
  }

  async rotate(familyId: string, oldHash: string, next: Successor, options: RotateOptions): Promise<RotateResult> {
    const family = this.#families.get(familyId);
    if (!family) return { outcome: 'invalid' };
    const now = this.#clock.now();
    if (family.endsAt <= now) return { outcome: 'expired' };
    if (family.credential && family.credential !== options.credential) {
      this.#families.delete(familyId);
      return { outcome: 'credential_changed' };
    }
    const record = this.#tokens.get(`${familyId}:${oldHash}`);
    if (!record) return { outcome: 'invalid' };
    if (!record.spent) {
      record.spent = { at: now, salt: next.salt, hash: next.hash };
      this.#tokens.set(`${familyId}:${next.hash}`, { claims: record.claims }, { ttl: family.endsAt - now });
      return { outcome: 'rotated', claims: record.claims };
    }
    if (now >= record.spent.at + options.graceMs) {
      this.#families.delete(familyId);
      return { outcome: 'reused' };
    }
    // Within the grace window: follow the successors to the live token.
    const salts = [record.spent.salt];
    let hash = record.spent.hash;
    for (let step = 0; step < MAX_REPLAY_STEPS; step++) {
      const current = this.#tokens.get(`${familyId}:${hash}`);
      if (!current) return { outcome: 'invalid' };
      if (!current.spent) return { outcome: 'replayed', claims: current.claims, salts };
      salts.push(current.spent.salt);
      hash = current.spent.hash;
    }
    return { outcome: 'superseded' };
  }

  async revokeFamily(familyId: string): Promise<void> {
    this.#families.delete(familyId);
  }
}

/** How long a family is remembered after it expired, so that a late presentation counts as `expired`. */
export const EXPIRED_FAMILY_MEMORY_MS = 86_400_000;
