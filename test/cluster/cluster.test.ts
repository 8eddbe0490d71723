/**
 * Many replicas under faults and load (issue 7): real processes, a real Redis, a kubelet-style key
 * volume, a readiness-probed balancer and the downstream sample API. One file on purpose: the
 * scenarios measure latency and recovery times, so they run one after another rather than
 * competing for the two CPU cores. docs/cluster.md maps each scenario to a real cluster.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisServerProcess } from '../helpers/redis-server.js';
import { TestCluster } from './harness/cluster.js';
import { haveTool, RedisClusterSet, SentinelSet } from './harness/redis-topologies.js';
import { boundedUnderMixedLoad } from './scenarios/bounds.js';
import { crossReplica } from './scenarios/cross-replica.js';
import { gracefulStop, hardKill } from './scenarios/graceful.js';
import { auditOnOneSlot, onRedisCluster } from './scenarios/redis-cluster.js';
import { redisOutage } from './scenarios/redis-outage.js';
import { rotationUnderLoad } from './scenarios/rotation.js';
import { sentinelFailover } from './scenarios/sentinel.js';

/** Length of the mixed-load runs (the issue asks for 60 s; the default fits the CI budget). */
const SOAK_SECONDS = Number(process.env.CLUSTER_SOAK_SECONDS ?? 60);
/**
 * The embedded default (one process, in-memory stores) carries the load of three replicas alone.
 * Replicas run with the image's V8 flags, which size the heap as in the chart's pod (harness/process.ts
 * `podNodeFlags`): without them V8 sized the heap from this host's 24 GiB and grew it lazily (260 MiB
 * RSS over 20 s on a loaded CI machine, live heap ~70 MB). Its soak stays at 20 s: over 60 s, with
 * the flags, it reached 160 MiB alone but 205-208 MiB in a full CI run, still growing as the
 * in-memory stores fill towards their caps under the flood of new addresses (docs/cluster.md).
 */
const SOLO_SOAK_SECONDS = Number(process.env.CLUSTER_SOLO_SOAK_SECONDS ?? 20);
/** RSS bound per replica under mixed load (MiB). */
const RSS_BOUND_MIB = 256;

const haveRedis = await haveTool('redis-server');
const haveCli = await haveTool('redis-cli');
if (!haveRedis || !haveCli) {
  if (process.env.CI) throw new Error('test/cluster needs redis-server and redis-cli (.ci/setup.d/00-system.sh, 25-redis-extra.sh)');
  console.warn('\n[cluster] redis-server / redis-cli not installed: the multi-replica scenarios are SKIPPED.\n');
}

describe.skipIf(!haveRedis || !haveCli)('multi-replica cluster', () => {
  describe('3 replicas, one Redis, one key volume', () => {
    let redis: RedisServerProcess;
    let cluster: TestCluster;

    beforeAll(async () => {
      redis = await RedisServerProcess.start();
      cluster = await TestCluster.start({ redisEnv: { REDIS_URL: redis.url }, sample: true });
    }, 240_000);

    afterAll(async () => {
      await cluster?.stop();
      await redis?.stop();
    });

    it('cross-replica: challenges, 1,000 double-spend races, refresh races', () => crossReplica(cluster), 120_000);
    it('rotation under load: publish -> promote/retire by ..data swaps', () => rotationUnderLoad(cluster), 60_000);
    it('graceful stop: SIGTERM under load, zero failures', () => gracefulStop(cluster, 'r2'), 60_000);
    it('hard kill: SIGKILL under load, only that replica fails', () => hardKill(cluster, 'r3'), 60_000);
    it('redis outage: 10 s down, 503 fast, JWKS/readiness up, recovery <= 2 s', () => redisOutage(cluster, redis, 10_000), 60_000);
    it(`bounds: ${SOAK_SECONDS} s mixed load, RSS < ${RSS_BOUND_MIB} MiB per replica`, () => boundedUnderMixedLoad(cluster, SOAK_SECONDS, RSS_BOUND_MIB, 'redis-backed replicas'), SOAK_SECONDS * 1000 + 60_000);
  });

  describe('the embedded default (in-memory stores), one replica', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await TestCluster.start({ redisEnv: {}, replicas: ['solo'], env: { AUTH_RATE_LIMIT_CHALLENGE_PER_ADDRESS: '30' } });
    }, 240_000);
    afterAll(async () => cluster?.stop());

    it(`bounds: ${SOLO_SOAK_SECONDS} s mixed load, RSS < ${RSS_BOUND_MIB} MiB`, () => boundedUnderMixedLoad(cluster, SOLO_SOAK_SECONDS, RSS_BOUND_MIB, 'embedded default'), SOLO_SOAK_SECONDS * 1000 + 60_000);
  });

  describe('Redis Sentinel: primary, replica, 3 sentinels', () => {
    let set: SentinelSet;
    let cluster: TestCluster;
    beforeAll(async () => {
      set = await SentinelSet.start();
      cluster = await TestCluster.start({ redisEnv: { REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name }, sample: true });
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
      await set?.stop();
    });

    it('SENTINEL FAILOVER under load: the replicas follow the new primary', () => sentinelFailover(cluster, set), 90_000);
  });

  describe('Redis Cluster: 3 masters', () => {
    let set: RedisClusterSet;
    let cluster: TestCluster;
    beforeAll(async () => {
      set = await RedisClusterSet.start();
      cluster = await TestCluster.start({ redisEnv: { REDIS_CLUSTER_NODES: set.nodes }, sample: true });
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
      await set?.stop();
    });

    it('works unchanged; script keys share a hash tag', () => onRedisCluster(cluster, set), 90_000);
    it('the mint audit on its one slot: batched, not one call per sign-in', () => auditOnOneSlot(cluster, set), 60_000);
  });
});
