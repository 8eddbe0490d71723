import express, { Router, type Express } from 'express';
import type { ServiceContext } from './context.js';
import { corsMiddleware, CORS_PATHS } from './middleware/cors.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { rememberRouteBase, requestLog } from './middleware/request-log.js';
import type { ServiceMetrics } from './metrics/index.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes, rootRoutes } from './routes/index.js';
import { createJwksHandler } from './routes/jwks.js';
import { metricsRoute } from './routes/metrics.js';

export const BASE_PATH = '/api/v1/auth';

/**
 * Builds the Express app: metrics and logging, health, the auth routes under the base path, then
 * 404 and errors. With `metrics`, requests are timed and `/metrics` is served here unless a
 * separate metrics port is configured (then only that port serves it).
 */
export function buildApp(ctx: ServiceContext, metrics?: ServiceMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy > 0 ? ctx.config.trustProxy : false);
  app.set('etag', false);
  if (metrics) app.use(metrics.http);
  app.use(requestLog(ctx.logger));
  app.use((_req, res, next) => {
    // While draining, ask keep-alive clients to reconnect (to another replica).
    if (ctx.lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    next();
  });
  app.use(healthRoutes(ctx));
  if (metrics && ctx.config.metricsPort === undefined) app.use(metricsRoute(metrics.registry));
  for (const router of rootRoutes(ctx)) app.use(router);

  const api = Router();
  // Before the routes, so preflights are answered (never rate-limited) and errors carry CORS headers too.
  const cors = corsMiddleware(ctx.config);
  if (cors) api.use(CORS_PATHS, cors);
  const jwks = createJwksHandler(ctx);
  api.get('/jwks', (req, res) => jwks(req, res));
  for (const router of authRoutes(ctx)) api.use(router);
  app.use(BASE_PATH, rememberRouteBase, api);

  app.use(notFound);
  app.use(errorHandler(ctx.logger));
  return app;
}
