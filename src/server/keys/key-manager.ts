import { systemClock } from '../clock.js';
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import { buildKeyring, type Keyring } from './keyring.js';
import { readKeyDirectory } from './read-dir.js';

export interface KeyManagerOptions {
  /** The key directory (a mounted Secret). */
  dir: string;
  /** Safety-net re-check period in ms: file events on symlink swaps are unreliable. */
  recheckIntervalMs: number;
  /** Reads the directory (name -> PEM); tests inject failures. Default readKeyDirectory. */
  read?: (dir: string) => Promise<Map<string, string>>;
  /** Clock in epoch ms: the keyring's `loadedAt`. @default the system clock */
  now?: () => number;
}

/** Errors that say the process (EMFILE) or the system (ENFILE) ran out of file descriptors. */
const FD_EXHAUSTED = new Set(['EMFILE', 'ENFILE']);

export interface KeyManagerEvents {
  /** A new keyring is serving. `previous` is undefined on the first load. */
  reload: [keyring: Keyring, previous: Keyring | undefined];
  /** The directory changed but did not parse: the previous keyring keeps serving. */
  reloadError: [error: Error];
  /**
   * A read hit the file-descriptor limit (EMFILE/ENFILE): not a bad directory, so not a
   * reloadError; the last good keyring keeps serving and the periodic re-check retries. Emitted on
   * every such read; `first` is true for the first one since the last successful read.
   */
  reloadDeferred: [error: NodeJS.ErrnoException, first: boolean];
}

/**
 * Owns the current keyring: loads the key directory, watches it, re-checks it periodically, and
 * swaps the keyring atomically (a request sees the old or the new one, never a mix). A directory
 * that fails to parse leaves the previous keyring serving.
 */
export class KeyManager extends EventEmitter<KeyManagerEvents> {
  readonly dir: string;
  #keyring: Keyring | undefined;
  #lastDigest = '';
  #lastErrorDigest = '';
  #fdExhausted = false;
  readonly #read: (dir: string) => Promise<Map<string, string>>;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(options: KeyManagerOptions) {
    super();
    this.dir = options.dir;
    this.#intervalMs = options.recheckIntervalMs;
    this.#read = options.read ?? readKeyDirectory;
    this.#now = options.now ?? systemClock.now;
  }

  /** The serving keyring, or undefined while no key has ever loaded. */
  get keyring(): Keyring | undefined {
    return this.#keyring;
  }

  /** Loads once, then watches. Resolves even when the first load fails (the service answers 503 until a key loads). */
  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
    this.#timer.unref();
    try {
      this.#watcher = watch(this.dir, () => this.#scheduleCheck());
      this.#watcher.on('error', () => undefined);
      this.#watcher.unref();
    } catch {
      // The directory may not exist yet (Secret not created): the periodic check covers it.
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#watcher?.close();
  }

  /** Re-reads the directory; rebuilds the keyring only when the content changed. Single-flight. */
  check(): Promise<void> {
    this.#running ??= this.#check().finally(() => (this.#running = undefined));
    return this.#running;
  }

  #scheduleCheck(): void {
    // The kubelet writes a new timestamped dir, then swaps ..data: let the burst settle.
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.check(), 50);
    this.#debounce.unref();
  }

  async #check(): Promise<void> {
    let files: Map<string, string>;
    try {
      files = await this.#read(this.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== undefined && FD_EXHAUSTED.has(code)) {
        const first = !this.#fdExhausted;
        this.#fdExhausted = true;
        this.emit('reloadDeferred', err as NodeJS.ErrnoException, first);
        return;
      }
      this.#fail(`unreadable:${(err as NodeJS.ErrnoException).code}`, new Error(`cannot read key directory ${this.dir}: ${(err as Error).message}`));
      return;
    }
    this.#fdExhausted = false;
    const hash = createHash('sha256');
    for (const [name, pem] of files) hash.update(name).update('\0').update(pem).update('\0');
    const digest = hash.digest('hex');
    if (digest === this.#lastDigest) return;
    try {
      const keyring = await buildKeyring(files, this.#now());
      const previous = this.#keyring;
      this.#keyring = keyring;
      this.#lastDigest = digest;
      this.#lastErrorDigest = '';
      this.emit('reload', keyring, previous);
    } catch (err) {
      this.#fail(digest, err as Error);
    }
  }

  /** Reports a failed load once per distinct bad content, not on every periodic re-check. */
  #fail(digest: string, error: Error): void {
    if (digest === this.#lastErrorDigest) return;
    this.#lastErrorDigest = digest;
    this.emit('reloadError', error);
  }
}
