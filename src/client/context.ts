import { AsyncLocalStorage } from 'node:async_hooks';
import type { JWTPayload } from 'jose';

/** Who made the request, from a verified access token. Read it from `req.auth` or `getSecurityContext()`. */
export interface SecurityContext {
  /** `sub`: the subject (for wallet sign-in, the wallet address). */
  sub: string;
  /** `role` (e.g. `wallet`, `service`, `operator`). */
  role: string;
  /** `groups`, empty when the token has none. */
  groups: readonly string[];
  /** `scopes`, empty when the token has none. */
  scopes: readonly string[];
  /** `jti`, the token's unique id (undefined only when revocation is off and the token has none). */
  jti: string | undefined;
  /** `exp`, epoch seconds. */
  exp: number;
  /** Every claim of the token, as issued (`wallet_address`, `algorithm`, custom claims...). */
  claims: Readonly<JWTPayload & Record<string, unknown>>;
}

const storage = new AsyncLocalStorage<SecurityContext>();

/** Runs `fn` with `context` as the security context of everything it calls, sync or async. */
export function runWithSecurityContext<T>(context: SecurityContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The current request's security context anywhere in its async call chain; undefined outside an authenticated request. */
export function getSecurityContext(): SecurityContext | undefined {
  return storage.getStore();
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the auth middleware on authenticated routes; undefined on anonymous ones. */
    auth?: SecurityContext;
  }
}
