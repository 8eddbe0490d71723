import { ERRORS, type ErrorCode, type ErrorOutcome } from './catalogue.js';

export interface AuthErrorOptions {
  cause?: unknown;
  /** Retry-After for 429 and 503 (rounded up, at least 1). @default 1 */
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. `Allow` on a 405). */
  headers?: Record<string, string>;
}

/**
 * The service's one error type: a code of the catalogue, which fixes its status; a detail for
 * people (the catalogue's default when omitted). Headers follow the status: `WWW-Authenticate:
 * Bearer` on 401, `Retry-After` on 429 and 503. Rendered by `writeError` only.
 */
export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, options: AuthErrorOptions = {}) {
    const spec = ERRORS[code];
    super(detail ?? spec.detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.status = spec.status;
    const headers: Record<string, string> = {};
    if (spec.status === 401) headers['WWW-Authenticate'] = 'Bearer';
    if (spec.status === 429 || spec.status === 503) headers['Retry-After'] = String(Math.max(1, Math.ceil(options.retryAfterSeconds ?? 1)));
    this.headers = { ...headers, ...options.headers };
  }

  /** How this error counts in the flow metrics. */
  get outcome(): ErrorOutcome {
    return ERRORS[this.code].outcome;
  }
}

/** How any thrown value counts in the flow metrics: an AuthError by its code, anything else as `error`. */
export function outcomeOf(err: unknown): ErrorOutcome {
  return err instanceof AuthError ? err.outcome : 'error';
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
