import type { Command } from 'ioredis';
import { commandTap, type RedisCommandObserver } from '../redis/command-tap.js';
import type { RedisClient } from '../redis/connection.js';
import type { MetricSet } from './definitions.js';
import type { Observe } from './fast-histogram.js';
import { BoundedLabel } from './labels.js';

export type { RedisCommandObserver };

/**
 * Times every command a client sends, through the client's command tap (redis/command-tap.ts:
 * installed once per client, so a client shared by two services, or by the embedding application,
 * is timed once, and each service detaches its own observer on close). Kept for what it shows
 * (per-command latency and errors, the only view of a slow or failing Redis), not for speed.
 * Returns the function that detaches `observer`.
 */
export function observeRedisCommands(client: RedisClient, observer: RedisCommandObserver): () => void {
  const observers = commandTap(client).observers;
  observers.add(observer);
  return () => void observers.delete(observer);
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
  // Label and histogram series per command name, resolved once (a few dozen names; bounded anyway).
  const series = new Map<string, { label: string; observe: Observe }>();
  return (cmd, seconds, error) => {
    if (expected(cmd, error)) return;
    let s = series.get(cmd.name);
    if (!s) {
      const label = commands.value(cmd.name.toLowerCase());
      s = { label, observe: m.redisDuration.child(label) };
      if (series.size < 256) series.set(cmd.name, s);
    }
    s.observe(seconds);
    if (error) m.redisErrors.labels(s.label).inc();
  };
}
