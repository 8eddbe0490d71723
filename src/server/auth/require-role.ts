import type { Request, RequestHandler } from 'express';
import type { ServiceContext } from '../context.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { verifyAccessToken, type AccessClaims } from './verify-access-token.js';

// The verified caller travels on the request under a private symbol, so handlers never re-parse the header.
const AUTH = Symbol('auth');
type WithAuth = { [AUTH]?: AccessClaims };

/** The claims `requireRole` verified for this request. Throws if the route forgot the guard. */
export function callerOf(req: Request): AccessClaims {
  const claims = (req as Request & WithAuth)[AUTH];
  if (!claims) throw new TypeError('callerOf: the route has no requireRole guard');
  return claims;
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or throws 401. */
function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  if (!header) throw new UnauthorizedError('This endpoint needs an access token (Authorization: Bearer <token>).', 'missing_token');
  const m = /^Bearer +([A-Za-z0-9_.-]{1,8192})$/i.exec(header.trim());
  if (!m) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".', 'invalid_token');
  return m[1]!;
}

/**
 * Guards an operator endpoint: a valid access token of this service (verified in process against
 * our keyring), not revoked (a revoked operator token cannot act), whose `role` is one of `roles`.
 * 401 without a valid token, 403 with the wrong role, 503 when the revocation store is down.
 */
export function requireRole(ctx: ServiceContext, ...roles: string[]): RequestHandler {
  if (roles.length === 0) throw new TypeError('requireRole needs at least one role');
  const { issuer, audience } = ctx.config;
  return async (req, _res, next) => {
    const claims = await verifyAccessToken(bearerToken(req), ctx.keys.keyring, { issuer, audience });
    if (await ctx.stores.revocations.isRevoked(claims.jti)) {
      throw new UnauthorizedError('The access token has been revoked.', 'token_revoked');
    }
    if (!roles.includes(claims.role)) {
      throw new ForbiddenError(`This endpoint needs role ${roles.map((r) => `\`${r}\``).join(' or ')}.`, 'insufficient_role');
    }
    (req as Request & WithAuth)[AUTH] = claims;
    next();
  };
}
