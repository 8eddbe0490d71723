import type { RedisClient } from './connection.js';

/**
 * Runs `send`, which sends several commands in this tick, with the connection's socket corked, so
 * that they leave in one write (one syscall) instead of one each. Only a standalone or Sentinel
 * client has one socket (`stream`); a Cluster routes each command to its node's connection and
 * `send` runs as it is. Replies and errors are unchanged: only the write is batched.
 */
export function inOneWrite<T>(redis: RedisClient, send: () => T): T {
  const stream = 'stream' in redis ? redis.stream : undefined;
  if (stream === undefined || redis.status !== 'ready') return send();
  stream.cork();
  try {
    return send();
  } finally {
    stream.uncork();
  }
}
