/**
 * `npm run start:sample`: the sample API on PORT (default 8200), configured by AUTH_CLIENT_*.
 * SIGTERM/SIGINT: /readyz turns 503, in-flight requests finish, then the process exits.
 */
import type { AddressInfo } from 'node:net';
import { authClientOptionsFromEnv, createAuthClient, type AuthClient } from '../client/index.js';
import { createSampleApp } from './app.js';
import { sampleEnvWithDevDefaults } from './dev-defaults.js';

const port = Number(process.env.PORT ?? 8200);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0-65535 (got ${JSON.stringify(process.env.PORT)})`);
  process.exit(1);
}
const { env, applied } = sampleEnvWithDevDefaults(process.env);
if (applied.length) console.warn(JSON.stringify({ msg: 'development defaults (NODE_ENV is not production): trusting the local auth service', set: applied }));
let auth: AuthClient;
try {
  auth = createAuthClient(authClientOptionsFromEnv(env));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
let shuttingDown = false;
// The sign-in page at `/` calls the auth service from the browser: its URL as the browser sees it
// (default: the issuer). The auth service must list this API's origin in AUTH_CORS_ORIGINS.
const signInPage = { authUrl: env.SAMPLE_PAGE_AUTH_URL || env.AUTH_CLIENT_ISSUER || '' };
const app = createSampleApp({ auth, shuttingDown: () => shuttingDown, signInPage });
const server = app.listen(port, () => {
  console.log(JSON.stringify({ msg: 'sample API listening', port: (server.address() as AddressInfo).port }));
});
// Load the keys early so /readyz turns ready without waiting for a first request; failures are retried by /readyz.
auth.warmUp().catch((err: unknown) => console.warn(JSON.stringify({ msg: 'JWKS not loaded yet', error: err instanceof Error ? err.message : String(err) })));

const GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
function shutdown(signal: string): void {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(JSON.stringify({ msg: 'shutting down', signal }));
  auth.close();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, GRACE_MS).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
