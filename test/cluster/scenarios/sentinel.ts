import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { waitUntil, type TestCluster } from '../harness/cluster.js';
import { AUTH, Http, Wallet } from '../harness/load.js';
import { redisCommand, type SentinelSet } from '../harness/redis-topologies.js';
import { byOp, report } from '../harness/stats.js';
import { SIGN_IN_OPS, SignInLoad } from '../harness/traffic.js';

/** From `SENTINEL FAILOVER`, every replica must sign in through the new primary within this long. */
const FOLLOW_BOUND_MS = 5000;

/**
 * `SENTINEL FAILOVER` under load: the replicas follow the new primary. Failures are allowed only
 * during the switch and only as 503 (Redis unavailable) or 401 `invalid_challenge` (a challenge
 * written to the old primary that asynchronous replication had not copied yet); they are counted.
 */
export async function sentinelFailover(cluster: TestCluster, set: SentinelSet): Promise<void> {
  const names = [...cluster.replicas.keys()];
  const load = new SignInLoad(cluster, 6).start();
  await sleep(1500);
  const before = await set.masterPort();
  const failoverAt = Date.now();
  await redisCommand(set.sentinelPorts[0]!, 'SENTINEL', 'FAILOVER', set.name);

  // Each replica follows: timed from the FAILOVER, until a full challenge + sign-in directly on it
  // is served by the new primary (Sentinel names a new primary, and the session the sign-in
  // started is on that primary: a sign-in the old primary still accepted does not count).
  const wallet = new Wallet();
  const servedByNewPrimary = async (refreshToken: string): Promise<boolean> => {
    const primary = await set.masterPort();
    if (primary === before) return false;
    const family = refreshToken.split('.')[0]!;
    return Number(await redisCommand(primary, 'EXISTS', `${cluster.keyPrefix}rf:{${family}}`).catch(() => 0)) === 1;
  };
  const following = Promise.all(
    names.map(async (n) => {
      const http = new Http(2);
      const url = cluster.replica(n).url;
      while (Date.now() - failoverAt < 30_000) {
        const ch = await http.call('follow', 'POST', `${url}${AUTH}/challenge`, { address: wallet.address });
        if (ch.status === 200) {
          const signIn = await http.call('follow', 'POST', `${url}${AUTH}/sign-in`, wallet.signInBody(ch.json.challenge as string));
          if (signIn.status === 200 && (await servedByNewPrimary(signIn.json.refresh_token as string))) break;
        }
        await sleep(25);
      }
      http.close();
      return Date.now() - failoverAt;
    }),
  );
  const switchMs = await waitUntil(async () => (await set.masterPort()) !== before, 20_000, 'Sentinel names a new primary');
  const follow = await following;
  const followedAt = failoverAt + Math.max(...follow);
  // Sentinel also demotes the old primary, on a later check (seconds); the old primary may refuse a
  // connection while it resyncs: poll through errors, for up to 30 s.
  let oldRole = '';
  const roleOf = async (port: number) => {
    try {
      return String(((await redisCommand(port, 'ROLE')) as string[])[0]);
    } catch {
      return 'unreachable';
    }
  };
  await waitUntil(async () => (oldRole = await roleOf(before)) === 'slave', 30_000, 'the old primary becomes a replica').catch(() => undefined);
  const demotedAt = Date.now();
  // Until the demotion the old primary still accepts writes: a replica still connected to it
  // succeeds, then meets READONLY and reconnects. The error-free window starts after both.
  const settledAt = Math.max(followedAt, demotedAt);
  await sleep(3000);
  const samples = await load.stop();

  const failures = samples.filter((s) => SIGN_IN_OPS.has(s.op) && s.status !== 200);
  const kinds: Record<string, number> = {};
  for (const f of failures) kinds[`${f.status}:${f.code ?? f.error ?? ''}`] = (kinds[`${f.status}:${f.code ?? f.error ?? ''}`] ?? 0) + 1;
  const window = failures.length ? [Math.min(...failures.map((f) => f.start)) - failoverAt, Math.max(...failures.map((f) => f.start + f.ms)) - failoverAt] : [];
  report('redis sentinel failover', {
    'primary port before / after': [before, await set.masterPort()],
    'sentinel switch ms (FAILOVER -> new primary named)': switchMs,
    'old primary demoted ms after FAILOVER': demotedAt - failoverAt,
    'every replica signing in through the new primary ms after FAILOVER': Object.fromEntries(names.map((n, i) => [n, follow[i]])),
    'failed requests during the switch': failures.length,
    'failures by status:code': kinds,
    'failure window ms after FAILOVER (first start, last end)': window,
    'old primary role now': oldRole,
    ...byOp(samples),
  });

  for (const ms of follow) expect(ms).toBeLessThan(FOLLOW_BOUND_MS);
  for (const f of failures) {
    expect([503, 401]).toContain(f.status);
    if (f.status === 401) expect(f.code).toBe('invalid_challenge');
    expect(f.start).toBeGreaterThanOrEqual(failoverAt - 100);
    expect(f.start).toBeLessThanOrEqual(settledAt);
  }
  expect(samples.filter((s) => s.start > settledAt && s.status !== 200)).toEqual([]);
  expect(samples.filter((s) => s.start > settledAt && s.op === 'sign-in').length).toBeGreaterThan(5);
  expect(oldRole).toBe('slave');
}
