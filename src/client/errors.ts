/**
 * Typed errors of the downstream client. Every refusal the middleware makes is one of these, passed
 * to `next(err)`; `authErrorHandler` (or the host's own handler, branching on `code`) renders the
 * contract's `{"detail", "error"}` body with `status` and `headers`. Callers branch on `code`, never
 * on `message`. Kept apart from src/server/errors.ts on purpose: the client must not load server code.
 */
export type AuthClientErrorCode =
  | 'missing_token'
  | 'invalid_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_revoked'
  | 'insufficient_role'
  | 'insufficient_group'
  | 'insufficient_scope'
  | 'insufficient_identity'
  | 'jwks_unavailable'
  | 'revocation_unavailable';

export class AuthClientError extends Error {
  /** HTTP status the error renders with. */
  readonly status: number;
  /** Stable machine-readable code: the body's `error` field. */
  readonly code: AuthClientErrorCode;
  /** Response headers to send with it (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: AuthClientErrorCode, detail: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }

  /** The contract's body. The detail never contains the token or any secret. */
  toJSON(): { detail: string; error: string } {
    return { detail: this.message, error: this.code };
  }
}

/** 401: no acceptable token. `WWW-Authenticate` follows RFC 6750. */
export class UnauthenticatedError extends AuthClientError {
  constructor(code: 'missing_token' | 'invalid_token' | 'token_expired' | 'token_not_yet_valid' | 'token_revoked', detail: string, cause?: unknown) {
    const challenge = code === 'missing_token' ? 'Bearer' : 'Bearer error="invalid_token"';
    super(401, code, detail, { cause, headers: { 'WWW-Authenticate': challenge } });
  }
}

/** 403: a valid token that lacks the role, group or scope the route requires. */
export class ForbiddenError extends AuthClientError {
  constructor(code: 'insufficient_role' | 'insufficient_group' | 'insufficient_scope' | 'insufficient_identity', detail: string) {
    super(403, code, detail);
  }
}

/** 503 with Retry-After: the keys or the revocation list cannot be had right now. */
export class DependencyUnavailableError extends AuthClientError {
  constructor(code: 'jwks_unavailable' | 'revocation_unavailable', detail: string, cause?: unknown, retryAfterSeconds = 5) {
    super(503, code, detail, { cause, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
  }
}

/** A wrong option given to `createAuthClient`: thrown once, at creation, never per request. */
export class AuthClientConfigError extends TypeError {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`pico-server-auth/client: invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'AuthClientConfigError';
    this.issues = issues;
  }
}
