import { METHODS } from 'node:http';
import { Router, type NextFunction, type Request, type RequestHandler, type Response, type RouterOptions } from 'express';
import { allowAnonymous, isAnonymousParam } from './guards.js';

type Handlers = unknown[];

const ROUTE_METHODS = [...METHODS.map((m) => m.toLowerCase()), 'all'];

/**
 * An Express Router on which authentication is the default: every route and every `use`d
 * middleware gets `authenticate` in front of its handlers, unless its first handler is
 * `allowAnonymous`. This is what makes the opt-out per route and explicit: a route forgotten by the
 * author is protected, never open. (A plain `app.use(authenticate)` cannot see which route will
 * match, so it cannot offer a per-route opt-out.)
 *
 * `router.param()` loaders run before any route handler, so they are guarded too: authentication
 * runs first, and a loader never sees an unauthenticated request (otherwise "401 vs 404 without a
 * token" would tell anyone which ids exist). `router.param(name, allowAnonymousParam(loader))` opts out.
 */
export function protectedRouter(authenticate: RequestHandler, options?: RouterOptions): Router {
  const router = Router(options);
  const withAuth = (handlers: Handlers): Handlers => {
    const flat = handlers.flat(Infinity);
    return flat[0] === allowAnonymous ? flat : [authenticate, ...flat];
  };

  const route = router.route.bind(router);
  router.route = ((path: string) => {
    const r = route(path) as unknown as Record<string, (...h: Handlers) => unknown>;
    for (const method of ROUTE_METHODS) {
      const original = r[method];
      if (typeof original !== 'function') continue;
      r[method] = (...handlers: Handlers) => original.apply(r, withAuth(handlers));
    }
    return r;
  }) as unknown as Router['route'];

  const use = router.use.bind(router) as (...args: Handlers) => Router;
  router.use = ((...args: Handlers) => {
    const first = args[0];
    const hasPath = !(typeof first === 'function' || (Array.isArray(first) && typeof first.flat(Infinity)[0] === 'function'));
    return hasPath ? use(first, ...withAuth(args.slice(1))) : use(...withAuth(args));
  }) as unknown as Router['use'];
  const param = router.param.bind(router) as (name: string, fn: ParamLoader) => Router;
  router.param = ((name: string, loader: ParamLoader) => {
    if (typeof loader !== 'function' || isAnonymousParam(loader)) return param(name, loader);
    return param(name, (req, res, next, value, paramName) => {
      authenticate(req, res, (err?: unknown) => (err === undefined || err === null ? loader(req, res, next, value, paramName) : next(err)));
    });
  }) as unknown as Router['param'];
  return router;
}

type ParamLoader = (req: Request, res: Response, next: NextFunction, value: unknown, name: string) => unknown;
