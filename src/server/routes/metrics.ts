import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { AuthError, writeError } from '../errors/index.js';
import { listenUrl } from '../listen-url.js';

export const METRICS_PATH = '/metrics';
/**
 * Liveness on the metrics port too: that port is outside the service port's connection cap, so a
 * connection flood that fills the cap (readiness fails, the pod sheds traffic: intended) cannot
 * also fail liveness and restart a healthy pod.
 */
const HEALTHZ_PATH = '/healthz';
const HEALTHZ_BODY = Buffer.from(JSON.stringify({ status: 'ok' }));

/** Writes the registry's exposition (Prometheus text format); a failing collector is a 500. */
async function writeExposition(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: string;
  try {
    body = await registry.metrics();
  } catch {
    writeError(res, new AuthError('internal_error', 'Metrics collection failed.'));
    return;
  }
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** GET /metrics on the service port (mounted at the root, outside the auth base path). */
export function metricsRoute(registry: Registry): Router {
  const router = Router();
  router.get(METRICS_PATH, (req, res) => writeExposition(registry, req, res));
  return router;
}

export interface MetricsServer {
  port: number;
  url: string;
  /** Stops accepting and closes every connection (Prometheus keeps its scrape connection alive). */
  close(): Promise<void>;
}

/**
 * The separate metrics port (`AUTH_METRICS_PORT`): a small node:http server that answers
 * `GET /metrics` (and `/healthz`, see HEALTHZ_PATH) and nothing else, so that the service port (the one an ingress exposes) need not.
 */
export async function startMetricsServer(registry: Registry, port: number, host: string): Promise<MetricsServer> {
  const server: Server = createServer({ requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path === HEALTHZ_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': HEALTHZ_BODY.length });
      return void res.end(req.method === 'HEAD' ? undefined : HEALTHZ_BODY);
    }
    if (path !== METRICS_PATH) return writeError(res, new AuthError('not_found', 'Only /metrics and /healthz are served on this port.'));
    if (req.method !== 'GET' && req.method !== 'HEAD') return writeError(res, new AuthError('method_not_allowed', 'Use GET.', { headers: { Allow: 'GET, HEAD' } }));
    void writeExposition(registry, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port: actual,
    url: listenUrl(host, actual, METRICS_PATH),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
