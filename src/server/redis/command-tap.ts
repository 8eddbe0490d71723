import type { Command } from 'ioredis';
import type { RedisClient } from './connection.js';

/** Called once per command when its reply (or failure) arrives. */
export type RedisCommandObserver = (command: Pick<Command, 'name' | 'args'>, seconds: number, error: Error | undefined) => void;

type SendCommand = (command: Command, ...rest: unknown[]) => unknown;
const TAP = Symbol.for('pico-server-auth.redisCommandTap');
type Tapped = RedisClient & { [TAP]?: CommandTap };

const toError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/** A command on the tap's pending list (a doubly-linked list in send order). */
interface Pending {
  readonly command: Command;
  /** performance.now() at its first send. */
  readonly start: number;
  prev: Pending | undefined;
  next: Pending | undefined;
  done: boolean;
}

/** Marks a command the tap has seen, so that a resend is timed and bounded from its first send. */
const SEEN = Symbol('pico-server-auth.tapped');
type Marked = Command & { [SEEN]?: true };

/**
 * One hook per client on every command it sends: the command's duration for the observers (the
 * Redis metrics) and, when set, a deadline after which the command fails.
 *
 * ioredis has no per-command hook that also sees commands refused before the write (no offline
 * queue, connection down), so this wraps the instance's `sendCommand`, through which every command,
 * pipeline and MULTI member and script goes, and learns that a command settled by wrapping the
 * command's `resolve` / `reject` (public fields of ioredis's Command, through which it settles
 * every command). That is ioredis's behaviour, not its documented API:
 * test/server/metrics/library-contracts.test.ts fails if an upgrade changes it, and package.json
 * pins ioredis to ~5.11.
 *
 * Why a deadline of our own rather than ioredis's `commandTimeout`: that option arms a timer per
 * command, and clearing it `delete`s a property of the command, which turns every command into a
 * dictionary-mode object (the largest allocation the service made per sign-in beyond the bare
 * floor's, bench/PROFILING.md). Here the pending commands sit on one linked list in send order
 * (send order is deadline order), and one timer, armed for the oldest, fails those past their
 * deadline with ioredis's own error ("Command timed out"): the same bound, one timer per client.
 * A list rather than a Map of pending commands: with a Map (insert on send, delete on settle) V8
 * promoted ~550 bytes a command to its old space (--trace-gc-nvp, 16 concurrent GETs), where the
 * list, like ioredis's timers, promotes what no tap does.
 */
export class CommandTap {
  /** The observers; the tap costs nothing per command while there are none and no deadline. */
  readonly observers = new Set<RedisCommandObserver>();
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #size = 0;
  #timeoutMs = 0;
  #timer: NodeJS.Timeout | undefined;

  /** The deadline, in ms, after which a command fails; 0 when there is none. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Commands sent and not yet settled (what the tap holds). */
  get pending(): number {
    return this.#size;
  }

  /** Fails every command not answered within `ms` of its first send. */
  failAfter(ms: number): void {
    if (!(ms > 0)) throw new RangeError(`command timeout must be positive, got ${ms}`);
    this.#timeoutMs = ms;
  }

  /** Called by the wrapped `sendCommand` before ioredis sees the command. */
  sent(command: Marked): void {
    if (command[SEEN] || (this.observers.size === 0 && this.#timeoutMs === 0)) return;
    command[SEEN] = true;
    const node: Pending = { command, start: performance.now(), prev: this.#tail, next: undefined, done: false };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    // Told by the command's own resolve/reject, not by a reaction on its promise: no derived promise,
    // no microtask. ioredis settles a command only through these two (Command.d.ts declares them).
    const { resolve, reject } = command;
    command.resolve = (value: unknown) => {
      const out = resolve(value); // a reply its transformer refuses ends in `command.reject`, below
      this.#settled(node, undefined);
      return out;
    };
    command.reject = (err: Error) => {
      reject(err);
      this.#settled(node, toError(err));
    };
    if (this.#timeoutMs > 0 && this.#timer === undefined) this.#arm(this.#timeoutMs);
  }

  #unlink(node: Pending): void {
    if (node.prev === undefined && this.#head !== node) return; // already off the list (timed out)
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = undefined;
    this.#size--;
  }

  #settled(node: Pending, error: Error | undefined): void {
    if (node.done) return; // a late reply to a command that timed out, or a reply refused after it arrived
    node.done = true;
    this.#unlink(node);
    if (this.observers.size === 0) return;
    const seconds = (performance.now() - node.start) / 1000;
    // Runs inside ioredis's reply handling: an observer's throw must not reach its parser.
    for (const fn of this.observers) {
      try {
        fn(node.command, seconds, error);
      } catch {
        // a metric that failed to record is not the command's failure
      }
    }
  }

  #arm(delayMs: number): void {
    // Unref'd: a pending command always has a live connection (no offline queue), which holds the
    // process; the timer alone must not delay a shutdown.
    this.#timer = setTimeout(this.#expire, Math.ceil(delayMs)).unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    // Oldest first: stop at the first command not yet due and wait for it.
    for (let node = this.#head; node; node = this.#head) {
      const due = node.start + this.#timeoutMs - now;
      if (due > 0) return this.#arm(due);
      this.#unlink(node);
      node.command.reject(new Error('Command timed out'));
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
