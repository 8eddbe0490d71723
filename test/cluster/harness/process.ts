import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../helpers/redis-server.js';

/** The repository root, where the processes run. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the suite's own build of `src/` goes (never `dist/`, which other suites may be building). */
const BUILD_DIR = '.ci/out/cluster-dist';
let built: Promise<void> | undefined;

function runNode(args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args[0]} exited ${code}`))));
  });
}

/**
 * Compiles `src/` once per run and bundles the service, as `npm run build` does: replicas then run
 * what the image runs (`node dist/bundle/server.mjs`), so their RSS is the production figure, not tsx's.
 */
export function buildOnce(): Promise<void> {
  built ??= runNode(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR]).then(() => runNode(['scripts/bundle.mjs', '--dist', BUILD_DIR]));
  return built;
}

/** The file that runs `entry` (a path under src/): the bundle for the service, else tsc's output. */
function compiledEntry(entry: string): string {
  if (entry === 'src/server/main.ts') return `${BUILD_DIR}/bundle/server.mjs`;
  return entry.replace(/^src\//, `${BUILD_DIR}/`).replace(/\.ts$/, '.js');
}

/**
 * Node's flags for a service replica, as the chart's pod runs it: the image's (Dockerfile CMD). They
 * fix the heap V8 would otherwise size from the container's memory limit, or on this host without
 * one from 24 GiB of RAM (a 4 GiB old generation grown lazily: the RSS bound would measure the host,
 * not the pod). `--max-old-space-size=256` is what V8 gives a pod of <= 512 MiB (heap_size_limit
 * 304 MB with the image's semi-space, Node 20.20 and 24.21); an old generation that outgrows it still
 * fails (the process dies of OOM, and the scenarios check it is alive).
 */
function podNodeFlags(): string[] {
  podFlags ??= readPodNodeFlags();
  return podFlags;
}
let podFlags: string[] | undefined;

function readPodNodeFlags(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!cmd) throw new Error('no CMD in the Dockerfile');
  const flags = (JSON.parse(cmd[1]!) as string[]).filter((arg) => arg.startsWith('--'));
  if (!flags.some((f) => f.startsWith('--max-old-space-size='))) throw new Error('the Dockerfile CMD no longer sets --max-old-space-size: size the replicas\' heap as their pod does');
  return flags;
}

/**
 * A service process run from the suite's build of the sources (see `buildOnce`).
 * Output is kept in a short ring buffer, shown when something fails.
 */
export class NodeProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #log: string[] = [];

  private constructor(name: string, port: number, child: ChildProcess) {
    this.name = name;
    this.port = port;
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.#log.push(line.slice(0, 500));
      if (this.#log.length > 200) this.#log.splice(0, this.#log.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Spawns `entry` (a path under src/, run from its compiled form) with `env` on a free loopback port. */
  static async spawn(name: string, entry: string, env: Record<string, string>): Promise<NodeProcess> {
    await buildOnce();
    const port = await freePort();
    const compiled = compiledEntry(entry);
    const flags = entry === 'src/server/main.ts' ? podNodeFlags() : [];
    const child = spawn(process.execPath, [...flags, compiled], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeProcess(name, port, child);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote (diagnostics). */
  get log(): string {
    return this.#log.join('\n');
  }

  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (!kb) throw new Error(`no VmRSS for ${this.name}`);
    return Number(kb[1]) * 1024;
  }

  /** Waits until GET `path` answers 200 (the process is up), or fails with the process's output. */
  async waitReady(path: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} exited before it was ready:\n${this.log}`);
      try {
        const res = await fetch(this.url + path, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    throw new Error(`${this.name} not ready on ${path} within ${timeoutMs} ms:\n${this.log}`);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
