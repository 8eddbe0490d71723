import { Router } from 'express';
import { z } from 'zod';
import { adminCredentialFingerprint } from '../auth/admin-credential.js';
import type { ServiceContext } from '../context.js';
import { KeysUnavailableError, UnauthorizedError } from '../errors.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { parseBody } from '../middleware/validate.js';
import { signAccessToken } from '../tokens/access-token.js';
import { parseRefreshToken, replayedToken, successorToken } from '../tokens/refresh-token.js';
import { accessSettings } from '../tokens/token-pair.js';

const Body = z.object({ refresh_token: z.string().min(1).max(4096) });

/**
 * POST /refresh: spends the presented token and returns a new pair (rotation). A retry of the same
 * token within the grace window (AUTH_REFRESH_GRACE_SECONDS) gets the same new refresh token as the
 * first attempt (and a fresh access token); a spent token presented after the window revokes its
 * whole family (reuse detection). A session started by the admin login ends when that login is
 * turned off or its password changes.
 */
export function refreshRoute(ctx: ServiceContext): Router {
  const router = Router();
  const graceMs = ctx.config.refreshGraceSeconds * 1000;
  const credential = adminCredentialFingerprint(ctx.config);
  const dropFromAudit = (familyId: string) =>
    // Best effort: the revocation already holds.
    ctx.stores.mints.remove(familyId).catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'mint audit: could not drop a revoked family'));

  router.post('/refresh', noStore, ...jsonObjectBody, ...(ctx.limits?.refresh ?? []), async (req, res) => {
    const { refresh_token } = parseBody(Body, req.body);
    const parts = parseRefreshToken(refresh_token);
    if (!parts) {
      ctx.events.emit('refresh', 'invalid');
      throw new UnauthorizedError('The refresh token is invalid or expired.', 'invalid_refresh_token');
    }
    // With no key loaded the request fails (503) before the presented token is spent.
    if (!ctx.keys.keyring) throw new KeysUnavailableError();
    const next = successorToken(refresh_token);
    const result = await ctx.stores.refreshTokens.rotate(parts.familyId, parts.hash, next, { graceMs, credential });
    ctx.events.emit('refresh', result.outcome);
    switch (result.outcome) {
      case 'reused':
        await dropFromAudit(parts.familyId);
        throw new UnauthorizedError('This refresh token was already used; every session descended from its sign-in has been revoked.', 'refresh_token_reused');
      case 'credential_changed':
        await dropFromAudit(parts.familyId);
        ctx.logger.info({ family: parts.familyId }, 'refresh family revoked: the admin login that started it is off or its password changed');
        throw new UnauthorizedError('The credential this session was started with is no longer accepted; log in again.', 'credential_changed');
      case 'superseded':
        throw new UnauthorizedError('This refresh token was already exchanged and the session has moved on since; use the newest refresh token.', 'refresh_token_superseded');
      case 'invalid':
        throw new UnauthorizedError('The refresh token is invalid or expired.', 'invalid_refresh_token');
    }
    const refreshToken = result.outcome === 'rotated' ? next.token : replayedToken(refresh_token, result.salts);
    const access = await signAccessToken(ctx.keys.keyring, result.claims, accessSettings(ctx));
    ctx.events.emit('tokenIssued', 'access');
    if (result.outcome === 'rotated') ctx.events.emit('tokenIssued', 'refresh');
    const body: Record<string, unknown> = {
      access_token: access.token,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
    };
    if (result.claims.wallet_address) body.address = result.claims.wallet_address;
    if (result.claims.algorithm) body.algorithm = result.claims.algorithm;
    res.json(body);
  });
  return router;
}
