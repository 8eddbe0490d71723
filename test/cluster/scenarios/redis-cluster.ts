import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { waitUntil, type TestCluster } from '../harness/cluster.js';
import { redisCommand, type RedisClusterSet } from '../harness/redis-topologies.js';
import { report } from '../harness/stats.js';
import { SignInLoad } from '../harness/traffic.js';
import { crossReplica } from './cross-replica.js';

/**
 * The service on a 3-master Redis Cluster, configured by REDIS_CLUSTER_NODES only: the
 * cross-replica guarantees hold (challenge races, refresh rotation in a Lua script), keys spread
 * over the masters, and the keys one script touches share a slot (the `{familyId}` hash tag).
 */
export async function onRedisCluster(cluster: TestCluster, set: RedisClusterSet): Promise<void> {
  await crossReplica(cluster, 100, 'cross-replica on Redis Cluster');

  const perMaster: number[] = [];
  const slotsByFamily = new Map<string, Set<number>>();
  for (const m of set.masters) {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = (await redisCommand(m.port, 'SCAN', cursor, 'MATCH', `${cluster.keyPrefix}*`, 'COUNT', 1000)) as [string, string[]];
      cursor = next;
      count += keys.length;
      for (const key of keys) {
        const family = /^.*r[ft]:\{([^}]+)\}/.exec(key)?.[1];
        if (!family) continue;
        const slot = Number(await redisCommand(m.port, 'CLUSTER', 'KEYSLOT', key));
        slotsByFamily.set(family, (slotsByFamily.get(family) ?? new Set()).add(slot));
      }
    } while (cursor !== '0');
    perMaster.push(count);
  }
  report('redis cluster', {
    'service keys per master': perMaster,
    'refresh families checked': slotsByFamily.size,
    'families whose keys span more than one slot': [...slotsByFamily.values()].filter((s) => s.size > 1).length,
  });
  expect(perMaster.filter((n) => n > 0).length).toBe(3);
  expect(slotsByFamily.size).toBeGreaterThan(50);
  for (const slots of slotsByFamily.values()) expect(slots.size).toBe(1);
}

/**
 * The mint audit lives on one hash slot (`{mn}`: its order and cap need one place). Its writes are
 * batched (audit/mint-audit.ts), so under sign-in load that slot's master takes one script call
 * per batch and replica, not one per sign-in: counted with MONITOR on the master that owns the slot.
 */
export async function auditOnOneSlot(cluster: TestCluster, set: RedisClusterSet): Promise<void> {
  const slot = Number(await redisCommand(set.masters[0]!.port, 'CLUSTER', 'KEYSLOT', `${cluster.keyPrefix}mn:{mn}:data`));
  const slots = (await redisCommand(set.masters[0]!.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const port = slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
  const watcher = new Redis({ host: '127.0.0.1', port });
  const monitor = await watcher.monitor();
  const auditCalls: string[][] = [];
  const marker = `audit-monitor-${Date.now()}`;
  let watching = false;
  // MONITOR also lists the commands a script runs (source "lua"): only the clients' calls count.
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) watching = true;
    if (source !== 'lua' && args.some((a) => a.startsWith(`${cluster.keyPrefix}mn:{mn}:`))) auditCalls.push(args);
  });
  // Once the monitor has seen a command sent after it started, it sees every later one.
  await redisCommand(port, 'ECHO', marker);
  await waitUntil(() => watching, 5000, 'MONITOR sees the marker');
  // The audit's order counter: one INCR per record it adds (unlike the records, not capped).
  const audited = async () => Number(await redisCommand(port, 'GET', `${cluster.keyPrefix}mn:{mn}:seq`));
  const auditedBefore = await audited();
  const started = Date.now();
  const load = new SignInLoad(cluster, 8).start();
  await sleep(3000); // the length of the load, not a wait for something
  const samples = await load.stop();
  const signIns = samples.filter((s) => s.op === 'sign-in' && s.status === 200).length;
  // The replicas flush their last batches (50 ms) after the load: wait until every sign-in the load
  // saw succeed is in the audit, so that every audit call is counted.
  await waitUntil(async () => (await audited()) >= auditedBefore + signIns, 5000, 'the last audit batches reach Redis');
  const windowMs = Date.now() - started;
  monitor.disconnect();
  watcher.disconnect(); // else it reconnects to the stopped set and logs an unhandled error
  // Each replica writes at most one batch per 50 ms, whatever the sign-in rate: the slot's load is
  // bounded by replicas x 20 calls/s, not by sign-ins/s.
  const bound = cluster.replicas.size * Math.ceil(windowMs / AUDIT_BATCH_MS);
  report('mint audit on Redis Cluster', {
    'audit slot / master port': [slot, port],
    'sign-ins (each mints a refresh family)': signIns,
    'audit script calls on that slot': auditCalls.length,
    'sign-ins per audit call': Math.round((signIns / Math.max(1, auditCalls.length)) * 10) / 10,
    'bound: replicas x window / batch interval': bound,
  });
  expect(signIns).toBeGreaterThan(50);
  expect(auditCalls.length).toBeGreaterThan(0);
  expect(auditCalls.length).toBeLessThan(signIns); // batched: fewer calls than mints
  expect(auditCalls.length).toBeLessThanOrEqual(bound);
}

/** The audit's batch interval (audit/mint-audit.ts `batchMs` default). */
const AUDIT_BATCH_MS = 50;
