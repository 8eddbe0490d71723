import { Router } from 'express';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestClient } from '../rate-limit/middleware.js';
import { tokenPairBody } from '../sessions/index.js';
import type { RouteDeps } from './deps.js';

/** POST /sign-in: the body is the algorithm's (its wallet verifier parses it inside the service). */
export function signInRoute({ config, sessions, limits }: RouteDeps): Router {
  const router = Router();
  router.post('/sign-in', noStore, ...jsonObjectBody, ...(limits.signIn ?? []), async (req, res) => {
    res.json(tokenPairBody(await sessions.signIn(req.body as Record<string, unknown>, requestClient(req, config.rateLimitIpv6PrefixLength))));
  });
  return router;
}
