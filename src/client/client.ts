import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response, Router, RouterOptions } from 'express';
import { runWithSecurityContext, type SecurityContext } from './context.js';
import { AuthClientError, DependencyUnavailableError, UnauthenticatedError } from './errors.js';
import { KeySource, type KeySourceStatus } from './jwks.js';
import { createMetrics } from './metrics.js';
import { resolveOptions, type AuthClientOptions } from './options.js';
import { RevocationList } from './revocation.js';
import { protectedRouter } from './router.js';
import { TokenCache } from './token-cache.js';
import { verifyAccessToken } from './verify.js';

export interface ReadinessReport {
  ready: boolean;
  checks: {
    jwks: 'loaded' | 'unavailable';
    revocation: 'disabled' | 'fresh' | 'stale' | 'never';
  };
}

export interface AuthClient {
  /** Middleware: 401/503 via `next(err)` unless the request carries an acceptable bearer token; sets `req.auth` and the security context. */
  readonly authenticate: RequestHandler;
  /** A Router on which every route requires authentication unless its first handler is `allowAnonymous`. */
  router(options?: RouterOptions): Router;
  /** Renders this library's errors as `{detail, error}` with their status and headers; passes any other error on. */
  readonly errorHandler: ErrorRequestHandler;
  /** Verifies a raw access token outside Express (revocation included). Throws `AuthClientError`. */
  verify(token: string): Promise<SecurityContext>;
  /** Fetches the JWKS (and waits for metrics registration and the first revocation poll); throws a 503 error when the JWKS cannot be had. */
  warmUp(): Promise<void>;
  /** Readiness for a `/readyz`: loads the JWKS if it never was (respecting the failure backoff). */
  readiness(): Promise<ReadinessReport>;
  /** Stops background polling. */
  close(): void;
  /** JWKS state and the number of outbound JWKS requests. */
  jwksStatus(): KeySourceStatus & { fetches: number };
  /** Resolves once metrics are registered (immediately without metrics); rejects when registration failed. */
  readonly metricsRegistered: Promise<void>;
}

const BEARER = /^Bearer +([^\s]+) *$/i;
const WHITESPACE = /\s/;

type Flagged = Request & { [mark: symbol]: boolean | undefined };

