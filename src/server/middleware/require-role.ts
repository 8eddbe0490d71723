import type { Request, RequestHandler } from 'express';
import { AuthError } from '../errors/index.js';
import type { SessionService } from '../sessions/index.js';
import type { AccessClaims } from '../tokens/verify-access-token.js';

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
  if (!header) throw new AuthError('missing_token');
  const m = /^Bearer +([A-Za-z0-9_.-]{1,8192})$/i.exec(header.trim());
  if (!m) throw new AuthError('invalid_token', 'The Authorization header must be "Bearer <token>".');
  return m[1]!;
}

/** Guards an operator endpoint: the bearer token must authenticate (sessions.authenticate) with one of `roles`. */
export function requireRole(sessions: Pick<SessionService, 'authenticate'>, ...roles: string[]): RequestHandler {
  return guard(sessions, roles, false);
}

/**
 * The same guard for a route callers page through, one request a page with one bearer (GET
 * /revoked-jtis: ~100 pages a full load at 1M records): a token this replica verified before is not
 * verified again, with the same outcome; revocation and role are checked on every request.
 */
export function requireRoleForPaging(sessions: Pick<SessionService, 'authenticate'>, ...roles: string[]): RequestHandler {
  return guard(sessions, roles, true);
}

function guard(sessions: Pick<SessionService, 'authenticate'>, roles: string[], reuseVerified: boolean): RequestHandler {
  if (roles.length === 0) throw new TypeError('requireRole needs at least one role');
  return async (req, _res, next) => {
    (req as Request & WithAuth)[AUTH] = await sessions.authenticate(bearerToken(req), roles, { reuseVerified });
    next();
  };
}
