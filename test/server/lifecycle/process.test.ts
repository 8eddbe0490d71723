import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/redis-server.js';
import { makeKeyDir } from '../../helpers/service.js';

const MAIN = join(import.meta.dirname, '../../../src/server/main.ts');

/** Runs the real entry point (`npm start` runs its build) as a child process with `env`. */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/** Polls `url` (bounded: the child compiles TypeScript as it starts) until it answers 200. */
async function waitReady(url: string, ms = 40_000) {
  const status = async () => (await fetch(url).catch(() => undefined))?.status; // undefined: not listening yet
  await expect.poll(status, { timeout: ms, interval: 100, message: `not ready: ${url}` }).toBe(200);
}

describe('the service process', { timeout: 90_000 }, () => {
  it('starts with the embedded defaults, warns once for each, and reuses its generated key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pico-data-'));
    const kids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const p = run({ PORT: String(port), AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      await waitReady(`http://127.0.0.1:${port}/api/v1/auth/jwks`);
      kids.push(((await (await fetch(`http://127.0.0.1:${port}/api/v1/auth/jwks`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      const lines = p.output().split('\n').filter(Boolean);
      expect(lines.filter((l) => l.includes('AUTH_KEYS_DIR is not set'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('REDIS_URL is not set'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('shutdown complete'))).toHaveLength(1);
    }
    expect(kids[0]).toBe(kids[1]);
  });

  it('refuses to start in production without REDIS_URL and AUTH_KEYS_DIR, saying what to set', async () => {
    const p = run({ NODE_ENV: 'production', PORT: String(await freePort()) });
    expect(await p.exited).toBe(78);
    expect(p.output()).toMatch(/REDIS_URL is required when NODE_ENV=production/);
    expect(p.output()).toMatch(/AUTH_KEYS_DIR is required when NODE_ENV=production/);
  });

  it('refuses a wrong value, naming the variable', async () => {
    const p = run({ AUTH_ACCESS_TOKEN_EXPIRE_MINUTES: 'forever', AUTH_DATA_DIR: mkdtempSync(join(tmpdir(), 'pico-data-')) });
    expect(await p.exited).toBe(78);
    expect(p.output()).toMatch(/AUTH_ACCESS_TOKEN_EXPIRE_MINUTES/);
  });

  it('on SIGTERM: readiness fails at once, in-flight requests finish, exit code 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const p = run({ PORT: String(port), AUTH_KEYS_DIR: makeKeyDir(), AUTH_SHUTDOWN_DELAY_SECONDS: '2', LOG_LEVEL: 'warn' });
    await waitReady(`${base}/readyz`);
    // An in-flight request: headers and half the body sent before SIGTERM, the rest once the
    // replica has begun draining (readiness answers 503), so it spans the signal by construction.
    let finishBody = () => {};
    let headSent = () => {};
    const sent = new Promise<void>((resolve) => (headSent = resolve));
    const inflight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base}/api/v1/auth/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '78' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('{"address":"', () => headSent());
      finishBody = () => req.end(`${'ab'.repeat(32)}"}`);
    });
    await sent; // headers and half the body are on the wire
    p.child.kill('SIGTERM');
    // Readiness fails "at once": well within the drain delay (2 s), while the listener still serves.
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 1500, interval: 25 }).toBe(503);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { missing: string[] }).missing).toContain('shutting_down');
    expect((await fetch(`${base}/api/v1/auth/jwks`)).status).toBe(503);
    // Still serving during the drain delay: other endpoints answer.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    finishBody();
    const finished = await inflight;
    expect(finished.status, finished.body).toBe(200);
    expect(await p.exited).toBe(0);
  });
});
