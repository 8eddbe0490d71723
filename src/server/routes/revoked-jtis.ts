import { Router } from 'express';
import { z } from 'zod';
import { PACKED_HEAD, PACKED_REVOCATIONS_TYPE } from '../../client/packed-revocations.js';
import { AuthError } from '../errors/index.js';
import { requireRoleForPaging } from '../middleware/require-role.js';
import { decodeCursor, encodeCursor } from '../stores/revocation-order.js';
import type { RouteDeps } from './deps.js';
import { streamRevocations, wire } from './revocation-stream.js';

const Since = z.string().regex(/^\d{1,15}$/).transform(Number);
const Limit = z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().min(1).max(10_000));
const Cursor = { safeParse: (raw: unknown) => {
  const position = typeof raw === 'string' ? decodeCursor(raw) : undefined;
  return position === undefined ? { success: false as const } : { success: true as const, data: position };
} };

const EMPTY = Buffer.alloc(0);
/** What Express set for the string body this once was: kept, so the answer's headers did not change. */
const PACKED_CONTENT_TYPE = `${PACKED_REVOCATIONS_TYPE}; charset=utf-8`;

/** Records per store read when the whole list is streamed (no `limit`): a bounded read each. */
const STREAM_PAGE = 1000;

/**
 * GET /revoked-jtis (roles `service`, `operator`): the live denylist, ordered by revocation time,
 * or with `?since=<epoch>` the records revoked at or after that second (inclusive, so a poll never
 * misses a revocation of the second it last saw).
 *
 * - `?limit=N` (1-10000) asks for one page: `{"items": [...], "next_cursor": "<opaque>" | null}`;
 *   pass `cursor=<next_cursor>` (with the same `since`) for the next one. A cursor is a position in
 *   the list, so pages neither skip nor repeat records when others are added or pruned meanwhile.
 *   `remaining` is how many records the list held from the page's start to its end when it was
 *   read: a hint a client sizes its set with (the library does), not a count to rely on.
 * - A paged request whose `Accept` prefers `application/vnd.pico-auth.revoked-jtis.packed+json` gets
 *   that form: `{"packed": "<base64 of 24-byte records>", "items": [...], "next_cursor", "remaining"}`, the
 *   lowercase-UUID records packed, any other in `items` (src/client/packed-revocations.ts). Anyone
 *   else gets plain JSON, as before.
 * - Without `limit` or `cursor`, the whole list, as the reference's clients expect: `{"items": [...]}`,
 *   streamed page by page so that no single Redis call grows with the list.
 *
 * `ETag` is the store's version, which moves on every add and prune; `If-None-Match` with the
 * current one gets 304 without the list being read.
 */
export function revokedJtisRoute({ sessions }: RouteDeps): Router {
  const router = Router();
  router.get('/revoked-jtis', requireRoleForPaging(sessions, 'service', 'operator'), async (req, res) => {
    const since = param(req.query.since, Since, 'since: expected epoch seconds (a non-negative integer).') ?? 0;
    const limit = param(req.query.limit, Limit, 'limit: expected an integer from 1 to 10000.');
    const after = param(req.query.cursor, Cursor, 'cursor: expected a next_cursor this endpoint returned.');
    const cached = versionOf(req.headers['if-none-match']);
    const list = sessions.revocations;
    // The answer depends on Accept (packed or plain), so caches must key on it.
    res.vary('Accept');
    if (limit === undefined && after === undefined) return streamRevocations(res, list, since, cached, STREAM_PAGE);
    const packed = req.accepts(['application/json', PACKED_REVOCATIONS_TYPE]) === PACKED_REVOCATIONS_TYPE;
    const page = await list({ since, after, limit: limit ?? STREAM_PAGE, packed }, cached);
    res.set({ ETag: `"rv-${page.version}"`, 'Cache-Control': 'private, no-cache' });
    if (page.items === null) return void res.status(304).end();
    const next_cursor = page.next === null ? null : encodeCursor(page.next);
    if (!packed) return void res.json({ items: page.items.map(wire), next_cursor, remaining: page.remaining });
    // By hand: base64 needs no escaping, and JSON.stringify would scan a 320 KB string again. Written
    // into one Buffer: a string body would be joined and then encoded to UTF-8 once more on its way
    // out (about half the cost of a 10k page's body, bench/RESULTS.md).
    const items = page.items.length === 0 ? '[]' : JSON.stringify(page.items.map(wire));
    const base64 = (page.packed ?? EMPTY).toString('base64');
    const tail = `","items":${items},"next_cursor":${JSON.stringify(next_cursor)},"remaining":${page.remaining}}`;
    const body = Buffer.allocUnsafe(PACKED_HEAD.length + base64.length + Buffer.byteLength(tail));
    PACKED_HEAD.copy(body, 0);
    body.write(base64, PACKED_HEAD.length, 'latin1');
    body.write(tail, PACKED_HEAD.length + base64.length, 'utf8');
    res.set('Content-Type', PACKED_CONTENT_TYPE).send(body);
  });
  return router;
}

function param<T>(raw: unknown, schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false } }, detail: string): T | undefined {
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AuthError('invalid_request', detail);
  return parsed.data;
}

/** The version inside an `If-None-Match: "rv-<version>"` header, if it is one of ours. */
function versionOf(header: string | undefined): string | undefined {
  const m = header ? /"rv-(\d{1,20})"/.exec(header) : null;
  return m ? m[1] : undefined;
}
