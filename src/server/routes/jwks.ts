import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../context.js';
import type { Keyring } from '../keys/index.js';

export const JWKS_PATH = '/api/v1/auth/jwks';

/**
 * GET /jwks as a bare node:http handler: the JWKS is the readiness probe and the target of every
 * downstream cache refresh, so it skips Express entirely and writes bytes computed once per
 * keyring change. Also mounted in the Express app for embedders.
 */
export function createJwksHandler(ctx: ServiceContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { jwksMaxAgeSeconds } = ctx.config;
  const cacheControl = `public, max-age=${jwksMaxAgeSeconds}`;
  // With CORS on, answers differ by Origin: every one says so (including the lean path's, which has
  // no Origin), so a shared cache never hands one origin's answer to another. Written here because
  // writeHead's headers replace the `Vary` the CORS middleware set.
  const vary = ctx.config.corsOrigins.length > 0 ? 'Origin, Accept-Encoding' : 'Accept-Encoding';
  const unavailable = (res: ServerResponse, code: string, detail: string) => {
    const body = JSON.stringify({ detail, error: code });
    res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '1', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  let cached: Keyring | undefined;
  let notModified: string[] = [];
  let ok: string[] = [];
  return (req, res) => {
    if (ctx.lifecycle.shuttingDown) {
      res.setHeader('Connection', 'close');
      unavailable(res, 'shutting_down', 'This replica is shutting down.');
      return;
    }
    const keyring = ctx.keys.keyring;
    if (!keyring) {
      unavailable(res, 'keys_unavailable', 'No signing key is loaded.');
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
