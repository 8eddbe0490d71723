import * as crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SecurityContext } from './context.js';

const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;

interface Entry {
  context: SecurityContext;
  kid: string;
}

/**
 * Verified-token cache: the hot path of every downstream request. Bounded LRU keyed by the token's
 * SHA-256 (the token itself is never kept as a key), each entry living until the token's `exp`.
 * Entries are dropped when their jti is revoked or their signing key leaves the JWKS. Expiry is
 * checked against `Date.now()` on every hit, so a cached token never outlives its `exp`.
 */
export class TokenCache {
  readonly #lru: LRUCache<string, Entry> | undefined;

  constructor(maxEntries: number) {
    this.#lru = maxEntries > 0 ? new LRUCache<string, Entry>({ max: maxEntries }) : undefined;
  }

  static key(token: string): string {
    // One-shot crypto.hash (Node >= 20.12) skips the Hash object: measurably cheaper per request.
    return oneShot ? oneShot('sha256', token, 'base64url') : crypto.createHash('sha256').update(token).digest('base64url');
  }

  get enabled(): boolean {
    return this.#lru !== undefined;
  }

  get size(): number {
    return this.#lru?.size ?? 0;
  }

  get(key: string): SecurityContext | undefined {
    const entry = this.#lru?.get(key);
    if (entry === undefined) return undefined;
    if (entry.context.exp * 1000 <= Date.now()) {
      this.#lru?.delete(key);
      return undefined;
    }
    return entry.context;
  }

  set(key: string, context: SecurityContext, kid: string): void {
    const ttlMs = context.exp * 1000 - Date.now();
    if (this.#lru === undefined || ttlMs <= 0) return;
    // lru-cache's own TTL is housekeeping only (it uses a monotonic clock); `get` enforces exp.
    this.#lru.set(key, { context, kid }, { ttl: Math.ceil(ttlMs) });
  }

  /** Drops every entry whose jti is in `jtis`. */
  dropJtis(jtis: ReadonlySet<string>): void {
    if (this.#lru === undefined || jtis.size === 0) return;
    for (const [key, entry] of this.#lru.entries()) {
      if (entry.context.jti !== undefined && jtis.has(entry.context.jti)) this.#lru.delete(key);
    }
  }

  /** Drops every entry signed by a key no longer published. */
  keepKids(kids: ReadonlySet<string>): void {
    if (this.#lru === undefined) return;
    for (const [key, entry] of this.#lru.entries()) {
      if (!kids.has(entry.kid)) this.#lru.delete(key);
    }
  }
}
