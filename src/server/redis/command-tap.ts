import type { Command } from 'ioredis';
import type { RedisClient } from './connection.js';

/** Called once per command when its reply (or failure) arrives. */
export type RedisCommandObserver = (command: Pick<Command, 'name' | 'args'>, seconds: number, error: Error | undefined) => void;

type SendCommand = (command: Command, ...rest: unknown[]) => unknown;
const TAP = Symbol.for('pico-server-auth.redisCommandTap');
type Tapped = RedisClient & { [TAP]?: CommandTap };

const toError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/**
 * One hook per client on every command it sends: the command's duration for the observers (the
 * Redis metrics) and, when set, a deadline after which the command fails.
 *
 * ioredis has no per-command hook that also sees commands refused before the write (no offline
 * queue, connection down), so this wraps the instance's `sendCommand`, through which every command,
 * pipeline and MULTI member and script goes. That is ioredis's behaviour, not its documented API:
 * test/server/metrics/library-contracts.test.ts fails if an upgrade changes it, and package.json
 * pins ioredis to ~5.11.
 *
 * Why a deadline of our own rather than ioredis's `commandTimeout`: that option arms a timer per
 * command, and clearing it `delete`s a property of the command, which turns every command into a
 * dictionary-mode object (the largest allocation the service made per sign-in beyond the bare
 * floor's, bench/PROFILING.md). Here the pending commands sit in one Map in send order, and one
 * timer, armed for the oldest, fails those past their deadline with ioredis's own error ("Command
 * timed out"): the same bound, one timer per client instead of one per command.
 *
 * A command that passes through `sendCommand` again (resent after a reconnect or redirected) is
 * timed and bounded once, from its first send.
 */
export class CommandTap {
  /** The observers; the tap costs nothing per command while there are none and no deadline. */
  readonly observers = new Set<RedisCommandObserver>();
  /** Commands sent and not yet settled, in send order, with their send time (performance.now()). */
  readonly #pending = new Map<Command, number>();
  #timeoutMs = 0;
  #timer: NodeJS.Timeout | undefined;

  /** The deadline, in ms, after which a command fails; 0 when there is none. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Commands sent and not yet settled (what the tap holds). */
  get pending(): number {
    return this.#pending.size;
  }

  /** Fails every command not answered within `ms` of its first send. */
  failAfter(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`command timeout must be positive, got ${ms}`);
    this.#timeoutMs = ms;
  }

  /** Called by the wrapped `sendCommand` before ioredis sees the command. */
  sent(command: Command): void {
    if (this.#pending.has(command) || (this.observers.size === 0 && this.#timeoutMs === 0)) return;
    const start = performance.now();
    this.#pending.set(command, start);
    command.promise.then(
      () => this.#settled(command, start, undefined),
      (err: unknown) => this.#settled(command, start, toError(err)),
    );
    if (this.#timeoutMs > 0 && this.#timer === undefined) this.#arm(this.#timeoutMs);
  }

  #settled(command: Command, start: number, error: Error | undefined): void {
    this.#pending.delete(command);
    if (this.observers.size === 0) return;
    const seconds = (performance.now() - start) / 1000;
    for (const fn of this.observers) fn(command, seconds, error);
  }

  #arm(delayMs: number): void {
    // Unref'd: a pending command always has a live connection (no offline queue), which holds the
    // process; the timer alone must not delay a shutdown.
    this.#timer = setTimeout(this.#expire, Math.ceil(delayMs)).unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    // Send order is deadline order: stop at the first command not yet due and wait for it.
    for (const [command, start] of this.#pending) {
      const due = start + this.#timeoutMs - now;
      if (due > 0) return this.#arm(due);
      this.#pending.delete(command);
      command.reject(new Error('Command timed out'));
    }
  };
}

/** The client's tap, installed on first use (once per client, shared by every user of it). */
export function commandTap(client: RedisClient): CommandTap {
  const target = client as Tapped;
  const existing = target[TAP];
  if (existing) return existing;
  const tap = new CommandTap();
  Object.defineProperty(target, TAP, { value: tap });
  const original = target.sendCommand as SendCommand;
  const wrapped: SendCommand = function (this: RedisClient, command, ...rest) {
    tap.sent(command);
    return original.call(this, command, ...rest);
  };
  (target as { sendCommand: SendCommand }).sendCommand = wrapped;
  return tap;
}
