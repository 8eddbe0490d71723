import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { RedisServerProcess } from '../../helpers/redis-server.js';
import { JWKS, type TestCluster } from '../harness/cluster.js';
import { AUTH, Http, signIn, Wallet, type Sample } from '../harness/load.js';
import { report, summarize } from '../harness/stats.js';
import { SIGN_IN_OPS, SignInLoad, validate } from '../harness/traffic.js';

/**
 * Redis stopped for `outageMs` under load: the endpoints that need it answer 503 within 1 s each,
 * JWKS and readiness keep answering 200 (no replica leaves the endpoints), tokens issued before
 * keep validating downstream, no process dies, and every replica serves sign-ins again within 2 s
 * of Redis answering.
 */
export async function redisOutage(cluster: TestCluster, redis: RedisServerProcess, outageMs = 10_000): Promise<void> {
  const names = [...cluster.replicas.keys()];
  let downAt = Infinity;
  let upAt = Infinity;
  const load = new SignInLoad(cluster, 6).start();
  const probe = new Http(16);
  const prober = new Wallet();
  const session = await signIn(probe, cluster.url, prober);
  expect(session).toBeDefined();
  let probing = true;
  // Side traffic: JWKS and /readyz on each replica, a pre-outage token downstream.
  const side = (async () => {
    while (probing) {
      await Promise.all([
        probe.call('jwks', 'GET', `${cluster.url}${JWKS}`),
        ...names.map((n) => probe.call('readyz', 'GET', `${cluster.replica(n).url}/readyz`)),
        validate(probe, cluster, session!.access, 'validate-old'),
        // Both need Redis: an unknown challenge is 401 while Redis answers, and the refresh token
        // is only ever presented while Redis is down, so it is never spent.
        probe.call('sign-in-probe', 'POST', `${cluster.url}${AUTH}/sign-in`, prober.signInBody(randomBytes(32).toString('hex'))),
        ...(Date.now() > downAt && Date.now() < upAt - 300 ? [probe.call('refresh-probe', 'POST', `${cluster.url}${AUTH}/refresh`, { refresh_token: session!.refresh })] : []),
      ]);
      await sleep(100);
    }
  })();
  await sleep(1500);
  const transitionsBefore = cluster.balancer.transitions.length;
  downAt = Date.now();
  await redis.stop();
  await sleep(outageMs);
  await redis.start();
  upAt = Date.now();

  // Recovery: per replica, the first full challenge + sign-in that succeeds after Redis is back.
  const wallet = new Wallet();
  const recovery = await Promise.all(
    names.map(async (n) => {
      const url = cluster.replica(n).url;
      const http = new Http(2);
      while (Date.now() - upAt < 10_000) {
        const ch = await http.call('recovery', 'POST', `${url}${AUTH}/challenge`, { address: wallet.address });
        if (ch.status === 200) {
          const si = await http.call('recovery', 'POST', `${url}${AUTH}/sign-in`, wallet.signInBody(ch.json.challenge as string));
          if (si.status === 200) break;
        }
        await sleep(25);
      }
      http.close();
      return Date.now() - upAt;
    }),
  );
  await sleep(2000);
  const samples = await load.stop();
  probing = false;
  await side;
  probe.close();

  const during = (s: Sample) => s.start >= downAt + 200 && s.start + s.ms <= upAt;
  const redisOps = [...samples.filter((s) => SIGN_IN_OPS.has(s.op)), ...probe.samples.filter((s) => s.op.endsWith('-probe'))];
  const outage = redisOps.filter(during);
  const late = samples.filter((s) => SIGN_IN_OPS.has(s.op) && s.start > upAt + 2000 && s.status !== 200);
  const sideSamples = probe.samples.filter((s) => !s.op.endsWith('-probe') && s.op !== 'challenge' && s.op !== 'sign-in');
  report(`redis outage (${outageMs / 1000} s)`, {
    'requests needing Redis during the outage': summarize(outage, (s) => s.status !== 503),
    'of which sign-in / refresh probes': outage.filter((s) => s.op.endsWith('-probe')).length,
    'jwks during the run': summarize(sideSamples.filter((s) => s.op === 'jwks')),
    'readyz during the run': summarize(sideSamples.filter((s) => s.op === 'readyz')),
    'pre-outage token validated downstream': summarize(sideSamples.filter((s) => s.op === 'validate-old')),
    'recovery ms per replica (Redis answering -> sign-in ok)': Object.fromEntries(names.map((n, i) => [n, recovery[i]])),
    'failures later than 2 s after recovery': late.length,
    'endpoint transitions during the run': cluster.balancer.transitions.slice(transitionsBefore),
  });

  expect(outage.length).toBeGreaterThan(20);
  expect(outage.filter((s) => s.op.endsWith('-probe')).length).toBeGreaterThan(10);
  for (const s of outage) {
    expect(s.status).toBe(503);
    expect(s.ms).toBeLessThan(1000);
  }
  expect(sideSamples.filter((s) => s.status !== 200)).toEqual([]);
  expect(cluster.balancer.transitions.slice(transitionsBefore)).toEqual([]);
  for (const ms of recovery) expect(ms).toBeLessThanOrEqual(2000);
  expect(late).toEqual([]);
  for (const n of names) expect(cluster.replica(n).alive).toBe(true);
}
