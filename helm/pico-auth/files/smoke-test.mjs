// The chart's `helm test`: fetches the JWKS, signs in with a fresh Ed25519 wallet, and checks the
// access token against the JWKS. Dependency-free (node:crypto and fetch), so it runs from the
// service image. Environment: AUTH_URL (base URL, required), AUTH_ISSUER and AUTH_AUDIENCE
// (expected claims, optional), SMOKE_ATTEMPTS (JWKS tries, 2 s apart, default 10). Exit 0 on success; 1 with a reason otherwise.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

const base = (process.env.AUTH_URL ?? '').replace(/\/+$/, '');
if (!base) fail('AUTH_URL is not set');
const api = `${base}/api/v1/auth`;

function fail(reason) {
  console.error(`smoke-test: FAILED: ${reason}`);
  process.exit(1);
}

async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The JWKS, retried for a short while: the test may start while pods are still rolling. */
async function fetchJwks() {
  let last = 'no attempt';
  const attempts = Number(process.env.SMOKE_ATTEMPTS ?? 10);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const r = await call('GET', '/jwks');
      if (r.status === 200 && Array.isArray(r.json?.keys) && r.json.keys.length > 0) return r.json;
      last = `status ${r.status}: ${r.text.slice(0, 200)}`;
    } catch (err) {
      last = err.message;
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  fail(`GET /jwks: ${last}`);
}

function verifyJwt(token, jwks) {
  const parts = token.split('.');
  if (parts.length !== 3) fail('the access token is not a compact JWS');
  const [h, p, s] = parts;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) fail(`the token's kid ${header.kid} is not in the JWKS`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let ok;
  if (header.alg === 'RS256') ok = verify('sha256', data, key, sig);
  else if (header.alg === 'ES256') ok = verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  else if (header.alg === 'EdDSA') ok = verify(null, data, key, sig);
  else fail(`unexpected token alg ${header.alg}`);
  if (!ok) fail('the access token signature does not verify against the JWKS');
  return { header, claims };
}

const jwks = await fetchJwks();
console.log(`smoke-test: JWKS has ${jwks.keys.length} key(s): ${jwks.keys.map((k) => `${k.kid} (${k.alg})`).join(', ')}`);

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
// The raw 32-byte key is the tail of the SPKI DER encoding.
const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
const address = raw.toString('hex');

const challenge = await call('POST', '/challenge', { address });
if (challenge.status !== 200 || typeof challenge.json?.challenge !== 'string') {
  fail(`POST /challenge: status ${challenge.status}: ${challenge.text.slice(0, 200)}`);
}
const nonce = challenge.json.challenge;
const signature = sign(null, Buffer.from(nonce, 'utf8'), privateKey).toString('hex');

const signIn = await call('POST', '/sign-in', { algorithm: 'Ed25519', address, public_key: address, signature, challenge: nonce });
if (signIn.status !== 200 || typeof signIn.json?.access_token !== 'string') {
  fail(`POST /sign-in: status ${signIn.status}: ${signIn.text.slice(0, 200)}`);
}
const { claims } = verifyJwt(signIn.json.access_token, jwks);
if (claims.wallet_address !== address) fail(`wallet_address claim ${claims.wallet_address} is not ${address}`);
if (claims.role !== 'wallet') fail(`role claim ${claims.role} is not wallet`);
if (process.env.AUTH_ISSUER && claims.iss !== process.env.AUTH_ISSUER) fail(`iss ${claims.iss} is not ${process.env.AUTH_ISSUER}`);
const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
if (process.env.AUTH_AUDIENCE && !aud.includes(process.env.AUTH_AUDIENCE)) fail(`aud ${claims.aud} lacks ${process.env.AUTH_AUDIENCE}`);
if (!(claims.exp > Date.now() / 1000)) fail('the access token is already expired');

console.log(`smoke-test: OK: wallet ${address.slice(0, 12)}... signed in, token verified (kid ${verifyJwt(signIn.json.access_token, jwks).header.kid})`);