/**
 * Builds the client: checks every option now (throws `AuthClientConfigError`), starts the
 * revocation poller when configured (its timer never keeps the process alive), and loads the JWKS
 * lazily on the first request or on `warmUp()`.
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  // This client's own mark: a request another client (another audience, issuer or key set)
  // accepted is verified again here, never waved through.
  const VERIFIED = Symbol('pico-auth-client.verified');
  const opts = resolveOptions(options);
  let revocation: RevocationList | undefined;
  const metrics = createMetrics(opts.metricsRegistry, () => revocation?.ageSeconds());
  const keys = new KeySource(opts.jwksUrl, opts.jwks, metrics.sink);
  const cache = new TokenCache(opts.tokenCacheMax);
  keys.onKeysChanged = (kids) => cache.keepKids(kids);
  if (opts.revocation) {
    revocation = new RevocationList({ ...opts.revocation, graceSeconds: opts.clockToleranceSeconds }, metrics.sink);
    revocation.onRevoked = (isRevoked) => cache.dropRevoked(isRevoked);
    revocation.start();
  }
  const failOpen = opts.revocation?.failOpen ?? false;
  const verifyParams = { keys, options: opts, requireJti: revocation !== undefined };

  /** Why revocation refuses the token (revoked, or the list is not current: fail closed); undefined when it allows it. */
  function revocationError(context: SecurityContext): AuthClientError | undefined {
    if (revocation === undefined) return undefined;
    if (revocation.state() !== 'fresh' && !failOpen) {
      return new DependencyUnavailableError('revocation_unavailable', 'The revocation list is not current; tokens cannot be checked right now.');
    }
    if (context.jti !== undefined && revocation.isRevoked(context.jti)) {
      return new UnauthenticatedError('token_revoked', 'The access token has been revoked.');
    }
    return undefined;
  }

  function checkRevocation(context: SecurityContext): void {
    const err = revocationError(context);
    if (err) throw err;
  }

  /** The cache lookup, synchronous: a cached token costs a hash and a map lookup, no promise. */
  function cached(token: string): { key: string; context: SecurityContext | undefined } {
    if (token.length > opts.maxTokenLength) throw new UnauthenticatedError('invalid_token', 'The access token is too long.');
    const key = TokenCache.key(token);
    const context = cache.enabled ? cache.get(key) : undefined;
    if (cache.enabled) metrics.sink.tokenCache(context !== undefined);
    return { key, context };
  }

  async function verifyUncached(token: string, key: string): Promise<SecurityContext> {
    const verified = await verifyAccessToken(token, verifyParams);
    // Only whitespace-free tokens are cached (every token from a header is; `verify()` takes raw
    // strings, and jose ignores whitespace inside base64url): a hit always means "this exact string
    // is one a header could carry and that passed the signature check".
    if (!WHITESPACE.test(token)) cache.set(key, verified.context, verified.kid);
    checkRevocation(verified.context);
    return verified.context;
  }

  async function verify(token: string): Promise<SecurityContext> {
    const { key, context } = cached(token);
    if (context === undefined) return verifyUncached(token, key);
    checkRevocation(context);
    return context;
  }

  function accept(req: Request, context: SecurityContext, next: NextFunction): void {
    metrics.sink.validation('ok');
    req.auth = context;
    (req as Flagged)[VERIFIED] = true;
    runWithSecurityContext(context, next);
  }

  function reject(err: unknown, next: NextFunction): void {
    metrics.sink.validation(err instanceof AuthClientError ? err.code : 'error');
    next(err);
  }

  /**
   * Parses the header, refuses with the precise error, and verifies the signature only on a cache
   * miss: a cached token costs the header regex, one SHA-256 and an LRU lookup; `exp` (in the cache)
   * and revocation are checked on every request. One path for every header form: a separate
   * regex-free "hot path" for cached tokens was measured and gave no gain beyond the VM's noise
   * (docs/client.md), so it was folded back.
   */
  const authenticate: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    // Several protected layers on one request verify once.
    if ((req as Flagged)[VERIFIED] === true && req.auth !== undefined) return next();
    let token: string;
    let hit: ReturnType<typeof cached>;
    try {
      const header = req.headers.authorization;
      if (header === undefined || !/^bearer(\s|$)/i.test(header)) throw new UnauthenticatedError('missing_token', 'This route needs a bearer access token.');
      const match = BEARER.exec(header);
      if (!match) throw new UnauthenticatedError('invalid_token', 'The Authorization header is not "Bearer <token>".');
      token = match[1] as string;
      hit = cached(token);
      if (hit.context !== undefined) checkRevocation(hit.context);
    } catch (err) {
      reject(err, next);
      return;
    }
    if (hit.context !== undefined) accept(req, hit.context, next);
    else verifyUncached(token, hit.key).then((context) => accept(req, context, next), (err: unknown) => reject(err, next));
  };

  return {
    authenticate,
    router: (routerOptions) => protectedRouter(authenticate, routerOptions),
    errorHandler: authErrorHandler,
    verify,
    async warmUp() {
      await Promise.all([keys.warmUp(), metrics.registered, revocation?.poll()]);
    },
    async readiness() {
      if (!keys.status().loaded) await keys.warmUp().catch(() => {});
      const jwks = keys.status().loaded ? 'loaded' : 'unavailable';
      const rev = revocation === undefined ? 'disabled' : revocation.state();
      const revOk = rev === 'disabled' || rev === 'fresh' || failOpen;
      return { ready: jwks === 'loaded' && revOk, checks: { jwks, revocation: rev } };
    },
    close() {
      revocation?.stop();
    },
    jwksStatus: () => ({ ...keys.status(), fetches: keys.fetchCount }),
    metricsRegistered: metrics.registered,
  };
}

/** The error handler alone, for hosts that render other errors themselves. */
export const authErrorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (!(err instanceof AuthClientError) || res.headersSent) return next(err);
  res.status(err.status).set(err.headers).json(err.toJSON());
};
