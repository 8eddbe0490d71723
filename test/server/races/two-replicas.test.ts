import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../../helpers/redis.js';
import { ed25519Wallet, makeKeyDir, postJson, signIn } from '../../helpers/service.js';
import { adminSettings, bearer, operatorToken } from '../routes/session-helpers.js';

/**
 * Two service instances (two replicas) sharing one Redis and one key directory, with concurrent
 * requests fired at both: every read-modify-write must be atomic across them.
 */
describe.skipIf(noRedis())('two replicas on one Redis', () => {
  const prefix = uniquePrefix('race');
  let a: AuthService;
  let b: AuthService;
  let apiA: string;
  let apiB: string;
  beforeAll(async () => {
    const keysDir = makeKeyDir('EdDSA');
    // Limits off: the races below fire many requests from one IP.
    const off = { rateLimitChallengePerIp: 0, rateLimitChallengePerAddress: 0, rateLimitSignInPerIp: 0, rateLimitRefreshPerIp: 0, rateLimitLoginPerIp: 0 };
    const make = async () =>
      createAuthService({ serverAuth: { keysDir, logLevel: 'silent', issuer: 'https://auth.test', redisUrl: redisUrl(), redisKeyPrefix: prefix, ...off, ...(await adminSettings()) } });
    [a, b] = await Promise.all([make(), make()]);
    apiA = `${(await a.listen(0, '127.0.0.1')).url}/api/v1/auth`;
    apiB = `${(await b.listen(0, '127.0.0.1')).url}/api/v1/auth`;
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteByPrefix(redisUrl(), prefix);
  });

  it('refresh rotation: concurrent refreshes of one token on both replicas rotate it once; every caller gets that one new token (15 rounds)', async () => {
    for (let round = 0; round < 15; round++) {
      const { refresh_token } = await signIn(round % 2 ? apiA : apiB);
      const results = await Promise.all([apiA, apiB, apiA, apiB].map((api) => postJson(`${api}/refresh`, { refresh_token })));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(new Set(results.map((r) => r.json.refresh_token)).size).toBe(1);
      expect((await postJson(`${round % 2 ? apiB : apiA}/refresh`, { refresh_token: results[0]!.json.refresh_token })).status).toBe(200);
    }
  });

  it('challenge consumption: a challenge issued by one replica signs in once, across both (30 rounds)', async () => {
    for (let round = 0; round < 30; round++) {
      const wallet = ed25519Wallet();
      const ch = await postJson(`${round % 2 ? apiA : apiB}/challenge`, { address: wallet.address });
      const body = wallet.body(ch.json.challenge);
      const results = await Promise.all([apiA, apiB, apiA, apiB].map((api) => postJson(`${api}/sign-in`, body)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.json.error).toBe('invalid_challenge');
    }
  });

  it('revocation: concurrent revokes of one jti on both replicas record it once; both replicas list it and enforce it', async () => {
    const [opA, opB] = await Promise.all([operatorToken(apiA), operatorToken(apiB)]);
    for (let round = 0; round < 10; round++) {
      const jti = `race-${round}-${Date.now()}`;
      const results = await Promise.all([
        postJson(`${apiA}/revoke`, { jti, reason: 'a' }, bearer(opA)),
        postJson(`${apiB}/revoke`, { jti, reason: 'b' }, bearer(opB)),
        postJson(`${apiA}/revoke`, { jti, reason: 'c' }, bearer(opA)),
        postJson(`${apiB}/revoke`, { jti, reason: 'd' }, bearer(opB)),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // Every caller gets the one record the winner wrote.
      expect(new Set(results.map((r) => JSON.stringify(r.json))).size).toBe(1);
    }
    const listA = await fetch(`${apiA}/revoked-jtis`, { headers: bearer(opA) });
    const listB = await fetch(`${apiB}/revoked-jtis`, { headers: bearer(opB) });
    expect(listA.headers.get('etag')).toBe(listB.headers.get('etag'));
    expect(await listA.json()).toEqual(await listB.json());
    // An operator token revoked through one replica is refused by the other.
    const victim = await operatorToken(apiA);
    const jti = JSON.parse(Buffer.from(victim.split('.')[1]!, 'base64url').toString()).jti;
    expect((await postJson(`${apiA}/revoke`, { jti }, bearer(opA))).status).toBe(200);
    expect((await postJson(`${apiB}/revoke`, { jti: 'x' }, bearer(victim))).json.error).toBe('token_revoked');
  });
});
