/**
 * Typed errors with stable snake_case codes. Every failure path of the service throws one of these
 * and the single error handler (middleware/error-handler.ts) renders it as the contract's
 * `{"detail", "error"}` body with `status`. Callers branch on `code`, never on `message`.
 */
export class AuthError extends Error {
  /** HTTP status the error renders with. */
  readonly status: number;
  /** Stable machine-readable code, the body's `error` field. */
  readonly code: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, detail: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

/** 400: the request is malformed (missing field, wrong type, bad hex, unknown algorithm). */
export class BadRequestError extends AuthError {
  constructor(detail: string, code = 'invalid_request') {
    super(400, code, detail);
  }
}

/** 401: credentials or proof were presented and are not acceptable. */
export class UnauthorizedError extends AuthError {
  constructor(detail: string, code = 'unauthorized') {
    super(401, code, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

/** 403: authenticated, but not allowed. */
export class ForbiddenError extends AuthError {
  constructor(detail: string, code = 'forbidden') {
    super(403, code, detail);
  }
}

export class NotFoundError extends AuthError {
  constructor(detail = 'No such endpoint.', code = 'not_found') {
    super(404, code, detail);
  }
}

export class PayloadTooLargeError extends AuthError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes.`);
  }
}

/** 429 with Retry-After. */
export class RateLimitedError extends AuthError {
  constructor(retryAfterSeconds: number, detail = 'Too many requests; retry later.') {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, 'rate_limited', detail, { headers: { 'Retry-After': String(seconds) } });
  }
}

/** 503 with Retry-After: a dependency (Redis, the keyring) cannot serve right now. */
export class ServiceUnavailableError extends AuthError {
  constructor(detail: string, code = 'service_unavailable', options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(503, code, detail, {
      cause: options?.cause,
      headers: { 'Retry-After': String(options?.retryAfterSeconds ?? 1) },
    });
  }
}

/** The shared store (Redis) failed or timed out. Raised by store implementations only. */
export class StoreUnavailableError extends ServiceUnavailableError {
  constructor(cause?: unknown) {
    super('The session store is unavailable; retry shortly.', 'store_unavailable', { cause });
  }
}

/** No signing key is loaded yet (or the key directory never parsed). */
export class KeysUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('No signing key is loaded.', 'keys_unavailable');
  }
}

/** A configuration value is wrong. Thrown once at start, never at request time. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
