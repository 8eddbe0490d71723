import { IncomingMessage, ServerResponse } from 'node:http';
import express, { Router, type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { AuthError } from './errors/index.js';
import { CORS_PATHS, type CorsHandler } from './middleware/cors.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { rememberRouteBase, requestLog } from './middleware/request-log.js';
import type { ServiceMetrics } from './metrics/index.js';
import { BASE_PATH } from './paths.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes, challengeHandlers, rootRoutes, signInHandlers, type RouteDeps } from './routes/index.js';
import { metricsRoute } from './routes/metrics.js';

export { BASE_PATH } from './paths.js';

/** What the service builds once and both the Express app and the lean listener share. */
export interface SharedHandlers {
  jwks: (req: IncomingMessage, res: ServerResponse) => void;
  cors: CorsHandler | undefined;
  metrics?: ServiceMetrics;
}

/** The Express app, and the lean dispatcher of the hot POST routes (see `leanPosts`). */
export interface BuiltApp {
  app: Express;
  /** Handles the request and returns true when it is one of the lean POST routes; false leaves it to the app. */
  lean: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** node:http's request and response classes born with the app's prototypes (see `bornWithAppPrototypes`), for the listener. */
  classes: HttpClasses;
}

/** createServer's `IncomingMessage` / `ServerResponse` options. */
export interface HttpClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Builds the Express app: metrics and logging, health, the auth routes under the base path, then
 * 404 and errors. With `metrics`, requests are timed and `/metrics` is served here unless a
 * separate metrics port is configured (then only that port serves it).
 */
export function buildApp(deps: RouteDeps, { jwks, cors, metrics }: SharedHandlers): BuiltApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy > 0 ? deps.config.trustProxy : false);
  app.set('etag', false);
  // What every request goes through first, in this order (the lean path runs the same list).
  const front: RequestHandler[] = [
    ...(metrics ? [metrics.http] : []),
    requestLog(deps.logger),
    (_req, res, next) => {
      // While draining, ask keep-alive clients to reconnect (to another replica).
      if (deps.lifecycle.shuttingDown) res.setHeader('Connection', 'close');
      next();
    },
  ];
  for (const handler of front) app.use(handler);
  app.use(healthRoutes(deps));
  if (metrics && deps.config.metricsPort === undefined) app.use(metricsRoute(metrics.registry));
  for (const router of rootRoutes(deps)) app.use(router);

  const api = Router();
  // Before the routes, so preflights are answered (never rate-limited) and errors carry CORS headers too.
  if (cors) api.use(CORS_PATHS, cors);
  api.get('/jwks', (req, res) => jwks(req, res));
  for (const router of authRoutes(deps)) api.use(router);
  app.use(BASE_PATH, rememberRouteBase, api);

  app.use(notFound);
  const onError = errorHandler(deps.logger);
  app.use(onError);
  const before: RequestHandler[] = [...front, rememberRouteBase as RequestHandler, ...(cors ? [cors as RequestHandler] : [])];
  return { app, lean: leanPosts(app, before, onError, { '/challenge': challengeHandlers(deps), '/sign-in': signInHandlers(deps) }), classes: bornWithAppPrototypes(app) };
}

/**
 * Request and response classes for node:http whose objects are created with the app's prototypes,
 * so that neither the lean path nor Express has to change an object's prototype on every request:
 * `Object.setPrototypeOf` moves the object to another hidden class, which V8 charges for at the
 * swap and at every property access site that then sees both shapes (bench/PROFILING.md). Each
 * class extends node:http's own (so V8 sizes its objects for node:http's fields); its prototype
 * takes the place of `app.request` / `app.response`: the same own properties (`app`) on the same
 * parent (Express's request / response), so Express's own swap (`app.handle`) is to the prototype
 * the object already has (a no-op), and mounting the app in another one re-parents it as before.
 */
function bornWithAppPrototypes(app: Express): HttpClasses {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  const adopt = (proto: object, appProto: object): void => {
    Object.setPrototypeOf(proto, Object.getPrototypeOf(appProto) as object);
    Object.defineProperties(proto, Object.getOwnPropertyDescriptors(appProto));
  };
  adopt(AppRequest.prototype, app.request);
  adopt(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as Express['request'];
  app.response = AppResponse.prototype as Express['response'];
  return { IncomingMessage: AppRequest, ServerResponse: AppResponse as typeof ServerResponse };
}

/**
 * The hot POST routes (`/challenge`, `/sign-in`) without Express's router: for exactly
 * `POST <base path><route>`, the request runs the very handlers the app would run for it, in the
 * same order (`front`, `rememberRouteBase`, CORS, then the route's own: body parsing, limits, the
 * handler) on the same Express request and response objects (the app's prototypes: `req.ip` under
 * `trust proxy`, `res.json`), with the route's `req.baseUrl` and `req.route` set for the log and the
 * metrics, and errors go to the app's error handler. What it skips is the router's walk through
 * every layer before the route (~15 layers and their path matching: about 9% of a sign-in's CPU,
 * bench/PROFILING.md). Any other method or URL (a query string, a trailing slash, another case)
 * goes to the app, which answers it as before.
 */
function leanPosts(app: Express, before: RequestHandler[], onError: ErrorRequestHandler, routes: Record<string, RequestHandler[]>): BuiltApp['lean'] {
  const chains = new Map(Object.entries(routes).map(([path, handlers]) => [`${BASE_PATH}${path}`, { route: { path }, handlers: [...before, ...handlers] }]));
  type Req = Parameters<RequestHandler>[0];
  type Res = Parameters<RequestHandler>[1];
  return (rawReq, rawRes) => {
    if (rawReq.method !== 'POST') return false;
    const chain = chains.get(rawReq.url ?? '');
    if (!chain) return false;
    // What app.handle and the router set up (express/lib/application.js, router/index.js).
    const req = rawReq as Req;
    const res = rawRes as Res;
    req.res = res;
    res.req = req;
    // Already so when the service's own listener made them (`bornWithAppPrototypes`); not when an
    // embedder's server calls `service.handler`.
    if (Object.getPrototypeOf(req) !== app.request) Object.setPrototypeOf(req, app.request);
    if (Object.getPrototypeOf(res) !== app.response) Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null) as Res['locals'];
    req.originalUrl ??= req.url;
    req.baseUrl = BASE_PATH;
    req.params = {};
    (req as { route?: unknown }).route = chain.route;
    const { handlers } = chain;
    let i = 0;
    const fail = (err: unknown): void => void onError(err, req, res, () => undefined);
    // Express's semantics: next(err) skips to the error handler; a returned promise that rejects is next(err).
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) return fail(err);
      const handler = handlers[i++];
      if (!handler) return fail(new AuthError('not_found')); // the app's notFound (never reached: the last handler answers)
      try {
        const out = handler(req, res, next) as unknown;
        if (out instanceof Promise) out.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    next();
    return true;
  };
}
