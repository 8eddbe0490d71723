import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { AuthConfig } from '../config/index.js';
import { commandTap } from './command-tap.js';

/** A standalone/Sentinel client or a Cluster client: both expose the commands the stores use. */
export type RedisClient = Redis | Cluster;

type RedisSettings = Pick<
  AuthConfig,
  'redisUrl' | 'redisSentinels' | 'redisSentinelName' | 'redisSentinelPassword' | 'redisClusterNodes' | 'redisCommandTimeoutMs'
>;

/**
 * Options that make Redis failures fast and bounded: nothing queues while disconnected (no offline
 * queue growing without bound), and reconnection keeps trying at a short capped interval so
 * recovery is quick. The command deadline is set apart (`boundCommands`).
 */
function failFast(timeoutMs: number): RedisOptions {
  return {
    connectTimeout: Math.max(timeoutMs * 2, 1000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, 500),
    // Re-run the Sentinel lookup and fail over on READONLY answers after a failover.
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
    lazyConnect: false,
    // No auto-pipelining: ioredis sends the next automatic batch to a node only once the previous
    // one has answered, so while Redis hangs every command waits out the timeouts of the commands
    // queued before it (a challenge took ~1 s instead of ~0.6 s to answer 503 in the CLIENT PAUSE test).
    enableAutoPipelining: false,
  };
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/** Credentials, TLS and db from REDIS_URL, for Sentinel and Cluster modes where the URL names no host. */
function urlAuth(url: string | undefined): RedisOptions {
  if (!url) return {};
  const u = new URL(url);
  const opts: RedisOptions = {};
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  const db = u.pathname.replace('/', '');
  if (db) opts.db = Number(db);
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

/**
 * A command fails after `timeoutMs` instead of waiting. A single server or Sentinel's master: the
 * client's command tap holds the deadline (one timer per client; ioredis's `commandTimeout` costs a
 * timer and a dictionary-mode command per command, see command-tap.ts). Cluster: ioredis's
 * `commandTimeout` on each node connection, as the cluster client creates those and sends its own
 * commands on them (ready checks) where a tap on the cluster client would not see them.
 */
function boundCommands<C extends Redis>(client: C, timeoutMs: number): C {
  commandTap(client).failAfter(timeoutMs);
  return client;
}

/** Creates the Redis client the configuration asks for: Cluster, Sentinel or a single server. */
export function createRedisClient(config: RedisSettings): RedisClient {
  const timeoutMs = config.redisCommandTimeoutMs;
  const base = failFast(timeoutMs);
  if (config.redisClusterNodes?.length) {
    const { db: _db, ...auth } = urlAuth(config.redisUrl);
    const options: ClusterOptions = {
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      clusterRetryStrategy: base.retryStrategy,
      redisOptions: { ...base, ...auth, commandTimeout: timeoutMs },
      slotsRefreshTimeout: 1000,
    };
    return new Cluster(config.redisClusterNodes.map(hostPort), options);
  }
  if (config.redisSentinels?.length) {
    return boundCommands(new Redis({
      ...base,
      ...urlAuth(config.redisUrl),
      sentinels: config.redisSentinels.map(hostPort),
      name: config.redisSentinelName,
      sentinelPassword: config.redisSentinelPassword,
      sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
      failoverDetector: true,
    }), timeoutMs);
  }
  if (!config.redisUrl) throw new TypeError('createRedisClient needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES');
  return boundCommands(new Redis(config.redisUrl, base), timeoutMs);
}
