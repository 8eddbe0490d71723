import { Router, type RequestHandler } from 'express';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { requestClient } from '../rate-limit/middleware.js';
import { tokenPairBody } from '../sessions/index.js';
import { writeJson } from '../write-json.js';
import type { RouteDeps } from './deps.js';

/** The handlers of POST /sign-in, in order: the route's, and the lean path's (app.ts), which skips the router. */
export function signInHandlers({ config, sessions, limits }: RouteDeps): RequestHandler[] {
  return [
    noStore,
    ...jsonObjectBody,
    ...(limits.signIn ?? []),
    async (req, res) => {
      writeJson(res, tokenPairBody(await sessions.signIn(req.body as Record<string, unknown>, requestClient(req, config.rateLimitIpv6PrefixLength))));
    },
  ];
}

/** POST /sign-in: the body is the algorithm's (its wallet verifier parses it inside the service). */
export function signInRoute(deps: RouteDeps): Router {
  const router = Router();
  router.post('/sign-in', ...signInHandlers(deps));
  return router;
}
