import type { BearerSource } from './options.js';
import type { ClientMetrics } from './metrics.js';

export interface RevocationListOptions {
  endpoint: URL;
  bearer: BearerSource;
  ttlSeconds: number;
  maxStaleSeconds: number;
  timeoutSeconds: number;
  /** Entries are kept this long past their token's exp (the verifier's clock tolerance), seconds. */
  graceSeconds: number;
}

/** Overlap of incremental polls, seconds: revocations stamped by a replica with a lagging clock are still seen. */
const SINCE_OVERLAP_SECONDS = 120;

/**
 * The revoked-jti list, polled in the background from the auth service's `revoked-jtis` endpoint
 * (never on the request path). Polls are incremental (`?since=`, overlapping a little) and
 * conditional (`If-None-Match` when the query is unchanged). Entries leave once the token they
 * revoke has expired. `state()` says whether the list can be trusted: the middleware fails closed
 * when it cannot (unless configured to fail open).
 */
export class RevocationList {
  readonly #opts: RevocationListOptions;
  readonly #metrics: ClientMetrics;
  readonly #revoked = new Map<string, number>(); // jti -> exp (epoch seconds)
  #maxRevokedAt: number | undefined;
  #etag: { url: string; etag: string } | undefined;
  #lastSuccessAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #stopped = true;
  /** Called with the jtis a poll newly added (the token cache drops them). */
  onRevoked: ((jtis: ReadonlySet<string>) => void) | undefined;

  constructor(opts: RevocationListOptions, metrics: ClientMetrics) {
    this.#opts = opts;
    this.#metrics = metrics;
  }

  /** Starts polling now and every `ttlSeconds`; the timer does not keep the process alive. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.poll().catch(() => {});
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  isRevoked(jti: string): boolean {
    return this.#revoked.has(jti);
  }

  get size(): number {
    return this.#revoked.size;
  }

  /** Seconds since the list was last confirmed current; undefined before the first success. */
  ageSeconds(): number | undefined {
    return this.#lastSuccessAt === undefined ? undefined : (Date.now() - this.#lastSuccessAt) / 1000;
  }

  /** `never`: no poll ever succeeded; `stale`: older than maxStaleSeconds; `fresh` otherwise. */
  state(): 'never' | 'stale' | 'fresh' {
    const age = this.ageSeconds();
    if (age === undefined) return 'never';
    return age > this.#opts.maxStaleSeconds ? 'stale' : 'fresh';
  }

  /** One poll (single-flight); rejects when it fails, leaving the list as it was. */
  poll(): Promise<void> {
    this.#inflight ??= this.#pollOnce().finally(() => {
      this.#inflight = undefined;
      this.#schedule();
    });
    return this.#inflight;
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.poll().catch(() => {}), this.#opts.ttlSeconds * 1000);
    this.#timer.unref();
  }

  async #pollOnce(): Promise<void> {
    const url = new URL(this.#opts.endpoint);
    if (this.#maxRevokedAt !== undefined) url.searchParams.set('since', String(Math.max(0, this.#maxRevokedAt - SINCE_OVERLAP_SECONDS)));
    const bearer = typeof this.#opts.bearer === 'function' ? await this.#opts.bearer() : this.#opts.bearer;
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${bearer}` };
    if (this.#etag?.url === url.href) headers['if-none-match'] = this.#etag.etag;
    try {
      const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(Math.max(1, Math.round(this.#opts.timeoutSeconds * 1000))) });
      if (response.status === 304) {
        this.#succeeded('not_modified');
        return;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`The revocation endpoint answered ${response.status}.`);
      }
      const items = parseItems(await response.json());
      const etag = response.headers.get('etag');
      this.#etag = etag ? { url: url.href, etag } : undefined;
      const added = new Set<string>();
      for (const item of items) {
        if (!this.#revoked.has(item.jti)) added.add(item.jti);
        this.#revoked.set(item.jti, item.exp);
        this.#maxRevokedAt = Math.max(this.#maxRevokedAt ?? 0, item.revoked_at);
      }
      this.#prune();
      this.#succeeded('ok');
      if (added.size > 0) this.onRevoked?.(added);
    } catch (err) {
      this.#metrics.revocationPoll('error');
      throw err;
    }
  }

  #succeeded(result: 'ok' | 'not_modified'): void {
    this.#lastSuccessAt = Date.now();
    this.#metrics.revocationPoll(result);
  }

  #prune(): void {
    const cutoff = Date.now() / 1000 - this.#opts.graceSeconds;
    for (const [jti, exp] of this.#revoked) if (exp < cutoff) this.#revoked.delete(jti);
  }
}

interface Item {
  jti: string;
  revoked_at: number;
  exp: number;
}

function parseItems(body: unknown): Item[] {
  const items = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new Error('The revocation response has no "items" array.');
  return items.map((raw: unknown) => {
    const item = raw as Partial<Item> | null;
    if (typeof item?.jti !== 'string' || typeof item.exp !== 'number' || typeof item.revoked_at !== 'number') {
      throw new Error('A revocation item is malformed.');
    }
    return { jti: item.jti, exp: item.exp, revoked_at: item.revoked_at };
  });
}
