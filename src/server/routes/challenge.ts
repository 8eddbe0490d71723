import { createHash, randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../middleware/validate.js';
import { requestClient } from '../rate-limit/middleware.js';
import { canonicalAddress } from '../wallets/address.js';

const Body = z.object({ address: z.string().min(1).max(4000) });

/**
 * POST /challenge: a fresh 256-bit nonce for an address. Never refused for being one too many: one
 * client holds at most `challengeMaxOutstanding` challenges per address and a new one evicts its
 * oldest, so a flood for a victim's address from other clients evicts only the flooder's own.
 */
export function challengeRoute(ctx: ServiceContext): Router {
  const router = Router();
  const { challengeTtlSeconds: ttl, challengeMaxOutstanding: max, rateLimitIpv6PrefixLength } = ctx.config;
  router.post('/challenge', ...jsonObjectBody, ...(ctx.limits?.challenge ?? []), async (req, res) => {
    const { address: raw } = parseBody(Body, req.body);
    const address = canonicalAddress(raw);
    const issuedAt = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(32).toString('hex');
    // Hashed: neither the address nor the client's IP appears in a Redis key.
    const bucket = createHash('sha256').update(`${address}\n${requestClient(req, rateLimitIpv6PrefixLength)}`).digest('base64url').slice(0, 32);
    await ctx.stores.challenges.put({ nonce, address, issuedAt, expiresAt: issuedAt + ttl }, ttl, { bucket, max });
    ctx.events.emit('challengeIssued');
    res.json({ challenge: nonce, ttl, expires_at: issuedAt + ttl });
  });
  return router;
}
