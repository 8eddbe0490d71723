import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { constantTimeEqual } from '../../lib/constant-time.js';
import type { ServiceContext } from '../context.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import { jsonObjectBody } from '../middleware/json-body.js';
import { noStore } from '../middleware/no-store.js';
import { parseBody } from '../middleware/validate.js';
import type { SessionClaims } from '../stores/types.js';
import { signAccessToken } from '../tokens/access-token.js';

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
 * Service identities live in their own namespace: `sub` is `service:` + agent_id. A wallet address
 * (hex, `0x…`, `mldsa65-…`) never contains `:`, and neither does an e-mail the login accepts, so
 * whoever holds the fleet secret cannot mint a token whose `sub` is a wallet's or a user's.
 * The `kind: "service"` claim says the same for APIs that read claims (src/client identityOf).
 */
export const SERVICE_SUB_PREFIX = 'service:';

/** Default service-token lifetime when the body names none, in seconds (before the cap). */
const DEFAULT_TTL_SECONDS = 3600;

/**
 * POST /fleet/sessions: service tokens for agents, gated by the `X-Fleet-Secret` header (compared
 * in constant time). 404 while `AUTH_FLEET_SECRET` is unset, so the endpoint does not exist at all
 * by default. The role must be one of `AUTH_FLEET_ROLES` (default `agent` only: the secret's holder
 * cannot mint `operator` tokens), the lifetime is capped, and `scopes` is an array claim.
 */
export function fleetSessionsRoute(ctx: ServiceContext): Router {
  const router = Router();
  const { fleetSecret, fleetRoles, fleetMaxTtlSeconds, issuer, audience } = ctx.config;
  const enabled: RequestHandler = (_req, _res, next) => next(fleetSecret ? undefined : new NotFoundError());
  // After the per-IP limit, so that guessing the secret is rate-limited too.
  const secret: RequestHandler = (req, _res, next) => {
    const presented = req.headers['x-fleet-secret'];
    if (typeof presented !== 'string' || !constantTimeEqual(presented, fleetSecret!)) {
      next(new UnauthorizedError('A valid X-Fleet-Secret header is required.', 'invalid_fleet_secret'));
      return;
    }
    next();
  };
  router.post('/fleet/sessions', enabled, noStore, ...jsonObjectBody, ...(ctx.limits?.fleet ?? []), secret, async (req, res) => {
    const body = parseBody(Body, req.body);
    if (!fleetRoles.includes(body.role)) {
      throw new ForbiddenError(`Service tokens may carry only these roles: ${fleetRoles.join(', ')}.`, 'role_not_allowed');
    }
    const ttl = Math.min(body.ttl ?? DEFAULT_TTL_SECONDS, fleetMaxTtlSeconds);
    const sub = `${SERVICE_SUB_PREFIX}${body.agent_id}`;
    const claims: SessionClaims & { session_id: string; kind: 'service' } = { sub, kind: 'service', role: body.role, scopes: body.scopes, session_id: body.session_id };
    const issued = await signAccessToken(ctx.keys.keyring, claims, { issuer, audience, ttlSeconds: ttl });
    ctx.events.emit('tokenIssued', 'service');
    ctx.events.emit('sessionStarted', { familyId: issued.jti, claims, issuedAt: issued.exp - issued.expiresIn, expiresAt: issued.exp, kind: 'service' });
    res.json({
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      expires_at: issued.exp,
      jti: issued.jti,
      session_id: body.session_id,
      agent_id: body.agent_id,
      sub,
      role: body.role,
      scopes: body.scopes,
    });
  });
  return router;
}
