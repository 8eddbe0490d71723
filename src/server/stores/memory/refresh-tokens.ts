import type { RefreshTokenStore, RotateResult, SessionClaims } from '../types.js';
import { BoundedExpiringMap } from './bounded-map.js';

interface TokenRecord {
  familyId: string;
  claims: SessionClaims;
  spent: boolean;
}

/** Per-process refresh tokens for the embedded default. Same semantics as the Redis store. */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly #tokens: BoundedExpiringMap<TokenRecord>;
  readonly #families: BoundedExpiringMap<true>;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#tokens = new BoundedExpiringMap(options.maxEntries ?? 100_000, options.now);
    this.#families = new BoundedExpiringMap(options.maxEntries ?? 100_000, options.now);
  }

  async create(familyId: string, tokenHash: string, claims: SessionClaims, ttlSeconds: number): Promise<void> {
    this.#families.set(familyId, true, ttlSeconds * 1000);
    this.#tokens.set(`${familyId}:${tokenHash}`, { familyId, claims, spent: false }, ttlSeconds * 1000);
  }

  async rotate(familyId: string, oldHash: string, newHash: string, ttlSeconds: number): Promise<RotateResult> {
    if (!this.#families.get(familyId)) return { outcome: 'invalid' };
    const record = this.#tokens.get(`${familyId}:${oldHash}`);
    if (!record) return { outcome: 'invalid' };
    if (record.spent) {
      this.#families.delete(familyId);
      return { outcome: 'reused' };
    }
    record.spent = true;
    this.#families.set(familyId, true, ttlSeconds * 1000);
    this.#tokens.set(`${familyId}:${newHash}`, { familyId, claims: record.claims, spent: false }, ttlSeconds * 1000);
    return { outcome: 'rotated', claims: record.claims };
  }

  async revokeFamily(familyId: string): Promise<void> {
    this.#families.delete(familyId);
  }
}
