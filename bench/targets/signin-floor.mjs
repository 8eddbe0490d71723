// The floor of a Redis-backed wallet sign-in: POST /challenge and POST /sign-in on bare node:http
// doing the same Redis work as the service, in the fewest round trips that work allows:
//  - challenge: the client's bucket counter (INCR + EXPIRE, one script), then the challenge (SET EX)
//    holding that sequence number (2 round trips: the SET needs the counter's answer);
//  - sign-in: GETDEL of the challenge with the bucket's counter read behind it (1 round trip), the
//    refresh family and its first token (two SET EXAT in one script, 1 round trip), and a mint-audit
//    record per sign-in, written in batches every 50 ms (HSET + ZADDs + INCR in one script).
// The wallet's Ed25519 signature is checked and the RS256/ES256/EdDSA access token signed with
// node:crypto, as the service does. No validation beyond what correctness needs, no logs, metrics,
// rate limits, error catalogue or CORS: a sign-in no real service can beat on this stack and machine.
// Usage: node signin-floor.mjs <active.pem> <redis-url> <prefix>; prints {"port": N}.
import { createHash, createPrivateKey, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { publicKeyFromSpki } from '../../dist/server/wallets/spki-key.js';

const [pemFile, redisUrl, prefix] = process.argv.slice(2);
const key = createPrivateKey(readFileSync(pemFile));
const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' ? 'ES256' : 'EdDSA';
const redis = new Redis(redisUrl, { keyPrefix: prefix });
redis.defineCommand('nextSeq', { numberOfKeys: 1, lua: "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) return n" });
redis.defineCommand('createFamily', { numberOfKeys: 2, lua: "redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2]) redis.call('SET', KEYS[2], ARGV[3], 'EXAT', ARGV[4]) return 1" });
redis.defineCommand('audit', {
  numberOfKeys: 4,
  lua: `for i = 1, #ARGV, 3 do
  local order = redis.call('INCR', KEYS[4])
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
  redis.call('ZADD', KEYS[3], order, ARGV[i])
end
return 1`,
});

let pending = [];
let timer;
function audit(id, record, exp) {
  pending.push(id, record, exp);
  timer ??= setTimeout(() => {
    const batch = pending;
    pending = [];
    timer = undefined;
    redis.audit('mn:{mn}:data', 'mn:{mn}:exp', 'mn:{mn}:issued', 'mn:{mn}:seq', ...batch).catch(() => undefined);
  }, 50);
}

// The wallet key's import as the service makes it (its own helper, from the build: PEM text on
// Node >= 24, the JWK before; src/server/wallets/spki-key.ts says why).
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const importEd25519 = (raw) => publicKeyFromSpki(Buffer.concat([ED25519_SPKI, raw]), () => ({ kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }));

const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
function accessToken(address) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg, kid: 'k', typ: 'JWT' })}.${b64({ role: 'wallet', wallet_address: address, iss: 'floor', aud: 'bench', sub: address, iat: now, nbf: now, exp: now + 900, jti: randomUUID() })}`;
  const data = Buffer.from(input);
  const sig = alg === 'EdDSA' ? sign(null, data, key) : alg === 'ES256' ? sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, key);
  return `${input}.${sig.toString('base64url')}`;
}

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const bucketOf = (address, client) => createHash('sha256').update(`${address}\n${client}`).digest('base64url').slice(0, 32);

async function handle(path, body, client) {
  if (path === '/api/v1/auth/challenge') {
    const nonce = randomBytes(32).toString('hex');
    const now = Math.floor(Date.now() / 1000);
    const bucket = bucketOf(body.address, client);
    const seq = await redis.nextSeq(`chn:${bucket}`, 60);
    await redis.set(`ch:${nonce}`, JSON.stringify([body.address, now, now + 60, bucket, seq, 5]), 'EX', 60);
    return [200, { challenge: nonce, ttl: 60, expires_at: now + 60 }];
  }
  if (path === '/api/v1/auth/sign-in') {
    const spent = redis.getdel(`ch:${body.challenge}`);
    const latest = redis.get(`chn:${bucketOf(body.address, client)}`);
    const raw = await spent;
    if (raw === null) return [401, { error: 'invalid_challenge' }];
    const [address, , , , seq, max] = JSON.parse(raw);
    if (Number((await latest) ?? 0) - seq >= max) return [401, { error: 'invalid_challenge' }];
    if (address !== body.address) return [401, { error: 'address_mismatch' }];
    const pub = importEd25519(Buffer.from(body.public_key, 'hex'));
    if (!verify(null, Buffer.from(body.challenge), pub, Buffer.from(body.signature, 'hex'))) return [401, { error: 'bad_signature' }];
    const access = accessToken(address);
    const family = randomBytes(16).toString('base64url');
    const refresh = `${family}.${randomBytes(32).toString('base64url')}`;
    const now = Math.floor(Date.now() / 1000);
    const ends = now + 7 * 86400;
    const claims = JSON.stringify({ sub: address, role: 'wallet', wallet_address: address, algorithm: 'Ed25519' });
    await redis.createFamily(`rf:{${family}}`, `rt:{${family}}:${createHash('sha256').update(refresh).digest('base64url')}`, `${ends} -`, ends + 86400, `0${claims}`, ends);
    audit(family, JSON.stringify({ kind: 'wallet', id: family, sub: address, role: 'wallet', issuedAt: now, expiresAt: ends }), ends);
    return [200, { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900, address, algorithm: 'Ed25519' }];
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
    handle(req.url, body, req.socket.remoteAddress).then(([s, o]) => send(res, s, o), () => send(res, 503, { error: 'unavailable' }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
