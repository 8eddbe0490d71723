import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id (the X-Request-Id it answers with), set by `requestLog`. */
    id?: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's X-Request-Id when it is sane, else makes one; always returns it. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const ROUTE_BASE = Symbol('routeBase');
type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string; [ROUTE_BASE]?: string };

/**
 * Put before a router mounted under a path (`app.use(BASE_PATH, rememberRouteBase, router)`):
 * Express resets `req.baseUrl` when an error leaves the router, so without it a failed
 * `/api/v1/auth/challenge` would be logged and counted as `/challenge`.
 */
export function rememberRouteBase(req: RoutedRequest, _res: ServerResponse, next: () => void): void {
  req[ROUTE_BASE] = req.baseUrl;
  next();
}

/** The route template (never the raw path, which may carry addresses) for logs and metrics. */
export function routeTemplate(req: RoutedRequest): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl || req[ROUTE_BASE] || ''}${path}` : 'unmatched';
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** 2xx/3xx at debug (not written in production), 4xx at info, 5xx at error. */
function levelOf(status: number): Level {
  // A 503 is a dependency state (Redis down, no key yet, draining), already logged once when the
  // state changes: warn, not error, so that a readiness probe loop does not flood error logs.
  if (status === 503) return 'warn';
  if (status >= 500) return 'error';
  return status >= 400 ? 'info' : 'debug';
}

/**
 * One JSON line per request: request id, method, route template, status, duration. Only these
 * fields are serialized, so headers (Authorization, X-Fleet-Secret) and bodies never reach a log.
 * Hand-written rather than pino-http: that builds a child logger (with redaction) for every
 * request and then drops the 2xx line, about 6% of a sign-in's CPU (bench/PROFILING.md); here
 * nothing is built unless the line's level is on.
 */
export function requestLog(logger: Logger): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const id = requestId(req, res);
    req.id = id; // the error handler logs it with real failures
    const start = performance.now();
    // `close` comes once per response, after `finish` when it was sent whole (one tick later) and
    // alone when the client went away first: one listener, never removed (the response dies with it).
    const done = () => {
      // Closed before the response was complete: the client went away (or the socket failed).
      const aborted = !res.writableFinished;
      const status = res.statusCode;
      const level: Level = aborted ? 'warn' : levelOf(status);
      if (!logger.isLevelEnabled(level)) return;
      const route = routeTemplate(req);
      const line = { req: { id, method: req.method }, res: { statusCode: status }, route, responseTime: Math.round(performance.now() - start) };
      logger[level](line, aborted ? `${req.method} ${route} aborted` : `${req.method} ${route} ${status}`);
    };
    res.on('close', done);
    next();
  };
}
