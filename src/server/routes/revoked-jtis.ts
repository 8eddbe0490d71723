import { Router } from 'express';
import { z } from 'zod';
import { AuthError } from '../errors/index.js';
import { requireRole } from '../middleware/require-role.js';
import type { RouteDeps } from './deps.js';

const Since = z.string().regex(/^\d{1,15}$/).transform(Number);

/**
 * GET /revoked-jtis (roles `service`, `operator`): the live denylist, or with `?since=<epoch>`
 * the records revoked at or after that second (inclusive, so a poll never misses a revocation of
 * the second it last saw). `ETag` is the store's version, which moves on every add and prune;
 * `If-None-Match` with the current one gets 304 without the list being read.
 */
export function revokedJtisRoute({ sessions }: RouteDeps): Router {
  const router = Router();
  router.get('/revoked-jtis', requireRole(sessions, 'service', 'operator'), async (req, res) => {
    const raw = req.query.since;
    let since = 0;
    if (raw !== undefined) {
      const parsed = Since.safeParse(raw);
      if (!parsed.success) throw new AuthError('invalid_request', 'since: expected epoch seconds (a non-negative integer).');
      since = parsed.data;
    }
    const { items, version } = await sessions.revocations(since, versionOf(req.headers['if-none-match']));
    res.set({ ETag: `"rv-${version}"`, 'Cache-Control': 'private, no-cache' });
    if (items === null) {
      res.status(304).end();
      return;
    }
    res.json({ items: items.map((r) => ({ jti: r.jti, revoked_at: r.revokedAt, exp: r.exp })) });
  });
  return router;
}

/** The version inside an `If-None-Match: "rv-<version>"` header, if it is one of ours. */
function versionOf(header: string | undefined): string | undefined {
  const m = header ? /"rv-(\d{1,20})"/.exec(header) : null;
  return m ? m[1] : undefined;
}
