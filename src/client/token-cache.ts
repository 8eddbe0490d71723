import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SecurityContext } from './context.js';

interface Entry {
  context: SecurityContext;
  kid: string;
}

/**
 * Verified-token cache: the hot path of every downstream request. Bounded LRU keyed by the token's
 * SHA-256 (the token itself is never kept as a key), each entry served until the token's `exp`.
 * Entries are dropped when their jti is revoked or their signing key leaves the JWKS. Expiry is
 * checked against `Date.now()` on every hit, so a cached token never outlives its `exp`; an expired
 * entry is deleted by the lookup that finds it, or evicted as least recently used.
 */
export class TokenCache {
  // No lru-cache TTL: `get` enforces exp itself, and lru-cache's TTL bookkeeping arms a timer
  // (`setTimeout`, to refresh its cached clock) every millisecond the cache is read: per request
  // work under load, for housekeeping that the LRU bound already provides.
  readonly #lru: LRUCache<string, Entry> | undefined;

  constructor(maxEntries: number) {
    this.#lru = maxEntries > 0 ? new LRUCache<string, Entry>({ max: maxEntries }) : undefined;
  }

  static key(token: string): string {
    // One-shot crypto.hash (Node >= 20.12; engines asks >= 20.19) skips the Hash object: measurably
    // cheaper per request. 'binary' (latin1): the 32 digest bytes as a 32-char string, a map key
    // without a base64 step.
    return hash('sha256', token, 'binary');
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
    if (this.#lru === undefined || context.exp * 1000 <= Date.now()) return;
    this.#lru.set(key, { context, kid });
  }

  /** Drops every entry whose jti `isRevoked` says is revoked. */
  dropRevoked(isRevoked: (jti: string) => boolean): void {
    if (this.#lru === undefined) return;
    for (const [key, entry] of this.#lru.entries()) {
      if (entry.context.jti !== undefined && isRevoked(entry.context.jti)) this.#lru.delete(key);
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
