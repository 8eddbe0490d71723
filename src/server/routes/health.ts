import { Router } from 'express';
import { AuthError, errorBody } from '../errors/index.js';
import type { RouteDeps } from './deps.js';

/**
 * /healthz: the process serves. /readyz: keys loaded and not shutting down. Redis is reported but
 * does not fail readiness: every replica shares one Redis, so a Redis blip must not pull every pod
 * (and the JWKS) out of service; the endpoints that need Redis answer 503 instead.
 */
export function healthRoutes({ keys, lifecycle, storeHealth }: RouteDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const keyring = keys.keyring;
    const missing: string[] = [];
    if (!keyring) missing.push('keys');
    if (lifecycle.shuttingDown) missing.push('shutting_down');
    // A status document rather than a bare error: on 503 it carries the contract's error fields too.
    const notReady = missing.length ? new AuthError('not_ready', `Not ready: ${missing.join(', ')}.`) : undefined;
    const body = {
      status: notReady ? 'not_ready' : 'ready',
      ...(notReady ? { missing, ...errorBody(notReady) } : {}),
      keys: keyring ? { active_kid: keyring.active.kid, count: keyring.entries.length, fingerprint: keyring.fingerprint } : null,
      store: { backend: storeHealth.backend, ready: storeHealth.ready() },
    };
    res.status(notReady?.status ?? 200).set({ ...notReady?.headers, 'Cache-Control': 'no-store' }).json(body);
  });
  return router;
}
