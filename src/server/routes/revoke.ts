import { Router } from 'express';
import { z } from 'zod';
import { jsonObjectBody } from '../middleware/json-body.js';
import { callerOf, requireRole } from '../middleware/require-role.js';
import { parseBody } from '../parse-body.js';
import type { RouteDeps } from './deps.js';

const Body = z
  .object({
    jti: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'expected a token id (1-200 of A-Z a-z 0-9 . _ : -)').optional(),
    family: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a refresh family id (22 base64url characters)').optional(),
    reason: z.string().max(500).optional(),
    exp: z.number().int().positive().optional(),
  })
  .refine((b) => (b.jti === undefined) !== (b.family === undefined), 'give exactly one of `jti` or `family`');

/**
 * POST /revoke (role `operator`). `{jti}` denylists an access or service token until it would
 * have expired anyway; `{family}` revokes a refresh-token family. Idempotent. The rules (how long
 * a record lives, what `exp` may change) are the sessions service's (sessions/revoke.ts).
 */
export function revokeRoute({ sessions, logger }: RouteDeps): Router {
  const router = Router();
  router.post('/revoke', requireRole(sessions, 'operator'), ...jsonObjectBody, async (req, res) => {
    const body = parseBody(Body, req.body);
    const revokedBy = callerOf(req).sub;
    const reason = body.reason ?? null;
    if (body.family !== undefined) {
      const done = await sessions.revokeFamily({ family: body.family, reason, revokedBy });
      logger.info({ family: done.family, revokedBy }, 'refresh family revoked');
      res.json({ revoked: { family: done.family, revoked_at: done.revokedAt, reason: done.reason, revoked_by: done.revokedBy } });
      return;
    }
    const { record, created } = await sessions.revokeToken({ jti: body.jti!, exp: body.exp, reason, revokedBy });
    if (created) logger.info({ jti: record.jti, revokedBy }, 'token revoked');
    res.json({ revoked: { jti: record.jti, revoked_at: record.revokedAt, reason: record.reason, revoked_by: record.revokedBy } });
  });
  return router;
}
