// The floor of a Redis-backed wallet sign-in: POST /challenge and POST /sign-in on bare node:http,
// the fewest Redis round trips (SET EX; GETDEL, then SET EX for the refresh token), the wallet's
// Ed25519 signature checked with node:crypto, the access token signed with jose (as the service
// does). No validation beyond what correctness needs, no logs, metrics, rate limits, refresh
// families or audit: a sign-in no real service can beat on this stack and this machine.
// Usage: node signin-floor.mjs <active.pem> <redis-url> <prefix>; prints {"port": N}.
import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';

const [pemFile, redisUrl, prefix] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(pemFile));
const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA';
const redis = new Redis(redisUrl, { keyPrefix: prefix });
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(path, body) {
  if (path === '/api/v1/auth/challenge') {
    const nonce = randomBytes(32).toString('hex');
    await redis.set(`ch:${nonce}`, body.address, 'EX', 300);
    return [200, { challenge: nonce, ttl: 300 }];
  }
  if (path === '/api/v1/auth/sign-in') {
    const address = await redis.getdel(`ch:${body.challenge}`);
    if (address !== body.address) return [401, { error: 'invalid_challenge' }];
    const pub = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(body.public_key, 'hex')]), format: 'der', type: 'spki' });
    if (!verify(null, Buffer.from(body.challenge), pub, Buffer.from(body.signature, 'hex'))) return [401, { error: 'bad_signature' }];
    const now = Math.floor(Date.now() / 1000);
    const access = await new SignJWT({ role: 'wallet' }).setProtectedHeader({ alg, kid: 'k', typ: 'JWT' }).setSubject(address).setIssuedAt(now).setExpirationTime(now + 900).setJti(randomUUID()).sign(key);
    const refresh = randomBytes(32).toString('base64url');
    await redis.set(`rt:${createHash('sha256').update(refresh).digest('hex')}`, address, 'EX', 86400);
    return [200, { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900 }];
  }
  return [404, { error: 'not_found' }];
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'invalid_json' });
    }
    handle(req.url, body).then(([s, o]) => send(res, s, o), () => send(res, 503, { error: 'unavailable' }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
