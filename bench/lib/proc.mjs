// Child processes for the bench: every server and every load generator runs in its own process,
// pinned with taskset to its own core, so that the load generator never steals the server's CPU.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? '0';
export const CLIENT_CORE = process.env.BENCH_CLIENT_CORE ?? '1';

const started = new Set();
const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
/** Whether processes are really pinned (taskset present); recorded in RESULTS.md. */
export const pinned = hasTaskset;

/** Spawns `cmd args` on `core` (taskset execs the command, so the pid is the process itself). */
export function spawnPinned(core, cmd0, args0, options = {}) {
  // options.nice: run at that niceness; options.fifo: at that SCHED_FIFO real-time priority (root).
  // nice and chrt exec the command, so the pid stays the process's.
  const [cmd, args] = options.fifo ? ['chrt', ['-f', String(options.fifo), cmd0, ...args0]] : options.nice ? ['nice', ['-n', String(options.nice), cmd0, ...args0]] : [cmd0, args0];
  const [file, argv] = hasTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
  return spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Spawns a Node script on `core`. */
export function spawnNode(core, script, args = [], options = {}) {
  return spawnPinned(core, options.nodeBin ?? process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 (or the child dies, or `timeoutMs` passes). Returns the time it took. */
export async function waitFor200(url, child, timeoutMs = 20_000, intervalMs = 5) {
  const start = performance.now();
  let lastError = '';
  while (performance.now() - start < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode} before it was ready${child.stderrTail ? `:\n${child.stderrTail()}` : ''}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - start;
      lastError = `status ${res.status}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${lastError})`);
}

/** Keeps the last few KB of a child's stderr (for error messages), and drains stdout. */
export function captureOutput(child) {
  let tail = '';
  let out = '';
  child.stderr?.on('data', (d) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  child.stdout?.on('data', (d) => {
    out = (out + d.toString()).slice(-64_000);
  });
  child.stderrTail = () => tail;
  child.stdoutText = () => out;
  return child;
}

/**
 * How long a process has waited on a run queue (runnable, not running) in ms, and how often it was
 * switched out involuntarily (Linux /proc schedstat and status), or undefined.
 */
export function schedWait(pid) {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    const involuntary = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { waitMs: waitNs / 1e6, involuntary };
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes (Linux /proc), or undefined. */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const TICK = 100; // USER_HZ on Linux
/**
 * User+system CPU seconds a process has used so far (Linux /proc), or undefined. With `thread`,
 * only that thread's (the main thread's id is the pid).
 */
export function cpuSeconds(pid, thread) {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `ms` and keeps the maximum, until stop(). */
export function rssSampler(pid, ms = 100) {
  let max = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    const v = rssBytes(pid);
    if (v !== undefined && v > max) max = v;
  }, ms);
  timer.unref();
  return {
    get max() {
      return max;
    },
    reset() {
      max = rssBytes(pid) ?? 0;
    },
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

/** Ends a child we started (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopChild(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A long-lived Node worker on `core`, driven over IPC (starting a process per run costs seconds
 * on a busy machine). `script` answers each message with one reply. Returns { request, stop }.
 */
export function startWorker(core, script, args = []) {
  const child = spawnNode(core, script, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  captureOutput(child);
  started.add(child);
  let pending;
  child.on('message', (msg) => {
    const p = pending;
    pending = undefined;
    if (msg.error) p?.reject(new Error(`${script}: ${msg.error}`));
    else p?.resolve(msg);
  });
  child.once('exit', (code) => pending?.reject(new Error(`${script} exited with ${code}:\n${child.stderrTail()}`)));
  return {
    child,
    request(msg) {
      if (pending) throw new Error(`${script}: one request at a time`);
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(msg);
      });
    },
    async stop() {
      started.delete(child);
      child.disconnect?.();
      await stopChild(child);
    },
  };
}

/** Stops every worker still running (on errors). */
export async function stopWorkers() {
  await Promise.all([...started].map((c) => stopChild(c)));
  started.clear();
}
