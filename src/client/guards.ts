import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { hasScope } from './scopes.js';
import type { SecurityContext } from './context.js';
import { identityOf, type IdentityKind } from './identity.js';

/**
 * Per-route opt-out of authentication, for routes registered on `auth.router()`: put it first,
 * `router.get('/public', allowAnonymous, handler)`. It does nothing itself; the router sees it and
 * does not prepend authentication. Anywhere else it is a harmless pass-through.
 */
export const allowAnonymous: RequestHandler = function allowAnonymous(_req: Request, _res: Response, next: NextFunction) {
  next();
};

const anonymousParams = new WeakSet<object>();

/**
 * Marks a `router.param()` loader of `auth.router()` as anonymous: it then runs without
 * authentication (for parameters of public routes). Unmarked loaders run after authentication.
 */
export function allowAnonymousParam<T extends (...args: never[]) => unknown>(loader: T): T {
  anonymousParams.add(loader);
  return loader;
}

/** True for a loader marked with allowAnonymousParam. */
export function isAnonymousParam(loader: object): boolean {
  return anonymousParams.has(loader);
}

function guard(check: (auth: SecurityContext) => ForbiddenError | undefined): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.auth === undefined) return next(new UnauthenticatedError('missing_token', 'This route needs an access token.'));
    next(check(req.auth));
  };
}

function names(values: string[], what: string): string[] {
  if (values.length === 0 || !values.every((v) => typeof v === 'string' && v !== '')) {
    throw new TypeError(`pico-server-auth/client: ${what} needs at least one non-empty string`);
  }
  return values;
}

/** 403 `insufficient_role` unless the token's `role` is one of `roles`. */
export function requireRole(...roles: string[]): RequestHandler {
  const allowed = new Set(names(roles, 'requireRole'));
  return guard((auth) => (allowed.has(auth.role) ? undefined : new ForbiddenError('insufficient_role', `This route needs the role ${[...allowed].join(' or ')}.`)));
}

/** 403 `insufficient_group` unless the token's `groups` contain at least one of `groups`. */
export function requireGroup(...groups: string[]): RequestHandler {
  const wanted = names(groups, 'requireGroup');
  return guard((auth) => (wanted.some((g) => auth.groups.includes(g)) ? undefined : new ForbiddenError('insufficient_group', `This route needs membership of ${wanted.join(' or ')}.`)));
}

/** 403 `insufficient_scope` unless every one of `scopes` is granted (wildcards: see scopes.ts). */
export function requireScope(...scopes: string[]): RequestHandler {
  const wanted = names(scopes, 'requireScope');
  return guard((auth) => {
    const missing = wanted.filter((s) => !hasScope(auth.scopes, s));
    return missing.length === 0 ? undefined : new ForbiddenError('insufficient_scope', `This route needs the scope ${missing.join(' and ')}.`);
  });
}

/** 403 `insufficient_identity` unless the token's identity (see identityOf) is one of `kinds`. */
export function requireIdentity(...kinds: IdentityKind[]): RequestHandler {
  const allowed = new Set(names(kinds, 'requireIdentity'));
  for (const k of allowed) {
    if (k !== 'wallet' && k !== 'service' && k !== 'user') throw new TypeError(`pico-server-auth/client: requireIdentity: unknown kind ${JSON.stringify(k)}`);
  }
  return guard((auth) => (allowed.has(identityOf(auth).kind) ? undefined : new ForbiddenError('insufficient_identity', `This route is for ${[...allowed].join(' or ')} identities only.`)));
}
