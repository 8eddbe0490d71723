import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { KeysUnavailableError, UnauthorizedError } from '../errors.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../middleware/validate.js';
import { signAccessToken } from '../tokens/access-token.js';
import { newRefreshToken, parseRefreshToken } from '../tokens/refresh-token.js';
import { accessSettings, refreshTtlSeconds } from '../tokens/token-pair.js';

const Body = z.object({ refresh_token: z.string().min(1).max(4096) });

/**
 * POST /refresh: spends the presented token and returns a new pair (rotation). A spent token
 * presented again revokes its whole family (reuse detection).
 */
export function refreshRoute(ctx: ServiceContext): Router {
  const router = Router();
  router.post('/refresh', ...jsonObjectBody, ...(ctx.limits?.refresh ?? []), async (req, res) => {
    const { refresh_token } = parseBody(Body, req.body);
    const parts = parseRefreshToken(refresh_token);
    if (!parts) {
      ctx.events.emit('refresh', 'invalid');
      throw new UnauthorizedError('The refresh token is invalid or expired.', 'invalid_refresh_token');
    }
    // With no key loaded the request fails (503) before the presented token is spent.
    if (!ctx.keys.keyring) throw new KeysUnavailableError();
    const next = newRefreshToken(parts.familyId);
    const result = await ctx.stores.refreshTokens.rotate(parts.familyId, parts.hash, next.hash, refreshTtlSeconds(ctx));
    if (result.outcome === 'reused') {
      ctx.events.emit('refresh', 'reused');
      // The family is revoked: it leaves the mint audit too (best effort: the revocation already holds).
      await ctx.stores.mints.remove(parts.familyId).catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'mint audit: could not drop a reused family'));
      throw new UnauthorizedError('This refresh token was already used; every session descended from its sign-in has been revoked.', 'refresh_token_reused');
    }
    if (result.outcome === 'invalid') {
      ctx.events.emit('refresh', 'invalid');
      throw new UnauthorizedError('The refresh token is invalid or expired.', 'invalid_refresh_token');
    }
    const access = await signAccessToken(ctx.keys.keyring, result.claims, accessSettings(ctx));
    ctx.events.emit('refresh', 'rotated');
    ctx.events.emit('tokenIssued', 'access');
    ctx.events.emit('tokenIssued', 'refresh');
    const body: Record<string, unknown> = {
      access_token: access.token,
      refresh_token: next.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
    };
    if (result.claims.wallet_address) body.address = result.claims.wallet_address;
    if (result.claims.algorithm) body.algorithm = result.claims.algorithm;
    res.json(body);
  });
  return router;
}
