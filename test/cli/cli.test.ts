import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/lib/password.js';
import { buildKeyring, readKeyDirectory } from '../../src/server/keys/index.js';
import { FakeApiServer } from './k8s/fake-apiserver.js';
import { cli, tmp } from './run-cli.js';

describe('pico-auth-keys: usage', () => {
  it('prints usage with --help (0) and without a command (2)', async () => {
    expect((await cli(['--help'])).code).toBe(0);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/keys rotate/);
  });

  it('rejects unknown commands, options and bad values with status 2 and a reason', async () => {
    expect(await cli(['keys', 'frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "keys frobnicate"/) });
    expect(await cli(['keys', 'generate', '--bogus'])).toMatchObject({ code: 2 });
    expect(await cli(['keys', 'generate', '--dir', tmp(), '--alg', 'HS256'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--alg: expected one of RS256, ES256, EdDSA/) });
    expect(await cli(['keys', 'init'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--secret NAME is required/) });
    expect(await cli(['keys', 'init', '--secret', 'Bad_Name'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not a valid Secret name/) });
    expect(await cli(['keys', 'rotate', '--secret', 'k', '--interval', '3 weeks'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--interval: expected a duration/) });
    expect(await cli(['keys', 'jwks'])).toMatchObject({ code: 2 });
  });
});

describe('pico-auth-keys keys generate / jwks --dir', () => {
  it('writes active.pem (0600) and next.pem, never overwrites without --force, and prints the JWKS', async () => {
    const dir = join(tmp(), 'keys');
    const gen = await cli(['keys', 'generate', '--dir', dir, '--alg', 'ES256']);
    expect(gen.code).toBe(0);
    expect(gen.stderr).toMatch(/active\.pem \(kid [A-Za-z0-9_-]{43}\)/);
    expect(statSync(join(dir, 'active.pem')).mode & 0o777).toBe(0o600);
    const first = readFileSync(join(dir, 'active.pem'), 'utf8');

    const again = await cli(['keys', 'generate', '--dir', dir]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists; pass --force/) });
    expect(readFileSync(join(dir, 'active.pem'), 'utf8')).toBe(first);

    expect((await cli(['keys', 'generate', '--dir', dir, '--next', '--alg', 'EdDSA'])).code).toBe(0);
    const printed = await cli(['keys', 'jwks', '--dir', dir]);
    expect(printed.code).toBe(0);
    const jwks = JSON.parse(printed.stdout) as { keys: { kid: string; alg: string; d?: string }[] };
    const expected = (await buildKeyring(await readKeyDirectory(dir))).jwks;
    expect(jwks).toEqual(expected);
    expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'EdDSA']);
    // Public members only.
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);

    expect((await cli(['keys', 'generate', '--dir', dir, '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'active.pem'), 'utf8')).not.toBe(first);
  });
});

describe('pico-auth-keys hash-password', () => {
  it('hashes the password from stdin (one trailing newline stripped) into a verifiable string', async () => {
    const r = await cli(['hash-password'], { stdin: 'correct horse battery staple\n' });
    expect(r.code).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=3\$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    // The password never reaches the output.
    expect(r.stdout + r.stderr).not.toContain('horse');
  });

  it('refuses an empty or short password', async () => {
    expect(await cli(['hash-password'], { stdin: '' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/empty password/) });
    expect(await cli(['hash-password'], { stdin: 'short\n' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/at least 12 characters/) });
  });
});

describe('pico-auth-keys against the Kubernetes API (kubeconfig)', () => {
  let api: FakeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    api = await new FakeApiServer().start();
    kubeconfig = api.kubeconfig('auth');
  });
  afterAll(async () => api.stop());

  it('init creates the Secret once; rotate walks publish, promote, drop with the clock; jwks --secret prints it', async () => {
    const k = ['--kubeconfig', kubeconfig, '--secret', 'pico-auth-keys'];
    const t = (iso: string) => new Date(iso);
    const init = await cli(['keys', 'init', ...k, '--alg', 'EdDSA', '--label', 'app.kubernetes.io/instance=demo'], { now: t('2026-05-01T00:00:00Z') });
    expect(init).toMatchObject({ code: 0, stderr: expect.stringMatching(/created Secret auth\/pico-auth-keys/) });
    const stored = api.secrets.get('auth/pico-auth-keys')!;
    expect(stored.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'pico-auth-keys', 'app.kubernetes.io/instance': 'demo' });
    const firstKey = stored.data!['active.pem'];

    const again = await cli(['keys', 'init', ...k], { now: t('2026-05-02T00:00:00Z') });
    expect(again).toMatchObject({ code: 0, stderr: expect.stringMatching(/already exists; left unchanged/) });
    expect(api.secrets.get('auth/pico-auth-keys')!.data!['active.pem']).toBe(firstKey);

    const env = { AUTH_JWKS_MAX_AGE_SECONDS: '60', AUTH_ACCESS_TOKEN_EXPIRE_MINUTES: '5', AUTH_FLEET_MAX_TTL_SECONDS: '120' };
    const rotate = (now: string, extra: string[] = []) => cli(['keys', 'rotate', ...k, '--margin', '30s', '--interval', '7d', ...extra], { env, now: t(now) });

    expect((await rotate('2026-05-03T00:00:00Z')).stderr).toMatch(/nothing due before 2026-05-08T00:00:00.000Z/);
    const dry = await rotate('2026-05-08T00:00:00Z', ['--dry-run']);
    expect(dry.stderr).toMatch(/\(dry run\) would have published next\.pem/);
    expect(api.secrets.get('auth/pico-auth-keys')!.data!['next.pem']).toBeUndefined();

    expect((await rotate('2026-05-08T00:00:00Z')).stderr).toMatch(/published next\.pem/);
    // 60 s max-age + 30 s margin.
    expect((await rotate('2026-05-08T00:01:29Z')).stderr).toMatch(/nothing due before 2026-05-08T00:01:30.000Z/);
    const jwksMid = JSON.parse((await cli(['keys', 'jwks', '--kubeconfig', kubeconfig, '--secret', 'pico-auth-keys'])).stdout) as { keys: unknown[] };
    expect(jwksMid.keys).toHaveLength(2);

    const promote = await rotate('2026-05-08T00:01:30Z');
    expect(promote.stderr).toMatch(/promoted next\.pem to active\.pem; old key kept as retired-20260508T000130Z\.pem/);
    // Token lifetime from the environment: max(5 min, 120 s) = 300 s, + 30 s margin.
    expect(promote.stderr).toMatch(/nothing due before 2026-05-08T00:07:00.000Z/);
    const s = api.secrets.get('auth/pico-auth-keys')!;
    expect(s.data!['retired-20260508T000130Z.pem']).toBe(firstKey);

    expect((await rotate('2026-05-08T00:07:00Z')).stderr).toMatch(/dropped retired-20260508T000130Z\.pem/);
    expect(Object.keys(api.secrets.get('auth/pico-auth-keys')!.data!)).toEqual(['active.pem']);
    // Every write was a conditional merge patch.
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(3);
    expect(patches.every((p) => typeof (p.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion === 'string')).toBe(true);
  });

  it('fails with status 1 and the reason when the Secret is missing', async () => {
    const r = await cli(['keys', 'rotate', '--kubeconfig', kubeconfig, '--secret', 'absent']);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/Secret auth\/absent does not exist/) });
  });
});
