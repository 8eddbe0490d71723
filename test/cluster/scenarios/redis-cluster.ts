import { expect } from 'vitest';
import type { TestCluster } from '../harness/cluster.js';
import { redisCommand, type RedisClusterSet } from '../harness/redis-topologies.js';
import { report } from '../harness/stats.js';
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
