import express, { type Express } from 'express';
import { allowAnonymous, getSecurityContext, identityOf, requireIdentity, requireRole, type AuthClient } from '../client/index.js';
import { signInPage, type SignInPageOptions } from '../web/serve.js';

export interface SampleAppOptions {
  auth: AuthClient;
  /** Returns true once shutdown started: `/readyz` then answers 503. */
  shuttingDown?: () => boolean;
  /** Serve the wallet sign-in page at `/` (it calls `/api/me` here, on its own origin). */
  signInPage?: SignInPageOptions;
}

/**
 * The sample downstream API (the seed's "API Service", port 8200): every route under /api requires
 * a valid token unless marked `allowAnonymous`; /healthz and /readyz sit outside the protected router.
 */
export function createSampleApp({ auth, shuttingDown = () => false, signInPage: page }: SampleAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const report = await auth.readiness();
    const ready = report.ready && !shuttingDown();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', shutting_down: shuttingDown(), ...report.checks });
  });

  const api = auth.router();
  api.get('/public', allowAnonymous, (_req, res) => void res.json({ message: 'Anyone can read this.' }));
  api.get('/data', (req, res) => void res.json({ message: 'Protected data.', sub: req.auth?.sub }));
  api.get('/me', (_req, res) => {
    // Read through AsyncLocalStorage on purpose: the context is there without threading `req`.
    const ctx = getSecurityContext();
    res.json({ sub: ctx?.sub, role: ctx?.role, identity: ctx && identityOf(ctx), groups: ctx?.groups, scopes: ctx?.scopes, jti: ctx?.jti, claims: ctx?.claims });
  });
  // Per-wallet data: only a wallet's own token, never a service token naming the wallet.
  api.get('/wallet', requireIdentity('wallet'), (req, res) => void res.json({ address: req.auth!.sub, algorithm: req.auth!.claims.algorithm }));
  api.get('/admin', requireRole('operator'), (req, res) => void res.json({ message: 'Operators only.', sub: req.auth?.sub }));
  app.use('/api', api);
  if (page) app.use(signInPage(page));

  app.use((_req, res) => void res.status(404).json({ detail: 'No such endpoint.', error: 'not_found' }));
  app.use(auth.errorHandler);
  // Anything else (a bug) is a 500 with the contract's shape and no internals.
  app.use(((err, _req, res, _next) => {
    const status = typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500 ? (err as { status: number }).status : 500;
    res.status(status).json(status === 500 ? { detail: 'Internal error.', error: 'internal_error' } : { detail: 'Bad request.', error: 'invalid_request' });
  }) as express.ErrorRequestHandler);
  return app;
}
