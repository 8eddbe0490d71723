import { Router } from 'express';
import type { ServiceContext } from '../context.js';

/**
 * /healthz: the process serves. /readyz: keys loaded and not shutting down. Redis is reported but
 * does not fail readiness: every replica shares one Redis, so a Redis blip must not pull every pod
 * (and the JWKS) out of service; the endpoints that need Redis answer 503 instead.
 */
export function healthRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const keyring = ctx.keys.keyring;
    const missing: string[] = [];
    if (!keyring) missing.push('keys');
    if (ctx.lifecycle.shuttingDown) missing.push('shutting_down');
    const body = {
      status: missing.length ? 'not_ready' : 'ready',
      ...(missing.length ? { missing, detail: `Not ready: ${missing.join(', ')}.`, error: 'not_ready' } : {}),
      keys: keyring ? { active_kid: keyring.active.kid, count: keyring.entries.length, fingerprint: keyring.fingerprint } : null,
      store: { backend: ctx.stores.health.backend, ready: ctx.stores.health.ready() },
    };
    res.status(missing.length ? 503 : 200).set('Cache-Control', 'no-store').json(body);
  });
  return router;
}
