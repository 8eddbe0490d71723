import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../middleware/validate.js';
import { canonicalAddress } from '../wallets/address.js';

const Body = z.object({ address: z.string().min(1).max(4000) });

/** POST /challenge: a fresh 256-bit nonce for an address. Never cancels other outstanding ones. */
export function challengeRoute(ctx: ServiceContext): Router {
  const router = Router();
  const ttl = ctx.config.challengeTtlSeconds;
  router.post('/challenge', ...jsonObjectBody, ...(ctx.limits?.challenge ?? []), async (req, res) => {
    const { address: raw } = parseBody(Body, req.body);
    const address = canonicalAddress(raw);
    const issuedAt = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(32).toString('hex');
    await ctx.stores.challenges.put({ nonce, address, issuedAt, expiresAt: issuedAt + ttl }, ttl);
    ctx.events.emit('challengeIssued');
    res.json({ challenge: nonce, ttl, expires_at: issuedAt + ttl });
  });
  return router;
}
