import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteByPrefix, noRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { freePort } from '../helpers/redis-server.js';

/**
 * The Dockerfile's runtime stage without a Docker engine: compile as the build stage does, install
 * production dependencies only from the lockfile into a clean folder (from the npm cache that
 * the CI's `npm ci` filled, the registry only for what is missing), then run the service from that folder the way the image does
 * (NODE_ENV=production, keys from a directory, Redis) and probe it like the chart's probes and
 * `helm test` do.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const skip = noRedis();
if (skip) console.warn('[runtime-stage] SKIPPED: no Redis (set REDIS_URL or install redis-server); CI always runs it');

let app = '';
let prefix = '';
let server: ChildProcess | undefined;
let port = 0;
let metricsPort = 0;
let stderr = '';

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // A clean environment, as in the container: only PATH and HOME from the host.
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...extra };
}

async function waitFor(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`server exited with ${server.exitCode}: ${stderr}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return res;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms (${last}); stderr: ${stderr}`);
}

describe.skipIf(skip)('runtime stage (production install, NODE_ENV=production)', () => {
  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'pico-runtime-'));
    copyFileSync(join(root, 'package.json'), join(app, 'package.json'));
    copyFileSync(join(root, 'package-lock.json'), join(app, 'package-lock.json'));
    await Promise.all([
      // build stage: the same compiler and tsconfig as `npm run build`, into the clean folder.
      run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: root }),
      run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.web.json'), '--outDir', join(app, 'dist/web/page')], { cwd: root }),
      // prod-deps stage.
      run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' } }),
    ]);
    // build stage, last step: the service bundled into one file (what the image's CMD runs), from the
    // production install: externals (siwe, ethers) must resolve from node_modules at run time.
    await run(process.execPath, [join(root, 'scripts/bundle.mjs'), '--dist', join(app, 'dist')], { cwd: root });
    // The key directory, made by the image's own CLI.
    await run(process.execPath, [join(app, 'dist/cli/main.js'), 'keys', 'generate', '--dir', join(app, 'keys'), '--alg', 'RS256'], { cwd: app, env: baseEnv({}) });

    prefix = uniquePrefix('runtime');
    port = await freePort();
    metricsPort = await freePort();
    server = spawn(process.execPath, ['dist/bundle/server.mjs'], {
      cwd: app,
      env: baseEnv({
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH_METRICS_PORT: String(metricsPort),
        AUTH_KEYS_DIR: join(app, 'keys'),
        AUTH_ISSUER: `http://127.0.0.1:${port}`,
        REDIS_URL: redisUrl(),
        REDIS_KEY_PREFIX: prefix,
        // Loads the lazily required siwe (kept out of the bundle) at start.
        AUTH_SIWE_DOMAINS: 'app.example.test',
        // The sign-in page finds its scripts next to dist/web/serve.js, from inside the bundle.
        AUTH_DEMO_PAGE: 'true',
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    await waitFor(`http://127.0.0.1:${port}/api/v1/auth/jwks`, 30_000);
  }, 540_000);

  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    if (prefix) await deleteByPrefix(redisUrl(), prefix);
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('installs production dependencies only', () => {
    expect(existsSync(join(app, 'node_modules/express/package.json'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/@kubernetes/client-node/package.json'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'tsx', 'testcontainers']) expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
  });

  it('serves the JWKS probe path, /healthz, /readyz and /metrics on the separate port', async () => {
    const jwks = await fetch(`http://127.0.0.1:${port}/api/v1/auth/jwks`);
    expect(jwks.status).toBe(200);
    const body = (await jwks.json()) as { keys: { alg: string }[] };
    expect(body.keys.map((k) => k.alg)).toEqual(['RS256']);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# (HELP|TYPE) /m);
  });

  it("passes the chart's helm test script: JWKS, a real Ed25519 wallet sign-in, token verified", async () => {
    const { stdout } = await run(process.execPath, [join(root, 'helm/pico-auth/files/smoke-test.mjs')], {
      env: baseEnv({ AUTH_URL: `http://127.0.0.1:${port}`, AUTH_ISSUER: `http://127.0.0.1:${port}`, AUTH_AUDIENCE: 'pico-platform' }),
    });
    expect(stdout).toMatch(/smoke-test: OK: wallet [0-9a-f]{12}\.\.\. signed in, token verified/);
  });

  it('the helm test script fails (exit 1, with the reason) against something that is not the service', async () => {
    const err = (await run(process.execPath, [join(root, 'helm/pico-auth/files/smoke-test.mjs')], {
      env: baseEnv({ AUTH_URL: `http://127.0.0.1:${metricsPort}`, SMOKE_ATTEMPTS: '1' }),
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/smoke-test: FAILED: GET \/jwks/);
  }, 60_000);

  it('serves the sign-in page and its scripts from the bundle (files found next to their modules)', async () => {
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    for (const path of ['/sign-in/main.js', '/sign-in/siwe.js', '/vendor/noble-hashes/sha3.js']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/javascript/);
      expect((await res.text()).length, path).toBeGreaterThan(100);
    }
  });

  it('refuses to start in production without Redis (config error, exit 78)', async () => {
    const err = (await run(process.execPath, ['dist/bundle/server.mjs'], {
      cwd: app,
      env: baseEnv({ PORT: '0', AUTH_KEYS_DIR: join(app, 'keys') }),
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(78);
    expect(err.stderr).toMatch(/REDIS_URL is required when NODE_ENV=production/);
  });

  it('exits cleanly on SIGTERM (what tini forwards)', async () => {
    const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
    server!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(readFileSync(join(app, 'package.json'), 'utf8')).toContain('"pico-server-auth"');
  });
});
