import type { Router } from 'express';
import { signInPage } from '../../web/serve.js';
import type { RouteDeps } from './deps.js';

/**
 * The wallet sign-in demo page at `/` (AUTH_DEMO_PAGE=true; off by default and in the Helm chart).
 * Served by the auth service itself, the page calls the auth endpoints on its own origin (no CORS
 * needed) and, having no API to call, shows the access token's claims. It checks the wallet's chain
 * against AUTH_SIWE_CHAIN_IDS before asking for a signature. Its host must be in AUTH_SIWE_DOMAINS.
 */
export function demoPageRoute({ config }: RouteDeps): Router {
  return signInPage({ authUrl: '', apiUrl: null, chainIds: config.siweChainIds });
}
