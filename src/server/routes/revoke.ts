import { Router } from 'express';
import { z } from 'zod';
import { callerOf, requireRole } from '../auth/require-role.js';
import type { ServiceContext } from '../context.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../middleware/validate.js';

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
 * have expired anyway; `{family}` revokes a refresh-token family (every refresh token of one
 * sign-in). Idempotent: revoking a jti again returns the original record.
 *
 * We cannot know the `exp` of an arbitrary jti, so the record lives for the longest life a token
 * of ours may still have: the access-token lifetime, or the service-token cap when service tokens
 * are enabled. A caller that knows the token's `exp` may pass it to shorten that (never lengthen).
 */
export function revokeRoute(ctx: ServiceContext): Router {
  const router = Router();
  const { accessTokenExpireMinutes, fleetSecret, fleetMaxTtlSeconds } = ctx.config;
  const longestLife = Math.max(accessTokenExpireMinutes * 60, fleetSecret ? fleetMaxTtlSeconds : 0);
  router.post('/revoke', requireRole(ctx, 'operator'), ...jsonObjectBody, async (req, res) => {
    const body = parseBody(Body, req.body);
    const caller = callerOf(req);
    const now = Math.floor(Date.now() / 1000);
    const reason = body.reason ?? null;
    if (body.family !== undefined) {
      await ctx.stores.refreshTokens.revokeFamily(body.family);
      await ctx.stores.mints.remove(body.family);
      ctx.events.emit('revocation');
      ctx.logger.info({ family: body.family, revokedBy: caller.sub }, 'refresh family revoked');
      res.json({ revoked: { family: body.family, revoked_at: now, reason, revoked_by: caller.sub } });
      return;
    }
    const exp = Math.min(now + longestLife, Math.max(now + 1, body.exp ?? Number.MAX_SAFE_INTEGER));
    const { record, created } = await ctx.stores.revocations.revoke({ jti: body.jti!, revokedAt: now, exp, reason, revokedBy: caller.sub });
    if (created) {
      await ctx.stores.mints.remove(record.jti);
      ctx.events.emit('revocation');
      ctx.logger.info({ jti: record.jti, revokedBy: caller.sub }, 'token revoked');
    }
    res.json({ revoked: { jti: record.jti, revoked_at: record.revokedAt, reason: record.reason, revoked_by: record.revokedBy } });
  });
  return router;
}
