import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { routeTemplate } from '../middleware/request-log.js';
import type { MetricSet } from './definitions.js';
import type { Observe } from './fast-histogram.js';
import { methodLabel, statusClass } from './labels.js';

/**
 * The request duration histogram for the Express app: from the moment the request enters the app
 * to the moment the response is handed to the socket (`finish`). The route label is the matched
 * route template, `unmatched` for a 404; a request the client aborts before the response is sent
 * is not observed.
 */
export function httpDuration(m: MetricSet): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    // `on`, not `once`: `finish` comes at most once, and `once` wraps every listener in a closure.
    res.on('finish', () => {
      m.httpDuration.observe([methodLabel(req.method), routeTemplate(req), statusClass(res.statusCode)], (performance.now() - start) / 1000);
    });
    next();
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Times a synchronous lean node:http handler (the JWKS path, which bypasses Express) into the same
 * histogram under a fixed route, cheaply: no `finish` listener (the handler writes its whole
 * response before it returns, so the time it takes is the request's server time) and no label
 * object per request (the labelled child is resolved once per method and status, then cached).
 */
export function timeLeanHandler(m: MetricSet, route: string, handler: Handler): Handler {
  const children = new Map<string, Observe>();
  const child = (method: string, status: number): Observe => {
    const key = `${method} ${status}`;
    let observe = children.get(key);
    if (!observe) {
      observe = m.httpDuration.child(methodLabel(method), route, statusClass(status));
      children.set(key, observe);
    }
    return observe;
  };
  return (req, res) => {
    const start = performance.now();
    handler(req, res);
    child(req.method ?? '', res.statusCode)((performance.now() - start) / 1000);
  };
}
