import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../cluster/harness/process.js';
import { cli } from '../cli/run-cli.js';

const root = join(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * `npm run dev` (scripts/dev.mjs) as a newcomer runs it, from the suite's build of the sources
 * (--no-build --dist: the build step is `npm run build`): both processes with their development
 * defaults, on free ports, working together the way the sign-in page needs them to.
 */
describe('npm run dev', () => {
  let dev: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let authPort = 0;
  let samplePort = 0;

  beforeAll(async () => {
    await buildOnce();
    [authPort, samplePort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PICO_DEV_AUTH_PORT: String(authPort), PICO_DEV_SAMPLE_PORT: String(samplePort), LOG_LEVEL: 'warn', AUTH_DATA_DIR: join(root, '.ci/out/dev-test-data') };
    dev = spawn(process.execPath, [join(root, 'scripts/dev.mjs'), '--no-build', '--dist', '.ci/out/cluster-dist'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((r) => dev.once('exit', (code) => r(code)));
    dev.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    dev.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const deadline = Date.now() + 90_000;
    while (!output.includes('pico-auth dev: ready')) {
      if (Date.now() > deadline || dev.exitCode !== null) throw new Error(`npm run dev did not get ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 240_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      dev.kill('SIGTERM');
      await exited;
    }
  });

  it('prints the sign-in page URL and the auth service URL once both answer', () => {
    expect(output).toContain(`sign-in page (sample API):  http://localhost:${samplePort}/`);
    expect(output).toContain(`auth service:               http://localhost:${authPort}/api/v1/auth/jwks`);
    // Each line of each process is prefixed.
    expect(output).toMatch(/^\[sample\] .*sample API listening/m);
  });

  it('the auth service lets the page\'s origin call it (CORS), with no variable set', async () => {
    const origin = `http://localhost:${samplePort}`;
    const res = await fetch(`http://127.0.0.1:${authPort}/api/v1/auth/challenge`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const other = await fetch(`http://127.0.0.1:${authPort}/api/v1/auth/jwks`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a token from `pico-auth dev sign-in` opens the sample API\'s protected route', async () => {
    const r = await cli(['dev', 'sign-in', '--url', `http://127.0.0.1:${authPort}`, '--token-only']);
    expect(r.code, r.stderr).toBe(0);
    const ok = await fetch(`http://127.0.0.1:${samplePort}/api/data`, { headers: { authorization: `Bearer ${r.stdout.trim()}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { sub: string }).sub).toMatch(/^[0-9a-f]{64}$/);
    expect((await fetch(`http://127.0.0.1:${samplePort}/api/data`)).status).toBe(401);
  });

  it('Ctrl-C (SIGINT) stops both processes and exits 0', async () => {
    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${authPort}/api/v1/auth/jwks`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${samplePort}/readyz`)).rejects.toThrow();
  }, 30_000);

  it('refuses NODE_ENV=production', async () => {
    const child = spawn(process.execPath, [join(root, 'scripts/dev.mjs'), '--no-build'], { cwd: root, env: { PATH: process.env.PATH, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/npm run dev is for development; NODE_ENV=production is set/);
  });
});

describe('npm run start:sample (prestart: scripts/ensure-built.mjs)', () => {
  it('reuses the build npm start made (never rebuilds the running service\'s bundle); builds only when there is none', async () => {
    const clone = mkdtempSync(join(tmpdir(), 'pico-sample-'));
    mkdirSync(join(clone, 'scripts'));
    copyFileSync(join(root, 'scripts/ensure-built.mjs'), join(clone, 'scripts/ensure-built.mjs'));
    // A package whose build only leaves a mark: proves whether a build ran.
    writeFileSync(join(clone, 'package.json'), JSON.stringify({ name: 'x', scripts: { build: 'node -e "require(\'fs\').writeFileSync(\'built\', \'\')"' } }));
    const run = () => new Promise<{ code: number; out: string }>((r) => execFile(process.execPath, ['scripts/ensure-built.mjs'], { cwd: clone }, (e, out) => r({ code: e ? Number(e.code) : 0, out })));
    const fresh = await run();
    expect(fresh).toMatchObject({ code: 0, out: expect.stringMatching(/no build yet .*: npm run build/) });
    expect(existsSync(join(clone, 'built'))).toBe(true);
    rmSync(join(clone, 'built'));
    for (const f of ['dist/sample/main.js', 'dist/client/index.js']) {
      mkdirSync(join(clone, f, '..'), { recursive: true });
      writeFileSync(join(clone, f), '');
    }
    mkdirSync(join(clone, 'dist/web/page'), { recursive: true });
    expect(await run()).toEqual({ code: 0, out: '' });
    expect(existsSync(join(clone, 'built'))).toBe(false);
  });
});
