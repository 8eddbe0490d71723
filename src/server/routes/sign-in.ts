import { Router } from 'express';
import type { ServiceContext } from '../context.js';
import { AuthError, UnauthorizedError } from '../errors.js';
import type { SignInOutcome } from '../events.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { startSession } from '../tokens/token-pair.js';

/**
 * POST /sign-in. Order matters: the body is validated first (a malformed request burns nothing),
 * then the named challenge is consumed atomically (spent whatever the outcome, so it can never be
 * tried twice), then the proof is checked against the address the challenge was issued for.
 */
export function signInRoute(ctx: ServiceContext): Router {
  const router = Router();
  router.post('/sign-in', noStore, ...jsonObjectBody, ...(ctx.limits?.signIn ?? []), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    let algorithm = typeof body.algorithm === 'string' && ctx.wallets.algorithms.includes(body.algorithm) ? body.algorithm : 'unknown';
    try {
      const verifier = ctx.wallets.get(body.algorithm);
      algorithm = verifier.algorithm;
      const parsed = verifier.parse(body);
      const challenge = await ctx.stores.challenges.consume(parsed.nonce);
      if (!challenge || challenge.expiresAt * 1000 < Date.now()) {
        throw new UnauthorizedError('The challenge is unknown, expired or already used; request a new one.', 'invalid_challenge');
      }
      if (challenge.address !== parsed.address) {
        throw new UnauthorizedError('The challenge was issued for another address.', 'address_mismatch');
      }
      await verifier.verify(parsed, { now: Date.now() });
      const pair = await startSession(ctx, {
        sub: parsed.address,
        role: 'wallet',
        wallet_address: parsed.address,
        algorithm: verifier.algorithm,
      }, { kind: 'wallet' });
      ctx.events.emit('signIn', algorithm, 'success');
      res.json({ ...pair, address: parsed.address, algorithm: verifier.algorithm });
    } catch (err) {
      ctx.events.emit('signIn', algorithm, outcomeOf(err));
      throw err;
    }
  });
  return router;
}

function outcomeOf(err: unknown): SignInOutcome {
  if (!(err instanceof AuthError)) return 'error';
  if (err.status === 503) return 'unavailable';
  if (err.status === 429) return 'rate_limited';
  if (err.status === 400 || err.status === 413 || err.status === 415) return 'invalid_request';
  if (err.code === 'invalid_challenge') return 'bad_challenge';
  if (err.code === 'address_mismatch') return 'address_mismatch';
  if (err.status === 401) return err.code.startsWith('siwe_') ? 'bad_challenge' : 'bad_signature';
  return 'error';
}
