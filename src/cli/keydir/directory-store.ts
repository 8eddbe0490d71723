import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, type KeySecret, type SecretChange, type SecretStore } from '../k8s/types.js';

/** Where a key directory keeps what a Secret keeps in annotations: hidden, and not `*.pem`, so the service ignores it. */
export const STATE_FILE = '.pico-auth-rotation.json';
const LOCK_FILE = '.pico-auth-rotation.lock';

export interface DirectoryStoreOptions {
  /** How long to wait for another run's lock before giving up, in ms. Default 10 s. */
  lockWaitMs?: number;
  /** A lock older than this is left over from a crashed run and is taken over, in ms. Default 5 min. */
  staleLockMs?: number;
}

/**
 * A local key directory (AUTH_KEYS_DIR of a Docker Compose or systemd deployment) behind the same
 * interface as the key Secret, so `keys rotate --dir` runs the very state machine the CronJob runs.
 *
 * - The Secret's annotations live in `.pico-auth-rotation.json` beside the keys.
 * - resourceVersion is a digest of the keys and that state; an update takes a lock file, re-reads,
 *   and throws ConflictError if the digest moved, so two runs can never both apply a step.
 * - Every file is written to a temporary name and renamed, and a step's files change in the order
 *   that keeps each intermediate directory valid for a service reloading at any moment: new files
 *   first; a key that moves (next.pem -> active.pem) moves by one rename; removals last.
 */
export class DirectoryKeyStore implements SecretStore {
  readonly ref: string;
  readonly dir: string;
  readonly #lockWaitMs: number;
  readonly #staleLockMs: number;

  constructor(dir: string, options: DirectoryStoreOptions = {}) {
    this.dir = resolve(dir);
    this.ref = `key directory ${this.dir}`;
    this.#lockWaitMs = options.lockWaitMs ?? 10_000;
    this.#staleLockMs = options.staleLockMs ?? 5 * 60_000;
  }

  async read(): Promise<KeySecret | null> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.pem') && !n.startsWith('.')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const files = new Map<string, string>();
    for (const name of names) files.set(name, await readFile(join(this.dir, name), 'utf8'));
    const annotations = await this.#readState();
    const digest = createHash('sha256');
    for (const [name, pem] of files) digest.update(`${name}\0${pem}\0`);
    digest.update(JSON.stringify(Object.entries(annotations).sort()));
    return { name: this.dir, namespace: '', resourceVersion: digest.digest('hex'), files, annotations };
  }

  async create(files: Map<string, string>, annotations: Record<string, string>): Promise<'created' | 'exists'> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return this.#locked(async () => {
      const existing = await this.read();
      if (existing && existing.files.size > 0) return 'exists';
      for (const [name, pem] of files) await this.#writeAtomic(name, pem);
      await this.#writeState(annotations);
      return 'created';
    });
  }

  async update(change: SecretChange, resourceVersion: string): Promise<void> {
    await this.#locked(async () => {
      const current = await this.read();
      if (!current || current.resourceVersion !== resourceVersion) throw new ConflictError(this.ref);
      const removed = new Set(change.remove ?? []);
      const sets = [...(change.set ?? [])];
      // 1. Files that do not exist yet (a retired copy of the old active key, a new next.pem).
      for (const [name, pem] of sets) if (!current.files.has(name) && !this.#movedFrom(current, removed, pem)) await this.#writeAtomic(name, pem);
      // 2. Keys that move: one rename, so the key is never published twice or missing.
      for (const [name, pem] of sets) {
        const from = this.#movedFrom(current, removed, pem);
        if (from) {
          await rename(join(this.dir, from), join(this.dir, name));
          removed.delete(from);
        }
      }
      // 3. Replaced files, then removals.
      for (const [name, pem] of sets) if (current.files.has(name) && !this.#movedFrom(current, change.remove ?? [], pem)) await this.#writeAtomic(name, pem);
      for (const name of removed) await rm(join(this.dir, name), { force: true });
      if (change.annotations) {
        const next: Record<string, string> = { ...current.annotations };
        for (const [k, v] of Object.entries(change.annotations)) {
          if (v === null) delete next[k];
          else next[k] = v;
        }
        await this.#writeState(next);
      }
    });
  }

  /** The removed file whose content `pem` is, if any: that change is a move. */
  #movedFrom(current: KeySecret, removed: Iterable<string>, pem: string): string | undefined {
    for (const name of removed) if (current.files.get(name) === pem) return name;
    return undefined;
  }

  async #readState(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, STATE_FILE), 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch (err) {
      // Missing or unreadable: timestamps unknown, which the plan treats as "now" (the safe side).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return {};
      throw err;
    }
  }

  #writeState(annotations: Record<string, string>): Promise<void> {
    return this.#writeAtomic(STATE_FILE, `${JSON.stringify(annotations, null, 2)}\n`);
  }

  async #writeAtomic(name: string, content: string): Promise<void> {
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, join(this.dir, name));
  }

  /** Runs `fn` holding the directory's lock file (O_EXCL), waiting for another run's lock a bounded time. */
  async #locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, LOCK_FILE);
    const deadline = Date.now() + this.#lockWaitMs;
    for (;;) {
      try {
        const handle = await open(lock, 'wx', 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > this.#staleLockMs) {
          await unlink(lock).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) throw new Error(`${this.ref} is locked by another run (${lock}); remove that file if no run is going on`);
        await sleep(50);
      }
    }
    try {
      return await fn();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }
}
