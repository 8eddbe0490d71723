import { Router } from 'express';
import { z } from 'zod';
import { requireRole } from '../auth/require-role.js';
import type { ServiceContext } from '../context.js';
import { BadRequestError } from '../errors.js';
import { MINT_CURSOR, MINT_KINDS } from '../stores/types.js';

/** Most entries one request returns, and the default. */
export const MINTS_MAX_LIMIT = 100;
export const MINTS_DEFAULT_LIMIT = 20;

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
        kind: session.kind,
        id: session.familyId,
        sub: claims.sub,
        role: claims.role,
        ...(claims.scopes?.length ? { scopes: claims.scopes } : {}),
        issuedAt: session.issuedAt,
        expiresAt: session.expiresAt,
      })
      .catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'mint audit: could not record a mint'));
  };
  ctx.events.on('sessionStarted', listener);
  return () => void ctx.events.off('sessionStarted', listener);
}

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
 * admin or service, `cursor` the `next_cursor` of the previous page.
 */
export function mintsRoute(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/mints', requireRole(ctx, 'operator'), async (req, res) => {
    const parsed = Query.safeParse(req.query);
    if (!parsed.success || Object.values(req.query).some((v) => typeof v !== 'string')) {
      throw new BadRequestError(`Query: \`limit\` an integer from 1 to ${MINTS_MAX_LIMIT}, \`kind\` one of ${MINT_KINDS.join(', ')}, \`cursor\` the \`next_cursor\` of a previous page; nothing else.`, 'invalid_request');
    }
    const { limit, kind, cursor } = parsed.data;
    const page = await ctx.stores.mints.list({ limit, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) });
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
