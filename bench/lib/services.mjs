// What the bench runs against: the auth service (dist/bundle/server.mjs, what the image runs), the baseline targets in
// bench/targets, a Redis of its own, and key directories for the three token algorithms.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { generateKeyPem } from '../../dist/server/keys/generate.js';
import { captureOutput, CLIENT_CORE, cpuSeconds, freePort, SERVER_CORE, spawnNode, spawnPinned, stopChild, waitFor200 } from './proc.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The V8 flags the image runs the service with: the Dockerfile's CMD between `node` and the entry. */
export const IMAGE_NODE_FLAGS = (() => {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  const argv = cmd ? JSON.parse(cmd) : [];
  return argv.slice(1, -1).filter((a) => a.startsWith('--'));
})();
/**
 * The process environment the image sets beyond NODE_ENV and PORT (the Dockerfile's ENV):
 * MALLOC_ARENA_MAX. Given to the service and, like the V8 flags, to the floor.
 */
export const IMAGE_ENV = (() => {
  const m = /\bMALLOC_ARENA_MAX=(\d+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  return m ? { MALLOC_ARENA_MAX: m[1] } : {};
})();

/** startTarget options that run a bench target (the floor) with the image's V8 flags and environment, as the service runs. */
export const imageRuntime = (extraNodeArgs = []) => ({ nodeArgs: [...IMAGE_NODE_FLAGS, ...extraNodeArgs], env: { ...process.env, ...IMAGE_ENV } });

export const WORK = mkdtempSync(join(tmpdir(), 'pico-bench-'));
const started = [];

/** A key directory whose active.pem is RSA-2048 (RS256), P-256 (ES256) or Ed25519 (EdDSA). */
export function keyDir(alg) {
  const dir = join(WORK, `keys-${alg}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The bench runs after `npm run build`: use the service's own key generator.
  writeFileSync(join(dir, 'active.pem'), generateKeyPem(alg), { mode: 0o600 });
  return dir;
}

/** Environment of a service under test: production defaults, Redis, no rate limits (the bench is one IP). */
export function serviceEnv({ port, keysDir, redisUrl, prefix }) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(AUTH_|REDIS_|PORT$|HOST$|LOG_LEVEL$)/.test(k)) delete env[k];
  return {
    ...env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    AUTH_ISSUER: `http://127.0.0.1:${port}`,
    AUTH_AUDIENCE: 'bench',
    AUTH_KEYS_DIR: keysDir,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    AUTH_RATE_LIMIT_CHALLENGE_PER_IP: '0',
    AUTH_RATE_LIMIT_CHALLENGE_PER_ADDRESS: '0',
    AUTH_RATE_LIMIT_SIGN_IN_PER_IP: '0',
    AUTH_RATE_LIMIT_REFRESH_PER_IP: '0',
  };
}

/**
 * Starts the service as the image does (`node <IMAGE_NODE_FLAGS> dist/bundle/server.mjs`) on the server
 * core, with the image's environment (IMAGE_ENV); resolves once /readyz answers 200. `imageFlags:
 * false` leaves the image's V8 flags and environment out.
 */
export async function startService({ keysDir, redisUrl, prefix, nodeArgs = [], nodeBin, core = SERVER_CORE, env = {}, nice, imageFlags = true, main: entry }) {
  const port = await freePort();
  const spawnedAt = performance.now();
  // `main` or BENCH_SERVICE_MAIN: another build's entry (A/B of a patch, or dist/server/main.js unbundled); default the tree's bundle.
  const main = entry ?? process.env.BENCH_SERVICE_MAIN ?? join(ROOT, 'dist/bundle/server.mjs');
  const child = captureOutput(spawnNode(core, main, [], { env: { ...serviceEnv({ port, keysDir, redisUrl, prefix }), ...(imageFlags ? IMAGE_ENV : {}), ...env }, cwd: WORK, nodeArgs: [...(imageFlags ? IMAGE_NODE_FLAGS : []), ...nodeArgs], nodeBin, nice }));
  started.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(`${url}/readyz`, child);
  const readyMs = performance.now() - spawnedAt;
  return { child, pid: child.pid, url, port, readyMs, readyCpuMs: cpuSeconds(child.pid) * 1000 };
}

/** Starts a bench/targets script on the server core; resolves once it printed {"port"}. */
export async function startTarget(script, args, options = {}) {
  const spawnedAt = performance.now();
  const child = captureOutput(spawnNode(SERVER_CORE, resolve(ROOT, 'bench/targets', script), args, { cwd: WORK, ...options }));
  started.push(child);
  const port = await new Promise((resolvePort, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) {
        child.stdout.off('data', onData);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} ${args[0] ?? ''} exited with ${code}:\n${child.stderrTail()}`)));
  });
  const readyMs = performance.now() - spawnedAt;
  return { child, pid: child.pid, url: `http://127.0.0.1:${port}`, port, readyMs, readyCpuMs: cpuSeconds(child.pid) * 1000 };
}

/**
 * A redis-server of the bench's own on a free port, on the client core (in a cluster Redis is
 * another pod, so it must not eat the measured server core). Falls back to BENCH_REDIS_URL.
 */
export async function startRedis({ nice, fifo } = {}) {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, shared: true };
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('redis-server is not installed: `apt-get install redis-server`, or set BENCH_REDIS_URL=redis://host:port (keys are written under pico-bench:* and deleted afterwards)');
  }
  const port = await freePort();
  const dir = join(WORK, 'redis');
  mkdirSync(dir);
  // `nice` (negative needs root): SLOWLOG times are wall time, so a Redis that other work on a shared
  // machine deschedules mid-command reports that wait as the command's cost.
  // `fifo` (root): a SCHED_FIFO priority, so that no normal process on its core preempts it.
  const child = spawnPinned(CLIENT_CORE, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore', nice, fifo });
  started.push(child);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { url, shared: false, pid: child.pid };
    } catch {
      client.disconnect();
      await sleep(50);
    }
  }
  throw new Error('redis-server did not start');
}

/** Deletes what the bench wrote into a shared Redis (only keys under `prefix`). */
export async function cleanRedis(url, prefix) {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** One real wallet sign-in against a service: returns its access token. */
export async function signInOnce(url) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const address = Buffer.from(publicKey.export({ format: 'der', type: 'spki' })).subarray(-32).toString('hex');
  const post = async (path, body) => {
    const res = await fetch(`${url}/api/v1/auth${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { challenge } = await post('/challenge', { address });
  const signature = nodeSign(null, Buffer.from(challenge), privateKey).toString('hex');
  const pair = await post('/sign-in', { algorithm: 'Ed25519', address, public_key: address, signature, challenge });
  return pair.access_token;
}

/** Stops everything this module started, and removes the work directory. */
export async function stopAll() {
  await Promise.all(started.map((c) => stopChild(c)));
  rmSync(WORK, { recursive: true, force: true });
}
