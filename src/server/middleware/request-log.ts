import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';

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

/**
 * One JSON line per request: request id, method, route template, status, duration. Only these
 * fields are serialized, so headers (Authorization, X-Fleet-Secret) and bodies never reach a log.
 */
export function requestLog(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestId,
    // A 503 is a dependency state (Redis down, no key yet, draining), already logged once when the
    // state changes: warn, not error, so that a readiness probe loop does not flood error logs.
    customLogLevel: (_req, res, err) => {
      if (res.statusCode === 503 && !err) return 'warn';
      if (err || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'info' : 'debug';
    },
    customSuccessMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeTemplate(req)} ${res.statusCode}`,
    // Added to the finished line only: `customProps` would also bind the route at request start
    // (still `unmatched`), and the line would carry two `route` keys.
    customSuccessObject: (req, _res, line: object) => ({ ...line, route: routeTemplate(req) }),
    // pino-http attaches a synthetic Error ("failed with status code 5xx", with a stack) to every
    // 5xx line; the error handler already logs real failures with their cause, so drop it here.
    customErrorObject: (req, _res, _err, line: object) => {
      const { err: _synthetic, ...rest } = line as { err?: unknown };
      return { ...rest, route: routeTemplate(req) };
    },
    serializers: {
      req: (req: { id: string; method: string }) => ({ id: req.id, method: req.method }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    wrapSerializers: false,
  });
}
