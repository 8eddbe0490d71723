import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { Router, type Express } from 'express';
import { CORS_PATHS, type CorsHandler } from './middleware/cors.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { rememberRouteBase, requestLog } from './middleware/request-log.js';
import type { ServiceMetrics } from './metrics/index.js';
import { BASE_PATH } from './paths.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes, rootRoutes, type RouteDeps } from './routes/index.js';
import { metricsRoute } from './routes/metrics.js';

export { BASE_PATH } from './paths.js';

/** What the service builds once and both the Express app and the lean listener share. */
export interface SharedHandlers {
  jwks: (req: IncomingMessage, res: ServerResponse) => void;
  cors: CorsHandler | undefined;
  metrics?: ServiceMetrics;
}

/**
 * Builds the Express app: metrics and logging, health, the auth routes under the base path, then
 * 404 and errors. With `metrics`, requests are timed and `/metrics` is served here unless a
 * separate metrics port is configured (then only that port serves it).
 */
export function buildApp(deps: RouteDeps, { jwks, cors, metrics }: SharedHandlers): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy > 0 ? deps.config.trustProxy : false);
  app.set('etag', false);
  if (metrics) app.use(metrics.http);
  app.use(requestLog(deps.logger));
  app.use((_req, res, next) => {
    // While draining, ask keep-alive clients to reconnect (to another replica).
    if (deps.lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });
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
  app.use(errorHandler(deps.logger));
  return app;
}
