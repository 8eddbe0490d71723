import { MAX_REPLAY_STEPS, type RefreshTokenStore, type RotateOptions, type RotateResult, type SessionClaims, type Successor } from '../types.js';
import { BoundedExpiringMap } from './bounded-map.js';

interface TokenRecord {
  claims: SessionClaims;
  /** Set once the token is spent: when, and the successor it was exchanged for. */
  spent?: { at: number; salt: string; hash: string };
}

interface FamilyRecord {
  /** Fingerprint of the credential that started the family, or '' (a wallet sign-in). */
  credential: string;
  /** Epoch ms: the family's fixed end. */
  endsAt: number;
}

/**
 * Per-process refresh tokens for the embedded default. Same semantics as the Redis store
 * (redis/refresh-tokens.ts); every method runs synchronously to completion, hence atomically.
 */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens: BoundedExpiringMap<TokenRecord>;
  readonly #families: BoundedExpiringMap<FamilyRecord>;
  readonly #now: () => number;

  /** `now`: epoch ms. */
  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#tokens = new BoundedExpiringMap(options.maxEntries ?? 100_000, this.#now);
    this.#families = new BoundedExpiringMap(options.maxEntries ?? 100_000, this.#now);
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, options: { expiresAt: number; credential?: string }): Promise<void> {
    const endsAt = options.expiresAt * 1000;
    const ttl = endsAt - this.#now();
    this.#families.set(familyId, { credential: options.credential ?? '', endsAt }, ttl);
    this.#tokens.set(`${familyId}:${tokenHash}`, { claims }, ttl);
  }

  async rotate(familyId: string, oldHash: string, next: Successor, options: RotateOptions): Promise<RotateResult> {
    const family = this.#families.get(familyId);
    if (!family) return { outcome: 'invalid' };
    if (family.credential && family.credential !== options.credential) {
      this.#families.delete(familyId);
      return { outcome: 'credential_changed' };
    }
    const record = this.#tokens.get(`${familyId}:${oldHash}`);
    if (!record) return { outcome: 'invalid' };
    const now = this.#now();
    if (!record.spent) {
      record.spent = { at: now, salt: next.salt, hash: next.hash };
      this.#tokens.set(`${familyId}:${next.hash}`, { claims: record.claims }, family.endsAt - now);
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
