import type { Command } from 'ioredis';
import type { RedisClient } from '../redis/connection.js';
import type { MetricSet } from './definitions.js';
import { BoundedLabel } from './labels.js';

/** Called once per command when its reply (or failure) arrives. */
export type RedisCommandObserver = (command: Pick<Command, 'name' | 'args'>, seconds: number, error: Error | undefined) => void;

type SendCommand = (command: Command, ...rest: unknown[]) => unknown;
const OBSERVERS = Symbol.for('pico-server-auth.redisCommandObservers');
type Instrumented = RedisClient & { [OBSERVERS]?: Set<RedisCommandObserver> };

/**
 * Times every command a client sends. ioredis has no per-command hook that also sees commands
 * refused before the write (no offline queue, connection down), so this wraps the instance's
 * `sendCommand`, through which every command, pipeline and MULTI member and script goes. That is
 * ioredis's behaviour, not its documented API: test/server/metrics/library-contracts.test.ts fails
 * if an upgrade changes it, and package.json pins ioredis to ~5.11. Kept for what it shows (per-
 * command latency and errors, the only view of a slow or failing Redis), not for speed: the
 * wrapper adds one closure and one promise reaction per command.
 *
 * The wrapper is installed once per client and fans out to observers, so a client shared by two
 * services (or by the embedding application) is timed once and each service can detach its own
 * observer on close. A command that passes through `sendCommand` again (resent after a reconnect)
 * is timed once, from its first send. Returns the function that detaches `observer`.
 */
export function observeRedisCommands(client: RedisClient, observer: RedisCommandObserver): () => void {
  const target = client as Instrumented;
  let observers = target[OBSERVERS];
  if (!observers) {
    const set = new Set<RedisCommandObserver>();
    observers = set;
    Object.defineProperty(target, OBSERVERS, { value: set });
    const original = target.sendCommand as SendCommand;
    const timed = new WeakSet<Command>();
    const wrapped: SendCommand = function (this: RedisClient, command, ...rest) {
      if (set.size > 0 && !timed.has(command)) {
        timed.add(command);
        const start = performance.now();
        const done = (error: Error | undefined) => {
          const seconds = (performance.now() - start) / 1000;
          for (const fn of set) fn(command, seconds, error);
        };
        command.promise.then(
          () => done(undefined),
          (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
        );
      }
      return original.call(this, command, ...rest);
    };
    (target as { sendCommand: SendCommand }).sendCommand = wrapped;
  }
  const mine = observers;
  mine.add(observer);
  return () => void mine.delete(observer);
}

/**
 * Replies that are part of ioredis's normal operation, not failures: NOSCRIPT is how EVALSHA tells
 * ioredis to send the script body once (the EVAL that follows is what counts), and the connection
 * handshake's CLIENT SETINFO is refused by servers before 7.2 and ignored by ioredis.
 */
function expected(command: Pick<Command, 'name' | 'args'>, error: Error | undefined): boolean {
  if (!error) return false;
  if (error.message.startsWith('NOSCRIPT')) return true;
  return command.name.toLowerCase() === 'client' && String(command.args[0]).toUpperCase() === 'SETINFO';
}

/** The observer that feeds the Redis metrics. */
export function redisCommandMetrics(m: MetricSet): RedisCommandObserver {
  const commands = new BoundedLabel(64);
  return (cmd, seconds, error) => {
    if (expected(cmd, error)) return;
    const command = commands.value(cmd.name.toLowerCase());
    m.redisDuration.labels(command).observe(seconds);
    if (error) m.redisErrors.labels(command).inc();
  };
}
