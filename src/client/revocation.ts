import { PACKED_RECORD_BYTES, PACKED_REVOCATIONS_TYPE, parseRevocationsBody, unpackRevocations } from './packed-revocations.js';
import { JtiSet } from './jti-set.js';
import { readBodyInto } from './read-body.js';
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
/** Records per page asked of the endpoint (its maximum); the service reads Redis in smaller bounded steps. */
const PAGE_LIMIT = 10_000;
/** The packed form first, plain JSON from a service without it. */
const ACCEPT = `${PACKED_REVOCATIONS_TYPE}, application/json;q=0.9`;
const NONE = new Uint8Array(0);
/** A poll that needs more pages than this (100M records) is a server bug, not a list. */
const MAX_PAGES = 10_000;
/**
 * The most entries made room for on the service's word (`remaining`): 2M is an 84 MB table, so a
 * wrong hint costs no more than that; a longer list grows the set as it comes.
 */
const RESERVE_AT_MOST = 2_000_000;
/**
 * The largest page body read: a full page is ~330 KB packed and ~1 MB as plain JSON items (10k
 * records); a body past this is a misbehaving endpoint, refused before it exhausts memory.
 */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * The revoked-jti list, polled in the background from the auth service's `revoked-jtis` endpoint
 * (never on the request path). The first poll pages through the whole list (`?limit=` and
 * `next_cursor`); later polls are incremental (`?since=`, overlapping a little, paged the same way)
 * and conditional (`If-None-Match` on the first page when the query is unchanged). A server that
 * does not page (the reference's) answers the whole list at once, which is read the same way.
 * The jtis are held in a compact set (16 bytes per UUID); entries leave once the token they
 * revoke has expired. `state()` says whether the list can be trusted: the middleware fails closed
 * when it cannot (unless configured to fail open).
 */
export class RevocationList {
  readonly #opts: RevocationListOptions;
  readonly #metrics: ClientMetrics;
  readonly #revoked = new JtiSet(); // jti -> exp (epoch seconds)
  #maxRevokedAt: number | undefined;
  #etag: { url: string; etag: string } | undefined;
  #lastSuccessAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #stopped = true;
  /** Called after a poll that added jtis, with the membership test (the token cache drops what it holds of them). */
  onRevoked: ((isRevoked: (jti: string) => boolean) => void) | undefined;

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
    const first = new URL(this.#opts.endpoint);
    if (this.#maxRevokedAt !== undefined) first.searchParams.set('since', String(Math.max(0, this.#maxRevokedAt - SINCE_OVERLAP_SECONDS)));
    first.searchParams.set('limit', String(PAGE_LIMIT));
    const bearer = typeof this.#opts.bearer === 'function' ? await this.#opts.bearer() : this.#opts.bearer;
    // The packed form when the service has it (24 bytes a UUID jti, no object per record); plain
    // JSON from one that does not (the reference's, or an older version of ours).
    const headers: Record<string, string> = { accept: ACCEPT, authorization: `Bearer ${bearer}` };
    const timeoutMs = Math.max(1, Math.round(this.#opts.timeoutSeconds * 1000));
    const get = (url: URL, conditional: boolean) =>
      fetch(url, {
        headers: conditional ? { ...headers, 'if-none-match': this.#etag!.etag } : headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    try {
      const conditional = this.#etag?.url === first.href;
      let response = await get(first, conditional);
      if (response.status === 304 && conditional) {
        this.#succeeded('not_modified');
        return;
      }
      const etag = response.status === 200 ? response.headers.get('etag') : null;
      let maxRevokedAt = this.#maxRevokedAt;
      let added = 0;
      const cursors = new Set<string>();
      const records = { bytes: NONE }; // one buffer for the decoded records of every page of this poll
      const bodies = { bytes: NONE }; // and one for their bodies (a page is done with before the next is read)
      for (let pages = 0; ; pages++) {
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new Error(`The revocation endpoint answered ${response.status}.`);
        }
        const bytes = await readBodyInto(response, bodies, MAX_PAGE_BYTES);
        const page = parsePage(parseRevocationsBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)), records);
        // The next page is asked for before this one is added: the service reads it from Redis
        // while this process fills the set.
        let next: Promise<Response> | undefined;
        if (page.next !== null) {
          if (cursors.has(page.next) || pages + 1 >= MAX_PAGES) throw new Error('The revocation endpoint keeps answering pages.');
          cursors.add(page.next);
          const url = new URL(first);
          url.searchParams.set('cursor', page.next);
          next = get(url, false);
          next.catch(() => {}); // awaited below; a rejection before then is not unhandled
        }
        // The first page says how many records the list holds from here: room for them all at
        // once instead of the table doubling its way up (half the CPU of a 1M load).
        if (pages === 0 && page.remaining !== undefined) this.#revoked.reserve(Math.min(page.remaining, RESERVE_AT_MOST));
        const packed = page.packed;
        added += this.#revoked.addPacked(packed);
        let pageMax = 0;
        for (let o = 16; o < packed.length; o += PACKED_RECORD_BYTES) {
          const revokedAt = ((packed[o]! << 24) | (packed[o + 1]! << 16) | (packed[o + 2]! << 8) | packed[o + 3]!) >>> 0;
          if (revokedAt > pageMax) pageMax = revokedAt;
        }
        if (packed.length > 0 && (maxRevokedAt === undefined || pageMax > maxRevokedAt)) maxRevokedAt = pageMax;
        for (const item of page.items) {
          if (this.#revoked.add(item.jti, item.exp)) added++;
          if (maxRevokedAt === undefined || item.revoked_at > maxRevokedAt) maxRevokedAt = item.revoked_at;
        }
        if (next === undefined) break;
        response = await next;
      }
      // Only a complete read moves `since` and the ETag: a poll that failed half-way is redone.
      this.#maxRevokedAt = maxRevokedAt;
      this.#etag = etag ? { url: first.href, etag } : undefined;
      this.#revoked.pruneBefore(Date.now() / 1000 - this.#opts.graceSeconds);
      this.#succeeded('ok');
      if (added > 0) this.onRevoked?.((jti) => this.#revoked.has(jti));
    } catch (err) {
      this.#metrics.revocationPoll('error');
      throw err;
    }
  }

  #succeeded(result: 'ok' | 'not_modified'): void {
    this.#lastSuccessAt = Date.now();
    this.#metrics.revocationPoll(result);
  }
}

interface Item {
  jti: string;
  revoked_at: number;
  exp: number;
}

/** A page's fields, checked; its packed records are decoded into `records.bytes` (grown when a page needs more). */
function parsePage(body: unknown, records: { bytes: Uint8Array }): { items: Item[]; packed: Uint8Array; next: string | null; remaining: number | undefined } {
  const b = body as { items?: unknown; packed?: unknown; next_cursor?: unknown; remaining?: unknown } | null;
  const items = b?.items ?? (b?.packed !== undefined ? [] : undefined);
  if (!Array.isArray(items)) throw new Error('The revocation response has no "items" array.');
  const packed = b!.packed === undefined ? NONE : unpackRevocations(b!.packed, records.bytes);
  if (packed === undefined) throw new Error('The revocation response has a malformed "packed" string.');
  // A page larger than the buffer was decoded into a new one (exactly its size): keep that for the next.
  if (packed.length > records.bytes.length) records.bytes = packed;
  const next = b!.next_cursor ?? null;
  if (next !== null && (typeof next !== 'string' || next.length === 0)) throw new Error('The revocation response has a malformed "next_cursor".');
  for (const raw of items as unknown[]) {
    const item = raw as Partial<Item> | null;
    if (typeof item?.jti !== 'string' || typeof item.exp !== 'number' || typeof item.revoked_at !== 'number') {
      throw new Error('A revocation item is malformed.');
    }
  }
  // A sizing hint only (an older service has none): anything but a count is ignored, not an error.
  const remaining = Number.isSafeInteger(b!.remaining) && (b!.remaining as number) >= 0 ? (b!.remaining as number) : undefined;
  return { items: items as Item[], packed, next, remaining };
}
