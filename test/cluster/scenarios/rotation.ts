import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { generateKeyPem } from '../../../src/server/keys/generate.js';
import { waitUntil, type TestCluster } from '../harness/cluster.js';
import { Http } from '../harness/load.js';
import { byOp, report } from '../harness/stats.js';
import { kidOf, readyz, SignInLoad, validate } from '../harness/traffic.js';

/** The client library never trusts a JWKS max-age below 5 s (jwks.minMaxAgeSeconds). */
const CLIENT_MIN_MAX_AGE_MS = 5000;

/**
 * A full rotation by `..data` swaps while wallets sign in through the balancer and the sample API
 * validates every token: publish `next.pem`, wait out the JWKS max-age, promote it (the old active
 * stays published as `retired-*.pem`). Zero failures allowed; tokens issued before the rotation
 * must still validate afterwards.
 */
export async function rotationUnderLoad(cluster: TestCluster): Promise<void> {
  const urls = [...cluster.replicas.values()].map((r) => r.url);
  const oldKid = (await readyz(urls[0]!)).activeKid!;
  const load = new SignInLoad(cluster, 6).start();
  await sleep(1500);
  const before = [...load.tokens];
  expect(before.length).toBeGreaterThan(0);

  const next = generateKeyPem('RS256');
  const publishAt = Date.now();
  cluster.keyDir.write(new Map([['active.pem', cluster.initialKey], ['next.pem', next]]));
  const publishMs = await waitUntil(async () => (await Promise.all(urls.map(readyz))).every((r) => r.keyCount === 2), 10_000, 'every replica publishes next.pem');
  // The rotation rule: promote only once every verifier's cached JWKS has had time to expire.
  const jwksMaxAgeMs = Number(cluster.replicaEnv().AUTH_JWKS_MAX_AGE_SECONDS) * 1000;
  await sleep(Math.max(jwksMaxAgeMs, CLIENT_MIN_MAX_AGE_MS) + 1000 - (Date.now() - publishAt - publishMs));

  const retired = `retired-${new Date().toISOString().replace(/[:.]/g, '-')}.pem`;
  cluster.keyDir.write(new Map([['active.pem', next], [retired, cluster.initialKey]]));
  let newKid = '';
  const promoteMs = await waitUntil(async () => {
    const states = await Promise.all(urls.map(readyz));
    newKid = states[0]!.activeKid ?? '';
    return newKid !== oldKid && states.every((s) => s.activeKid === newKid && s.keyCount === 2);
  }, 10_000, 'every replica promotes next.pem');
  await sleep(2500);
  const samples = await load.stop();

  // Tokens signed with the retired key are still accepted downstream.
  const http = new Http(8);
  const oldStatuses = await Promise.all(before.slice(0, 50).map((t) => validate(http, cluster, t, 'old-token')));
  http.close();
  const afterKids = new Set(load.tokens.slice(-20).map(kidOf));

  const ops = byOp(samples);
  report('rotation under load', {
    'publish propagated to all replicas ms': publishMs,
    'promote propagated to all replicas ms': promoteMs,
    kids: { old: oldKid, new: newKid },
    ...ops,
    'tokens issued before rotation re-validated': `${oldStatuses.filter((s) => s === 200).length}/${oldStatuses.length}`,
  });
  expect(samples.filter((s) => s.status !== 200)).toEqual([]);
  expect(ops['sign-in']!.requests).toBeGreaterThan(20);
  expect(oldStatuses.every((s) => s === 200)).toBe(true);
  expect([...before.map(kidOf)].every((k) => k === oldKid)).toBe(true);
  expect([...afterKids]).toEqual([newKid]);
}
