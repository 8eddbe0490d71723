import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/lib/password.js';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { generateKeyPem } from '../../../src/server/keys/index.js';
import { RedisServerProcess } from '../../helpers/redis-server.js';
import { makeKeyDir, postJson } from '../../helpers/service.js';
import { captureLogs } from './capture.js';

const ADMIN = { email: 'ops@example.test', password: 'Pa55word-that-must-never-be-logged' };
const WRONG_PASSWORD = 'Wrong-pa55word-also-never-logged';
const FLEET_SECRET = 'fleet-secret-0123456789abcdef';
const WRONG_FLEET_SECRET = 'fleet-guess-fedcba9876543210';

/**
 * Real flows (challenge, Ed25519 sign-in, refresh and reuse, login, revoke, service tokens, a Redis
 * outage, key reloads) with the service's own logger at `trace` writing to memory; then every line
 * is searched for every secret the flows handled.
 */
describe('no secret in any log line', () => {
  const logs = captureLogs('trace');
  const secrets = new Set<string>();
  const keep = (s: string | undefined) => {
    if (s) secrets.add(s);
  };
  let redis: RedisServerProcess;
  let service: AuthService;
  let keysDir: string;
  let api: string;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    keysDir = makeKeyDir('RS256');
    const pem = readFileSync(join(keysDir, 'active.pem'), 'utf8');
    keepKey(pem);
    service = await createAuthService({
      logger: logs.logger,
      serverAuth: {
        keysDir,
        redisUrl: redis.url,
        adminEmail: ADMIN.email,
        adminPasswordHash: await hashPassword(ADMIN.password, { ln: 10, r: 8, p: 1 }),
        fleetSecret: FLEET_SECRET,
        shutdownGraceSeconds: 1,
        refreshGraceSeconds: 0, // the reuse below is detected at once
      },
    });
    ({ url: api } = await service.listen(0, '127.0.0.1'));
    api = `${api}/api/v1/auth`;
    keep(ADMIN.password);
    keep(WRONG_PASSWORD);
    keep(FLEET_SECRET);
    keep(WRONG_FLEET_SECRET);
  });
  afterAll(async () => {
    await service?.close();
    await redis?.stop();
  });

  /** The PEM's base64 lines and the private JWK members, each a secret. */
  function keepKey(pem: string) {
    keep(pem);
    for (const line of pem.split('\n')) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) keep(line);
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) keep(jwk[member]);
  }
  function keepTokens(body: Record<string, unknown>) {
    for (const field of ['access_token', 'refresh_token'] as const) {
      const token = body[field];
      if (typeof token !== 'string') continue;
      keep(token);
      // Each part of a JWT, and the random part of a refresh token (`family.secret`), on its own.
      for (const part of token.split('.').slice(1)) keep(part);
    }
  }

  it('runs the flows', async () => {
    // Ed25519 wallet made with @noble/curves, independent of the service's node:crypto verifier.
    const secretKey = ed25519.utils.randomSecretKey();
    const address = Buffer.from(ed25519.getPublicKey(secretKey)).toString('hex');
    keep(Buffer.from(secretKey).toString('hex'));
    const sign = (challenge: string) => {
      const signature = Buffer.from(ed25519.sign(new TextEncoder().encode(challenge), secretKey)).toString('hex');
      keep(signature);
      return signature;
    };
    const requestId = 'log-test-request-1';
    const ch = await postJson(`${api}/challenge`, { address }, { 'x-request-id': requestId });
    expect(ch.status).toBe(200);
    expect(ch.headers.get('x-request-id')).toBe(requestId);
    const signedIn = await postJson(`${api}/sign-in`, { algorithm: 'Ed25519', address, public_key: address, challenge: ch.json.challenge, signature: sign(ch.json.challenge) });
    expect(signedIn.status).toBe(200);
    keepTokens(signedIn.json);

    // A wrong signature on a fresh challenge, and a replay of the spent one.
    const ch2 = await postJson(`${api}/challenge`, { address });
    const forged = sign(`${ch2.json.challenge}x`);
    expect((await postJson(`${api}/sign-in`, { algorithm: 'Ed25519', address, public_key: address, challenge: ch2.json.challenge, signature: forged })).status).toBe(401);

    const refreshed = await postJson(`${api}/refresh`, { refresh_token: signedIn.json.refresh_token });
    expect(refreshed.status).toBe(200);
    keepTokens(refreshed.json);
    expect((await postJson(`${api}/refresh`, { refresh_token: signedIn.json.refresh_token })).json.error).toBe('refresh_token_reused');
    // Malformed JSON that carries a token: parser errors quote their input.
    expect((await postJson(`${api}/refresh`, `{"refresh_token": "${refreshed.json.refresh_token}"`)).status).toBe(400);
    expect((await postJson(`${api}/refresh`, { refresh_token: refreshed.json.refresh_token, extra: 'x'.repeat(20_000) })).status).toBe(413);

    expect((await postJson(`${api}/login`, { email: ADMIN.email, password: WRONG_PASSWORD })).status).toBe(401);
    const login = await postJson(`${api}/login`, ADMIN);
    expect(login.status).toBe(200);
    keepTokens(login.json);
    const bearer = { authorization: `Bearer ${login.json.access_token}` };
    expect((await postJson(`${api}/revoke`, { jti: 'log-test-jti' }, bearer)).status).toBe(200);
    expect((await fetch(`${api}/revoked-jtis`, { headers: bearer })).status).toBe(200);
    expect((await postJson(`${api}/revoke`, { jti: 'x' }, { authorization: `Bearer ${signedIn.json.access_token}` })).status).toBe(403);

    const fleetBody = { session_id: 's-1', agent_id: 'agent-1', role: 'agent' };
    expect((await postJson(`${api}/fleet/sessions`, fleetBody, { 'x-fleet-secret': WRONG_FLEET_SECRET })).status).toBe(401);
    const fleet = await postJson(`${api}/fleet/sessions`, fleetBody, { 'x-fleet-secret': FLEET_SECRET });
    expect(fleet.status).toBe(200);
    keepTokens(fleet.json);

    // Redis down: the 503 path logs its cause.
    await redis.stop('SIGKILL');
    expect((await postJson(`${api}/refresh`, { refresh_token: refreshed.json.refresh_token })).status).toBe(503);
    await redis.start();

    // Key reloads: a broken key file (real key material, truncated), then a new key.
    const broken = generateKeyPem('RS256');
    keepKey(broken);
    writeFileSync(join(keysDir, 'active.pem'), broken.slice(0, 900));
    await service.keys.check();
    const next = generateKeyPem('ES256');
    keepKey(next);
    writeFileSync(join(keysDir, 'active.pem'), next);
    await service.keys.check();
    expect(service.keys.keyring?.active.alg).toBe('ES256');

    await service.close();
    expect(secrets.size).toBeGreaterThan(30);
  });

  it('wrote JSON lines, one per request with its id, route, status and duration', () => {
    const lines = logs.lines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(line).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String), service: 'pico-auth' });
    }
    const requests = lines.filter((l) => l.req !== undefined);
    expect(requests.length).toBeGreaterThanOrEqual(15);
    for (const line of requests) {
      expect(line).toMatchObject({ req: { id: expect.any(String), method: expect.any(String) }, res: { statusCode: expect.any(Number) }, route: expect.any(String), responseTime: expect.any(Number) });
      expect(Object.keys(line.req as object).sort()).toEqual(['id', 'method']);
    }
    // The route is written once per line (a duplicate key is read differently by different tools).
    for (const raw of logs.raw.filter((l) => l.includes('"req":'))) expect(raw.match(/"route":/g)).toHaveLength(1);
    const first = requests.find((l) => (l.req as { id: string }).id === 'log-test-request-1');
    expect(first).toMatchObject({ route: '/api/v1/auth/challenge', res: { statusCode: 200 } });
    expect(requests.find((l) => l.route === '/api/v1/auth/refresh' && (l.res as { statusCode: number }).statusCode === 503)).toBeDefined();
  });

  it('never wrote a token, key, signature, password or secret', () => {
    const leaks: string[] = [];
    for (const line of logs.raw) {
      const lower = line.toLowerCase();
      for (const secret of secrets) if (lower.includes(secret.toLowerCase())) leaks.push(`${secret.slice(0, 12)}... in ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
    // Nor anything that looks like a header carrying one.
    expect(logs.raw.filter((l) => /authorization|x-fleet-secret|bearer /i.test(l))).toEqual([]);
  });
});
