import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { waitUntil, type TestCluster } from '../harness/cluster.js';
import { byOp, report } from '../harness/stats.js';
import { SignInLoad } from '../harness/traffic.js';

/** SIGTERM to one replica under load: the balancer sees zero failures; the replica is then restarted. */
export async function gracefulStop(cluster: TestCluster, name: string): Promise<void> {
  try {
    await sigterm(cluster, name);
  } finally {
    // The next scenarios need all replicas again, whatever this one found.
    cluster.replica(name).kill('SIGKILL');
    await cluster.startReplica(name);
  }
}

async function sigterm(cluster: TestCluster, name: string): Promise<void> {
  const load = new SignInLoad(cluster, 8).start();
  await sleep(1500);
  const victim = cluster.replica(name);
  const termAt = Date.now();
  victim.kill('SIGTERM');
  const removedMs = await waitUntil(() => !cluster.balancer.readyBackends().includes(name), 5000, `${name} leaves the endpoints`);
  const exit = await victim.exited;
  const exitMs = Date.now() - termAt;
  await sleep(1000);
  const samples = await load.stop();
  cluster.balancer.remove(name);

  const victimServed = samples.filter((s) => s.backend === name && s.start >= termAt).length;
  report(`graceful stop (SIGTERM ${name})`, {
    'removed from endpoints after ms': removedMs,
    'process exited after ms': exitMs,
    exit,
    'requests it served after SIGTERM': victimServed,
    ...byOp(samples),
  });
  expect(exit.code).toBe(0);
  expect(samples.filter((s) => s.status !== 200)).toEqual([]);
  expect(samples.length).toBeGreaterThan(50);
}

/**
 * SIGKILL to one replica under load: only the requests that were in flight on it, or routed to it
 * before the prober noticed, fail (502 at the balancer, tagged with its name); the others carry on.
 */
export async function hardKill(cluster: TestCluster, name: string): Promise<void> {
  try {
    await sigkill(cluster, name);
  } finally {
    cluster.replica(name).kill('SIGKILL');
    await cluster.startReplica(name);
  }
}

async function sigkill(cluster: TestCluster, name: string): Promise<void> {
  const load = new SignInLoad(cluster, 8).start();
  await sleep(1500);
  const victim = cluster.replica(name);
  const killAt = Date.now();
  victim.kill('SIGKILL');
  await victim.exited;
  await waitUntil(() => !cluster.balancer.readyBackends().includes(name), 5000, `${name} leaves the endpoints`);
  const removedAt = cluster.balancer.transitions.findLast((t) => t.backend === name && !t.ready)!.at;
  const removedMs = removedAt - killAt;
  await sleep(1500);
  const samples = await load.stop();
  cluster.balancer.remove(name);

  const failures = samples.filter((s) => s.status !== 200);
  const kinds: Record<string, number> = {};
  for (const f of failures) kinds[`${f.status}:${f.backend ?? '-'}:${f.error ?? f.code ?? ''}`] = (kinds[`${f.status}:${f.backend ?? '-'}:${f.error ?? f.code ?? ''}`] ?? 0) + 1;
  const othersAfter = samples.filter((s) => s.start > removedAt && s.status === 200).length;
  report(`hard kill (SIGKILL ${name})`, {
    'removed from endpoints after ms': removedMs,
    'failed requests': failures.length,
    'failures by status:replica:error': kinds,
    'successful requests after removal': othersAfter,
    ...byOp(samples),
  });
  // Every failure was the killed replica's, started before the balancer stopped routing to it.
  for (const f of failures) {
    expect(f.backend).toBe(name);
    expect(f.status).toBe(502);
    expect(f.start).toBeLessThanOrEqual(removedAt);
  }
  expect(othersAfter).toBeGreaterThan(20);
}
