import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { jsonObjectBody } from '../middleware/json-body.js';
import { parseBody } from '../parse-body.js';
import { requestClient } from '../rate-limit/middleware.js';
import { writeJson } from '../write-json.js';
import type { RouteDeps } from './deps.js';

const Body = z.object({ address: z.string().min(1).max(4000) });

/** The handlers of POST /challenge, in order: the route's, and the lean path's (app.ts), which skips the router. */
export function challengeHandlers({ config, sessions, limits }: RouteDeps): RequestHandler[] {
  return [
    ...jsonObjectBody,
    ...(limits.challenge ?? []),
    async (req, res) => {
      const { address } = parseBody(Body, req.body);
      const issued = await sessions.issueChallenge(address, requestClient(req, config.rateLimitIpv6PrefixLength));
      writeJson(res, { challenge: issued.nonce, ttl: issued.ttl, expires_at: issued.expiresAt });
    },
  ];
}

/**
 * POST /challenge: a fresh 256-bit nonce for an address. Never refused for being one too many
 * (sessions/sign-in.ts bounds the outstanding ones per address and client, evicting the oldest).
 */
export function challengeRoute(deps: RouteDeps): Router {
  const router = Router();
  router.post('/challenge', ...challengeHandlers(deps));
  return router;
}
