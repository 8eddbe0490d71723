import { createHash } from 'node:crypto';
import type { Keyring } from '../keys/index.js';
import type { AccessClaims } from '../tokens/verify-access-token.js';

/**
 * Access tokens this replica has verified, for a caller that pages with one bearer (a downstream
 * library's full load of 1M revocations: ~100 requests, each an RS256 verification). A hit stands
 * for exactly what `verifyAccessToken` would decide again:
 * - the signature, `kid`/`alg`, `typ`, `iss`, `aud` and the claims' shapes depend only on the token,
 *   the keyring and the fixed settings, so an entry holds for the keyring object it was verified
 *   against: a key reload swaps that object and every entry then misses (a retired key fails);
 * - the only checks that depend on time, `exp` and `nbf`, are made again on every hit, at the
 *   caller's clock with the same tolerance; an entry that fails them is dropped and the token goes
 *   through the full verification (which gives the error).
 * Failures are never kept. Revocation and role are not covered: the caller checks them every time.
 * Keyed by a SHA-256 of the token, so the bearer itself is not kept; bounded (the oldest entry
 * goes first), so a caller with many tokens only makes the others miss.
 */
export class VerifiedTokens {
  readonly #max: number;
  readonly #entries = new Map<string, { keyring: Keyring; claims: AccessClaims }>();

  constructor(max = 256) {
    this.#max = max;
  }

  /** The claims of `token` if verified against `keyring` and still in time at `nowSeconds`. */
  get(token: string, keyring: Keyring, nowSeconds: number, toleranceSeconds: number): AccessClaims | undefined {
    const key = digest(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const { claims } = entry;
    // jose's own rules: expired when exp <= now - tolerance; not yet valid when nbf > now + tolerance.
    const inTime = claims.exp > nowSeconds - toleranceSeconds && (claims.nbf === undefined || claims.nbf <= nowSeconds + toleranceSeconds);
    if (entry.keyring === keyring && inTime) return claims;
    this.#entries.delete(key);
    return undefined;
  }

  set(token: string, keyring: Keyring, claims: AccessClaims): void {
    const key = digest(token);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { keyring, claims });
  }

  get size(): number {
    return this.#entries.size;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('base64');
