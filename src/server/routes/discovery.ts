import { Router } from 'express';
import { AuthError } from '../errors/index.js';
import { SIGNING_ALGORITHMS } from '../keys/index.js';
import { JWKS_PATH, REFRESH_PATH } from '../paths.js';
import type { RouteDeps } from './deps.js';

const WELL_KNOWN = '/.well-known/openid-configuration';

/**
 * The discovery path for an issuer, per OpenID Connect Discovery 1.0 section 4: the issuer's path
 * (without a trailing slash) followed by `/.well-known/openid-configuration`, so issuer
 * `https://a.example/tenant1` is discovered at `/tenant1/.well-known/openid-configuration`.
 */
export function discoveryPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '') + WELL_KNOWN;
}

/**
 * GET /.well-known/openid-configuration at the issuer's root. Also answered at the bare root path
 * when the issuer has a path, for ingresses that strip the prefix. `token_endpoint` is the refresh
 * endpoint: the only endpoint that exchanges a grant (a refresh token) for tokens here.
 */
export function discoveryRoute({ config, keys }: RouteDeps): Router {
  const router = Router();
  const issuer = config.issuer.replace(/\/+$/, '');
  const paths = [...new Set([discoveryPath(config.issuer), WELL_KNOWN])];
  router.get(paths, (_req, res) => {
    const keyring = keys.keyring;
    if (!keyring) throw new AuthError('keys_unavailable');
    // The algorithms of the published keys, in the allowlist's order.
    const algs = SIGNING_ALGORITHMS.filter((a) => keyring.entries.some((e) => e.alg === a));
    res.set('Cache-Control', `public, max-age=${config.jwksMaxAgeSeconds}`).json({
      issuer: config.issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      token_endpoint: `${issuer}${REFRESH_PATH}`,
      id_token_signing_alg_values_supported: algs,
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      grant_types_supported: ['refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });
  return router;
}
