/**
 * CORS for the endpoints a browser page calls directly: `/challenge`, `/sign-in`, `/refresh` and
 * the JWKS. The `cors` package writes the headers; this module only decides its options from
 * `AUTH_CORS_ORIGINS`, so the rules live in one place:
 * - origins are matched exactly (the package compares array entries with `===`): never by suffix,
 *   never a wildcard, never taken from the request (an unlisted origin gets no
 *   `Access-Control-Allow-Origin` at all, so the browser blocks the page from reading the answer);
 * - no credentials: tokens travel in bodies and `Authorization` headers, never cookies, so
 *   `Access-Control-Allow-Credentials` is never sent;
 * - allowed request headers are a fixed list (the package would otherwise echo
 *   `Access-Control-Request-Headers` back);
 * - `Vary: Origin` on every answer, allowed origin or not, so a shared cache never serves one
 *   origin's answer to another.
 * With no origins configured there is no middleware at all: no CORS header is ever written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { AuthConfig } from '../config/index.js';
import { AuthError, ConfigError } from '../errors/index.js';

/** The paths (under the base path) that browsers may call cross-origin. */
export const CORS_PATHS = ['/challenge', '/sign-in', '/refresh', '/jwks'];

/** Preflight answers are cached by the browser this long, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/** A node:http style middleware; Express accepts it as a RequestHandler. */
export type CorsHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * The CORS middleware for the configured origins, or `undefined` when none are configured. The
 * settings table has already refused any entry that is not an exact origin (config/origins.ts).
 */
export function corsMiddleware(config: Pick<AuthConfig, 'corsOrigins'>): CorsHandler | undefined {
  const origins = config.corsOrigins;
  if (origins.length === 0) return undefined;
  return cors({
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'If-None-Match'],
    // Readable by the page: the wait on 429/503, and the JWKS version.
    exposedHeaders: ['Retry-After', 'ETag'],
    credentials: false,
    maxAge: CORS_MAX_AGE_SECONDS,
    preflightContinue: false,
    optionsSuccessStatus: 204,
  }) as CorsHandler;
}
