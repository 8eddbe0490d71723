import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPem } from '../../src/server/keys/index.js';
import { freePort } from '../helpers/redis-server.js';
import { deleteByPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { signIn } from '../helpers/service.js';
import { repoRoot } from '../kube/tools.js';
import { loadImages, type NodeImages } from './images.js';

/**
 * The image built from our Dockerfile (tools/node/images.sh), run the way the chart runs it:
 * uid/gid 1000, read-only root with a writable /tmp only (the chart's emptyDir), no capabilities,
 * no privilege escalation, the signing key as a Secret volume with fsGroup 1000 (root:1000 0440),
 * against Redis on the host's loopback (podman --network host; the service binds 127.0.0.1).
 */
const run = promisify(execFile);
let images: NodeImages;
let podman: string[];
const name = `pico-image-test-${process.pid}`;
let keysDir = '';
let prefix = '';
let port = 0;

// runc: crun refuses this host's cgroup v1+v2 hybrid; podman's default ulimits exceed the host's hard limits.
const RUNTIME = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
// The chart's podSecurityContext + containerSecurityContext; --read-only-tmpfs=false: only /tmp is writable.
const RESTRICTED = ['--user', '1000:1000', '--read-only', '--read-only-tmpfs=false', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

const pm = (args: string[], timeout = 60_000) => run(podman[0]!, [...podman.slice(1), ...args], { timeout, maxBuffer: 16 << 20 });

async function waitJwks(url: string, timeoutMs: number): Promise<{ status: number; body: any; ms: number }> {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return { status: 200, body: await res.json(), ms: Date.now() - t0 };
      last = `status ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = await pm(['logs', name]).then((r) => r.stdout + r.stderr, () => '');
  throw new Error(`${url} not 200 after ${timeoutMs} ms (${last}); container logs:\n${logs}`);
}

describe('the image built from our Dockerfile, run with the chart security settings', () => {
  beforeAll(async () => {
    images = loadImages();
    podman = ['podman', '--root', images.storeRoot, '--runroot', images.storeRunroot, '--storage-driver', 'overlay'];
    keysDir = mkdtempSync(join(tmpdir(), 'pico-image-keys-'));
    // A Secret volume with fsGroup 1000: files root:1000, mode 0440 (defaultMode 0440 in the chart).
    writeFileSync(join(keysDir, 'active.pem'), generateKeyPem('RS256'));
    chownSync(join(keysDir, 'active.pem'), 0, 1000);
    chmodSync(join(keysDir, 'active.pem'), 0o440);
    chmodSync(keysDir, 0o755);
    prefix = uniquePrefix('image');
    port = await freePort();
    await pm(['rm', '-f', name]).catch(() => undefined);
    await pm([
      'run', '-d', '--name', name, ...RUNTIME, ...RESTRICTED, '--network', 'host',
      '-v', `${keysDir}:/var/run/pico-auth/keys:ro`,
      '-e', 'AUTH_KEYS_DIR=/var/run/pico-auth/keys', '-e', `REDIS_URL=${redisUrl()}`, '-e', `REDIS_KEY_PREFIX=${prefix}`,
      '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-e', 'AUTH_ISSUER=https://auth.image.test', '-e', 'AUTH_AUDIENCE=image-test',
      '-e', 'AUTH_SHUTDOWN_GRACE_SECONDS=5',
      images.app,
    ]);
  }, 120_000);

  afterAll(async () => {
    if (podman) await pm(['rm', '-f', '-t', '0', name]).catch(() => undefined);
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
    if (prefix) await deleteByPrefix(redisUrl(), prefix);
  }, 60_000);

  it('answers the JWKS probe with the mounted key, as uid 1000 under tini', async () => {
    const { body, ms } = await waitJwks(`http://127.0.0.1:${port}/api/v1/auth/jwks`, 30_000);
    console.log(`[image] ${images.app} (${images.appSize}): JWKS 200 after ${ms} ms`);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0].alg).toBe('RS256');
    const top = await pm(['top', name, 'user', 'pid', 'args']);
    const lines = top.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const pid1 = lines.find((l) => l[1] === '1');
    // PID 1 runs exactly the Dockerfile's ENTRYPOINT + CMD (tini, then node with the image's flags on the bundle).
    expect(pid1?.slice(2).join(' ')).toBe(imageCommand().join(' '));
    expect(lines.every((l) => l[0] === 'node')).toBe(true);
  });

  it('signs a wallet in against Redis, and the token verifies with the published key', async () => {
    const { importJWK, jwtVerify } = await import('jose');
    const api = `http://127.0.0.1:${port}/api/v1/auth`;
    const res = await signIn(api);
    const jwks = (await (await fetch(`${api}/jwks`)).json()) as { keys: any[] };
    const { payload } = await jwtVerify(res.access_token, await importJWK(jwks.keys[0], 'RS256'), {
      algorithms: ['RS256'],
      issuer: 'https://auth.image.test',
      audience: 'image-test',
    });
    expect(payload.sub).toBe(res.address);
  });

  it('keeps the root read-only and /tmp writable; ships no npm, npx, source maps or declarations', async () => {
    const probe = await pm(['exec', name, 'sh', '-c',
      'touch /app/x 2>/dev/null && echo app-writable; touch /home/node/x 2>/dev/null && echo home-writable; ' +
      'touch /tmp/x && echo tmp-ok; for b in npm npx corepack yarn; do command -v $b; done; ' +
      'find / -xdev \\( -name "*.map" -o -name "*.d.ts" \\) -path "/app/*" | head -n 3; command -v sleep']);
    expect(probe.stdout.trim().split('\n')).toEqual(['tmp-ok', '/usr/bin/sleep']);
  });

  it('drains on SIGTERM through tini and exits 0', async () => {
    const t0 = Date.now();
    await pm(['stop', '-t', '30', name], 60_000);
    const stopMs = Date.now() - t0;
    const code = (await pm(['inspect', name, '--format', '{{.State.ExitCode}}'])).stdout.trim();
    const logs = await pm(['logs', name]);
    console.log(`[image] SIGTERM to exit: ${stopMs} ms, exit code ${code}`);
    expect(code).toBe('0');
    expect(stopMs).toBeLessThan(25_000);
    expect(logs.stdout + logs.stderr).toMatch(/shutdown complete/i);
  });

  it('runs the key CLI (pico-auth-keys --help) under the same restrictions', async () => {
    const { stdout } = await pm(['run', '--rm', ...RUNTIME, ...RESTRICTED, '--network', 'none', images.app, 'pico-auth-keys', '--help']);
    expect(stdout).toMatch(/pico-auth-keys/);
    expect(stdout).toMatch(/keys/);
  });
});

/** The Dockerfile's last ENTRYPOINT and CMD (exec form), joined: what PID 1 of the image runs. */
function imageCommand(): string[] {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const last = (keyword: string) => {
    const found = [...dockerfile.matchAll(new RegExp(`^${keyword} (\\[.*\\])\\s*$`, 'gm'))].at(-1)?.[1];
    if (!found) throw new Error(`the Dockerfile has no exec-form ${keyword}`);
    return JSON.parse(found) as string[];
  };
  const command = [...last('ENTRYPOINT'), ...last('CMD')];
  if (command[0] !== '/usr/bin/tini' || !command.includes('node') || command.at(-1) !== 'dist/bundle/server.mjs') throw new Error(`unexpected image command: ${command.join(' ')}`);
  return command;
}
