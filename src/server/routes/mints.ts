import { Router } from 'express';
import { z } from 'zod';
import { AuthError } from '../errors/index.js';
import { requireRole } from '../middleware/require-role.js';
import type { RouteDeps } from './deps.js';

/** Most entries one request returns, and the default. */
export const MINTS_MAX_LIMIT = 100;
export const MINTS_DEFAULT_LIMIT = 20;

const Limit = z.coerce.number().int().min(1).max(MINTS_MAX_LIMIT);

/**
 * GET /mints?limit= (role `operator`): the long-lived credentials minted that are still valid
 * (not expired, not revoked through /revoke), newest first; `limit` 1-100, default 20. Read from
 * the mint audit (audit/mint-audit.ts), which the sessions service's events feed.
 */
export function mintsRoute({ sessions, audit }: RouteDeps): Router {
  const router = Router();
  router.get('/mints', requireRole(sessions, 'operator'), async (req, res) => {
    let limit = MINTS_DEFAULT_LIMIT;
    if (req.query.limit !== undefined) {
      const parsed = Limit.safeParse(req.query.limit);
      if (typeof req.query.limit !== 'string' || !parsed.success) throw new AuthError('invalid_request', `limit: expected an integer from 1 to ${MINTS_MAX_LIMIT}.`);
      limit = parsed.data;
    }
    const items = await audit.list(limit);
    res.set('Cache-Control', 'no-store').json({
      items: items.map((m) => ({
        kind: m.kind,
        id: m.id,
        sub: m.sub,
        role: m.role,
        ...(m.scopes ? { scopes: m.scopes } : {}),
        issued_at: m.issuedAt,
        expires_at: m.expiresAt,
      })),
    });
  });
  return router;
}
