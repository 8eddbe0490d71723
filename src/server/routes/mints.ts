import { Router } from 'express';
import { z } from 'zod';
import { AuthError } from '../errors/index.js';
import { requireRole } from '../middleware/require-role.js';
import { MINT_CURSOR, MINT_KINDS } from '../stores/types.js';
import type { RouteDeps } from './deps.js';

/** Most entries one request returns, and the default. */
export const MINTS_MAX_LIMIT = 100;
export const MINTS_DEFAULT_LIMIT = 20;

const Query = z
  .object({
    limit: z.coerce.number().int().min(1).max(MINTS_MAX_LIMIT).default(MINTS_DEFAULT_LIMIT),
    kind: z.enum(MINT_KINDS).optional(),
    cursor: z.string().regex(MINT_CURSOR).optional(),
  })
  .strict();

/**
 * GET /mints?limit=&kind=&cursor= (role `operator`): the long-lived credentials minted that are
 * still valid (not expired, not revoked), newest first; `limit` 1-100 (default 20), `kind` wallet,
 * admin or service, `cursor` the `next_cursor` of the previous page (null on the last one). Read
 * from the mint audit (audit/mint-audit.ts), which the sessions service's events feed.
 */
export function mintsRoute({ sessions, audit }: RouteDeps): Router {
  const router = Router();
  router.get('/mints', requireRole(sessions, 'operator'), async (req, res) => {
    const parsed = Query.safeParse(req.query);
    if (!parsed.success || Object.values(req.query).some((v) => typeof v !== 'string')) {
      throw new AuthError('invalid_request', `Query: \`limit\` an integer from 1 to ${MINTS_MAX_LIMIT}, \`kind\` one of ${MINT_KINDS.join(', ')}, \`cursor\` the \`next_cursor\` of a previous page; nothing else.`);
    }
    const { limit, kind, cursor } = parsed.data;
    const page = await audit.list({ limit, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) });
    res.set('Cache-Control', 'no-store').json({
      items: page.items.map((m) => ({
        kind: m.kind,
        id: m.id,
        sub: m.sub,
        role: m.role,
        ...(m.scopes ? { scopes: m.scopes } : {}),
        issued_at: m.issuedAt,
        expires_at: m.expiresAt,
      })),
      // As /revoked-jtis: always present, null on the last page.
      next_cursor: page.next ?? null,
    });
  });
  return router;
}
