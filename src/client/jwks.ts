import { createRemoteJWKSet, customFetch, errors, type FlattenedJWSInput, type JWSHeaderParameters, type RemoteJWKSet } from 'jose';
import { DependencyUnavailableError } from './errors.js';
import type { ClientMetrics } from './metrics.js';
import type { JwksOptions } from './options.js';

/** Thrown instead of fetching while a recent failure's backoff runs: a down JWKS sees no flood. */
class JwksBackoffError extends Error {}

/** Key-selection failures are the token's fault (401); anything else means the keys could not be had (503). */
const TOKEN_FAULTS = [errors.JWKSNoMatchingKey, errors.JWKSMultipleMatchingKeys, errors.JOSENotSupported, errors.JWSInvalid, errors.JOSEAlgNotAllowed];

/** `max-age` of a Cache-Control header, or undefined (absent, or `no-cache`/`no-store` give 0). */
export function parseMaxAge(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/(^|,)\s*no-(cache|store)\s*(,|$)/i.test(header)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(header);
  return match ? Number(match[1]) : undefined;
}

export interface KeySourceStatus {
  /** A key set was loaded at least once. */
  loaded: boolean;
  /** Within the server's max-age. */
  fresh: boolean;
  /** Epoch milliseconds of the last successful fetch (200 or 304). */
  lastSuccessAt: number | undefined;
  /** Epoch milliseconds until which the keys count as fresh. */
  freshUntil: number;
}

/**
 * The remote JWKS, built on jose's `createRemoteJWKSet` (single-flight reloads, unknown-kid
 * cooldown, fetch timeout), with what jose leaves to us layered on through its `customFetch` hook:
 * the server's `Cache-Control: max-age` (jose's own expiry is off), `ETag`/`If-None-Match`,
 * stale-if-error for `staleIfErrorSeconds`, a backoff after failures, metrics, and typed errors.
 */
export class KeySource {
  readonly #remote: RemoteJWKSet;
  readonly #opts: Required<JwksOptions>;
  readonly #metrics: ClientMetrics;
  #lastSuccessAt: number | undefined;
  #freshUntil = 0;
  #lastFailureAt: number | undefined;
  #etag: string | undefined;
  #body: string | undefined;
  #fetches = 0;
  #refreshing: Promise<void> | undefined;
  /** Called with the key ids of each newly loaded set (the token cache drops tokens of removed keys). */
  onKeysChanged: ((kids: ReadonlySet<string>) => void) | undefined;

  constructor(url: URL, opts: Required<JwksOptions>, metrics: ClientMetrics) {
    this.#opts = opts;
    this.#metrics = metrics;
    this.#remote = createRemoteJWKSet(url, {
      timeoutDuration: Math.max(1, Math.round(opts.timeoutSeconds * 1000)),
      cooldownDuration: opts.cooldownSeconds * 1000,
      cacheMaxAge: Infinity,
      [customFetch]: (href, init) => this.#fetch(href, init),
    });
  }

  /** Outbound requests made so far (tests and diagnostics). */
  get fetchCount(): number {
    return this.#fetches;
  }

  status(): KeySourceStatus {
    return {
      loaded: this.#remote.jwks() !== undefined,
      fresh: Date.now() < this.#freshUntil,
      lastSuccessAt: this.#lastSuccessAt,
      freshUntil: this.#freshUntil,
    };
  }

  /** Loads the keys now (bypassing the unknown-kid cooldown, not the failure backoff). */
  async warmUp(): Promise<void> {
    try {
      await this.#remote.reload();
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** The key resolver handed to `jwtVerify`. */
  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<Awaited<ReturnType<RemoteJWKSet>>> {
    const { loaded } = this.status();
    const now = Date.now();
    if (loaded && now >= this.#freshUntil) {
      if (now >= this.#freshUntil + this.#opts.staleIfErrorSeconds * 1000) {
        // Past the stale-if-error bound: the old keys may no longer be trusted; refresh or refuse.
        await this.#refresh().catch(() => {});
        if (Date.now() >= this.#freshUntil) {
          throw new DependencyUnavailableError('jwks_unavailable', 'The signing keys could not be refreshed and the cached ones are too old.', undefined, this.#opts.failureBackoffSeconds);
        }
      } else {
        // Stale but within the bound: verify with the keys we have, refresh in the background.
        void this.#refresh().catch(() => {});
      }
    }
    const before = this.#fetches;
    try {
      const key = await this.#remote(header, token);
      if (this.#fetches === before) this.#metrics.jwksKeyCacheHit();
      return key;
    } catch (err) {
      if (TOKEN_FAULTS.some((cls) => err instanceof cls)) throw err;
      throw unavailable(err);
    }
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#remote.reload().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #fetch(href: string, init: { headers: Headers; method: 'GET'; redirect: 'manual'; signal: AbortSignal }): Promise<Response> {
    if (this.#lastFailureAt !== undefined && Date.now() - this.#lastFailureAt < this.#opts.failureBackoffSeconds * 1000) {
      throw new JwksBackoffError('The JWKS failed recently; not retrying yet.');
    }
    this.#fetches += 1;
    const headers = new Headers(init.headers);
    if (this.#etag !== undefined && this.#body !== undefined) headers.set('If-None-Match', this.#etag);
    try {
      const response = await fetch(href, { ...init, headers });
      let body: string;
      if (response.status === 304 && this.#body !== undefined) {
        body = this.#body;
      } else if (response.status === 200) {
        body = await response.text();
        const kids = keyIds(body);
        this.#body = body;
        this.#etag = response.headers.get('etag') ?? undefined;
        this.onKeysChanged?.(kids);
      } else {
        await response.body?.cancel();
        throw new Error(`The JWKS answered ${response.status}.`);
      }
      const maxAge = parseMaxAge(response.headers.get('cache-control')) ?? this.#opts.defaultMaxAgeSeconds;
      const clamped = Math.min(this.#opts.maxMaxAgeSeconds, Math.max(this.#opts.minMaxAgeSeconds, maxAge));
      this.#lastSuccessAt = Date.now();
      this.#freshUntil = this.#lastSuccessAt + clamped * 1000;
      this.#lastFailureAt = undefined;
      this.#metrics.jwksFetch(response.status === 304 ? 'not_modified' : 'ok');
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (err) {
      this.#lastFailureAt = Date.now();
      this.#metrics.jwksFetch('error');
      throw err;
    }
  }
}

/** Checks the body is a JWK set before jose sees it, so a bad body counts as a failure here too. */
function keyIds(body: string): Set<string> {
  const parsed: unknown = JSON.parse(body);
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object')) {
    throw new Error('The JWKS response is not a JWK set.');
  }
  return new Set(keys.map((k: { kid?: unknown }) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
}

function unavailable(err: unknown): DependencyUnavailableError {
  if (err instanceof DependencyUnavailableError) return err;
  return new DependencyUnavailableError('jwks_unavailable', 'The signing keys (JWKS) cannot be fetched right now.', err);
}
