import { Router } from 'express';
import { z } from 'zod';
import { requireRole } from '../auth/require-role.js';
import type { ServiceContext } from '../context.js';
import { BadRequestError } from '../errors.js';

/** Most entries one request returns, and the default. */
export const MINTS_MAX_LIMIT = 100;
export const MINTS_DEFAULT_LIMIT = 20;

const Limit = z.coerce.number().int().min(1).max(MINTS_MAX_LIMIT);

/**
 * The mint audit's writer: every long-lived credential minted (a refresh family at sign-in or
 * login, a service token) is recorded from the `sessionStarted` event, so routes only emit.
 * Recording is best effort: the credential already exists, so a store failure is logged, not
 * surfaced to the caller who got it.
 */
export function recordMints(ctx: ServiceContext): () => void {
  const listener = (session: Parameters<Parameters<typeof ctx.events.on<'sessionStarted'>>[1]>[0]) => {
    const { claims } = session;
    ctx.stores.mints
      .add({
        kind: session.kind ?? 'refresh',
        id: session.familyId,
        sub: claims.sub,
        role: claims.role,
        ...(claims.scopes?.length ? { scopes: claims.scopes } : {}),
        issuedAt: Math.floor(Date.now() / 1000),
        expiresAt: session.expiresAt,
      })
      .catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'mint audit: could not record a mint'));
  };
  ctx.events.on('sessionStarted', listener);
  return () => void ctx.events.off('sessionStarted', listener);
}

/**
 * GET /mints?limit= (role `operator`): the long-lived credentials minted that are still valid
 * (not expired, not revoked through /revoke), newest first; `limit` 1-100, default 20.
 */
export function mintsRoute(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/mints', requireRole(ctx, 'operator'), async (req, res) => {
    let limit = MINTS_DEFAULT_LIMIT;
    if (req.query.limit !== undefined) {
      const parsed = Limit.safeParse(req.query.limit);
      if (typeof req.query.limit !== 'string' || !parsed.success) throw new BadRequestError(`limit: expected an integer from 1 to ${MINTS_MAX_LIMIT}.`, 'invalid_request');
      limit = parsed.data;
    }
    const items = await ctx.stores.mints.list(limit);
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
