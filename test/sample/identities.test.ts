// End to end through HTTP: the real auth service (Redis store) issues the tokens, the sample API
// (src/sample, the downstream library) trusts them through the service's JWKS.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createMLDSA65 } from '@oqs/liboqs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, type AuthClient } from '../../src/client/index.js';
import { createSampleApp } from '../../src/sample/app.js';
import { noRedis } from '../helpers/redis.js';
import { postJson, signIn, startService, type RunningService } from '../helpers/service.js';
import { ADMIN_EMAIL, adminSettings, claimsOf, FLEET_SECRET, getJson, operatorToken, serviceToken } from '../server/routes/session-helpers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(noRedis())('identities on the sample API (real service, Redis)', () => {
  let svc: RunningService;
  let auth: AuthClient;
  let sample: string;
  let closeSample: () => Promise<void>;
  let oqs: Awaited<ReturnType<typeof createMLDSA65>>;

  beforeAll(async () => {
    oqs = await createMLDSA65();
    svc = await startService({ ...(await adminSettings()), fleetSecret: FLEET_SECRET }, 'redis');
    auth = createAuthClient({ issuer: 'https://auth.test', audience: 'test-platform', jwksUrl: `${svc.api}/jwks` });
    const server = createSampleApp({ auth }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    sample = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeSample = async () => {
      auth.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    };
  });
  afterAll(async () => {
    await closeSample?.();
    await svc?.close();
    oqs?.destroy();
  });

  /** An ML-DSA-65 sign-in with a liboqs key; `address` is what the client sends to /challenge. */
  async function mlDsaSignIn(addressForm: 'key' | 'compact') {
    const { publicKey, secretKey } = oqs.generateKeyPair();
    const keyHex = hex(publicKey);
    const compact = `mldsa65-${createHash('sha256').update(publicKey).digest('hex')}`;
    const address = addressForm === 'key' ? keyHex : compact;
    const ch = await postJson(`${svc.api}/challenge`, { address });
    expect(ch.status, ch.text).toBe(200);
    const challenge = ch.json.challenge as string;
    const signature = hex(oqs.sign(new TextEncoder().encode(challenge), secretKey));
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'ML-DSA-65', address, public_key: keyHex, signature, challenge });
    expect(res.status, res.text).toBe(200);
    return { ...res.json, compact } as { access_token: string; refresh_token: string; address: string; compact: string };
  }

  it.each(['key', 'compact'] as const)('ML-DSA-65 sign-in (address as %s): a token under 1.5 KB with the compact identity, accepted by the sample API and listed by /mints', async (form) => {
    const pair = await mlDsaSignIn(form);
    expect(pair.address).toBe(pair.compact);
    expect(pair.access_token.length).toBeLessThan(1536);
    expect(claimsOf(pair.access_token)).toMatchObject({ sub: pair.compact, wallet_address: pair.compact, algorithm: 'ML-DSA-65', role: 'wallet' });

    const me = await getJson(`${sample}/api/me`, pair.access_token);
    expect(me.status, me.text).toBe(200);
    expect(me.json).toMatchObject({ sub: pair.compact, identity: { kind: 'wallet', address: pair.compact, algorithm: 'ML-DSA-65' } });
    expect(await getJson(`${sample}/api/wallet`, pair.access_token)).toMatchObject({ status: 200, json: { address: pair.compact } });

    const mints = await getJson(`${svc.api}/mints?limit=100`, await operatorToken(svc.api));
    expect(mints.status, mints.text).toBe(200);
    expect(mints.json.items).toContainEqual(expect.objectContaining({ id: pair.refresh_token.split('.')[0], sub: pair.compact, role: 'wallet' }));

    // The refreshed token keeps the compact identity.
    const refreshed = await postJson(`${svc.api}/refresh`, { refresh_token: pair.refresh_token });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(claimsOf(refreshed.json.access_token).sub).toBe(pair.compact);
    expect((await getJson(`${sample}/api/me`, refreshed.json.access_token)).status).toBe(200);
  });

  it('a fleet-minted token naming a wallet address or the admin e-mail is a service identity, never that wallet or user', async () => {
    const victim = await signIn(svc.api);
    for (const agentId of [victim.address, ADMIN_EMAIL]) {
      const minted = await serviceToken(svc.api, 'agent', { agent_id: agentId });
      expect(claimsOf(minted.access_token)).toMatchObject({ sub: `service:${agentId}`, kind: 'service' });
      const me = await getJson(`${sample}/api/me`, minted.access_token);
      expect(me.status, me.text).toBe(200);
      expect(me.json.sub).not.toBe(agentId);
      expect(me.json.identity).toEqual({ kind: 'service', id: agentId });
      expect(await getJson(`${sample}/api/wallet`, minted.access_token)).toMatchObject({ status: 403, json: { error: 'insufficient_identity' } });
    }
    // The victim's own token is the wallet; the admin's login is the user.
    expect(await getJson(`${sample}/api/wallet`, victim.access_token)).toMatchObject({ status: 200, json: { address: victim.address } });
    const admin = await getJson(`${sample}/api/me`, await operatorToken(svc.api));
    expect(admin.json).toMatchObject({ sub: ADMIN_EMAIL, identity: { kind: 'user', sub: ADMIN_EMAIL } });
  });
});
