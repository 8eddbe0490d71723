// A downstream API route, GET /api/data, guarded five ways (one mode per process).
// Usage: node downstream.mjs <mode> <jwks-url> <issuer> <audience>; prints {"port": N}.
//   open        the route unprotected (the baseline)
//   pico        createAuthClient(...).authenticate (this library, verified-token cache on)
//   pico-cold   the same with tokenCache: false (every request verifies the signature)
//   express-jwt express-jwt + jwks-rsa (cache and rate limit on), what most Express users pick
//   jose        jose's plain jwtVerify + createRemoteJWKSet, as a hand-written middleware
//   auth0       Auth0's express-oauth2-jwt-bearer `auth()` (jose inside, its own JWKS cache)
import { createServer } from 'node:http';
import express from 'express';

const [mode, jwksUrl, issuer, audience] = process.argv.slice(2);
const algorithms = ['RS256', 'ES256', 'EdDSA'];
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
const handler = (req, res) => void res.json({ message: 'Protected data.', sub: req.auth?.sub ?? null });

if (mode === 'open') {
  app.get('/api/data', handler);
} else if (mode === 'pico' || mode === 'pico-cold') {
  const { createAuthClient } = await import('../../dist/client/index.js');
  const auth = createAuthClient({ issuer, audience, jwksUrl, acceptedAlgorithms: algorithms, ...(mode === 'pico-cold' ? { tokenCache: false } : {}) });
  await auth.warmUp();
  app.get('/api/data', auth.authenticate, handler);
  app.use(auth.errorHandler);
} else if (mode === 'express-jwt') {
  const { expressjwt } = await import('express-jwt');
  const { expressJwtSecret } = await import('jwks-rsa');
  const guard = expressjwt({
    secret: expressJwtSecret({ jwksUri: jwksUrl, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
    algorithms: ['RS256', 'ES256'],
    issuer,
    audience,
  });
  app.get('/api/data', guard, handler);
  app.use((err, _req, res, _next) => void res.status(err.status ?? 500).json({ detail: err.message, error: err.code ?? 'error' }));
} else if (mode === 'jose') {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const guard = async (req, res, next) => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    try {
      if (!m) throw new Error('missing token');
      const { payload } = await jwtVerify(m[1], jwks, { issuer, audience, algorithms, typ: 'JWT' });
      req.auth = payload;
    } catch {
      return void res.status(401).json({ detail: 'invalid token', error: 'invalid_token' });
    }
    next();
  };
  app.get('/api/data', guard, handler);
} else if (mode === 'auth0') {
  const { auth } = await import('express-oauth2-jwt-bearer');
  // issuer + jwksUri given: no discovery request.
  const guard = auth({ issuer, jwksUri: jwksUrl, audience, tokenSigningAlg: 'RS256' });
  app.get('/api/data', guard, handler);
  app.use((err, _req, res, _next) => void res.status(err.status ?? 500).json({ detail: err.message, error: err.code ?? 'error' }));
} else {
  throw new Error(`unknown mode ${mode}`);
}

const server = createServer({ keepAliveTimeout: 65_000 }, app);
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
