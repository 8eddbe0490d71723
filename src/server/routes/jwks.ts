import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthConfig } from '../config/index.js';
import { AuthError, writeError } from '../errors/index.js';
import type { Keyring } from '../keys/index.js';
import type { RouteDeps } from './deps.js';

/**
 * GET /jwks as a bare node:http handler: the JWKS is the readiness probe and the target of every
 * downstream cache refresh, so it skips Express entirely and writes bytes computed once per
 * keyring change. Built once by the service: the lean path and the Express app (for embedders) share it.
 */
export function createJwksHandler({ config, keys, lifecycle }: { config: Pick<AuthConfig, 'jwksMaxAgeSeconds' | 'corsOrigins'> } & Pick<RouteDeps, 'keys' | 'lifecycle'>): (req: IncomingMessage, res: ServerResponse) => void {
  const { jwksMaxAgeSeconds } = config;
  const cacheControl = `public, max-age=${jwksMaxAgeSeconds}`;
  // With CORS on, answers differ by Origin: every one says so (including the lean path's, which has
  // no Origin), so a shared cache never hands one origin's answer to another. Written here because
  // writeHead's headers replace the `Vary` the CORS middleware set.
  const vary = config.corsOrigins.length > 0 ? 'Origin, Accept-Encoding' : 'Accept-Encoding';
  const unavailable = (res: ServerResponse, err: AuthError) => writeError(res, err, { 'Cache-Control': 'no-store' });
  let cached: Keyring | undefined;
  let notModified: string[] = [];
  let ok: string[] = [];
  return (req, res) => {
    if (lifecycle.shuttingDown) {
      res.setHeader('Connection', 'close');
      // A new connection is a readiness probe (the kubelet opens one per probe) or a client the
      // balancer should no longer send here: 503 takes the replica out. A connection open before
      // the shutdown is a client kube-proxy keeps pinned to this pod: it gets the keys, and
      // `Connection: close` sends its next request to another replica (the endpoints already left
      // out this terminating pod whatever the probe says, so the 200 keeps nothing routed here).
      if (!lifecycle.openedBeforeShutdown(req)) {
        unavailable(res, new AuthError('shutting_down'));
        return;
      }
    }
    const keyring = keys.keyring;
    if (!keyring) {
      unavailable(res, new AuthError('keys_unavailable'));
      return;
    }
    if (cached !== keyring) {
      // Header lists built once per keyring, as flat arrays: node:http writes them without walking
      // an object per request (measured: JWKS ÷ bare node:http 0.74 -> 0.86 per CPU-second).
      cached = keyring;
      notModified = ['Cache-Control', cacheControl, 'ETag', keyring.etag, 'Vary', vary];
      ok = [...notModified, 'Content-Type', 'application/json', 'Content-Length', String(keyring.body.length)];
    }
    if (matchesEtag(req.headers['if-none-match'], keyring.etag)) {
      res.writeHead(304, notModified);
      res.end();
      return;
    }
    res.writeHead(200, ok);
    res.end(req.method === 'HEAD' ? undefined : keyring.body);
  };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
