import { createHash } from 'node:crypto';
import type { RedisClient } from '../../redis/connection.js';

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/**
 * A Lua script run through ioredis's `defineCommand`: EVALSHA (40 bytes on the wire instead of the
 * script body, no re-hash by Redis), falling back to EVAL once per server when it answers NOSCRIPT
 * (a restarted or failed-over Redis). Defined once per client, whichever store asks first.
 */
export function redisScript(redis: RedisClient, lua: string, numberOfKeys: number): ScriptCommand {
  const name = `pico_${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`;
  const commands = redis as unknown as Record<string, ScriptCommand | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { lua, numberOfKeys });
  return (...args) => (commands[name] as ScriptCommand).apply(redis, args);
}
