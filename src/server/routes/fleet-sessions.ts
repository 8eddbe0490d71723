import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { constantTimeEqual } from '../../lib/constant-time.js';
import { AuthError } from '../errors/index.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { parseBody } from '../parse-body.js';
import type { RouteDeps } from './deps.js';

const Id = z.string().regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'expected 1-128 of A-Z a-z 0-9 . _ : @ / -');
const Scope = z.string().regex(/^[A-Za-z0-9._:*/-]{1,128}$/, 'expected a scope (1-128 of A-Z a-z 0-9 . _ : * / -)');
const Body = z.object({
  session_id: Id,
  agent_id: Id,
  role: z.string().min(1).max(64),
  /** Seconds; capped at AUTH_FLEET_MAX_TTL_SECONDS. */
  ttl: z.number().int().positive().optional(),
  scopes: z.array(Scope).max(64).default([]),
});

/**
 * POST /fleet/sessions: service tokens for agents, gated by the `X-Fleet-Secret` header (compared
 * in constant time). 404 while `AUTH_FLEET_SECRET` is unset, so the endpoint does not exist at all
 * by default. Which roles and lifetimes are allowed is the sessions service's rule.
 */
export function fleetSessionsRoute({ config, sessions, limits }: RouteDeps): Router {
  const router = Router();
  const { fleetSecret } = config;
  const enabled: RequestHandler = (_req, _res, next) => next(fleetSecret ? undefined : new AuthError('not_found'));
  // After the per-IP limit, so that guessing the secret is rate-limited too.
  const secret: RequestHandler = (req, _res, next) => {
    const presented = req.headers['x-fleet-secret'];
    next(typeof presented === 'string' && constantTimeEqual(presented, fleetSecret!) ? undefined : new AuthError('invalid_fleet_secret'));
  };
  router.post('/fleet/sessions', enabled, noStore, ...jsonObjectBody, ...(limits.fleet ?? []), secret, async (req, res) => {
    const body = parseBody(Body, req.body);
    const issued = await sessions.mintServiceToken({ sessionId: body.session_id, agentId: body.agent_id, role: body.role, ttlSeconds: body.ttl, scopes: body.scopes });
    res.json({
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      expires_at: issued.exp,
      jti: issued.jti,
      session_id: body.session_id,
      agent_id: body.agent_id,
      sub: issued.sub,
      role: body.role,
      scopes: body.scopes,
    });
  });
  return router;
}
