import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_FILE } from '../../src/cli/keydir/directory-store.js';
import { buildKeyring, generateKeyPem, parseKeyEntry, readKeyDirectory } from '../../src/server/keys/index.js';
import { FakeApiServer } from './k8s/fake-apiserver.js';
import { cli, tmp } from './run-cli.js';

const kidOf = async (pem: string) => (await parseKeyEntry('active.pem', pem, 'active')).kid;
const jwksKids = async (dir: string) => (await buildKeyring(await readKeyDirectory(dir))).jwks.keys.map((k) => k.kid);

async function keyDir(files: Record<string, string>): Promise<string> {
  const dir = join(tmp(), 'keys');
  await cli(['keys', 'generate', '--dir', dir, '--alg', 'EdDSA']);
  for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, name), pem, { mode: 0o600 });
  return dir;
}

describe('keys emergency-rotate (a compromised active key)', () => {
  it('promotes next.pem at once, removes the compromised key from the JWKS, keeps retired keys', async () => {
    const next = generateKeyPem('EdDSA');
    const retired = generateKeyPem('RS256');
    const dir = await keyDir({ 'next.pem': next, 'retired-20260401T000000Z.pem': retired });
    const compromised = await kidOf(readFileSync(join(dir, 'active.pem'), 'utf8'));
    expect(await jwksKids(dir)).toContain(compromised);

    const r = await cli(['keys', 'emergency-rotate', '--dir', dir, '--yes'], { now: new Date('2026-05-02T10:00:00Z') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`removed the compromised key ${compromised}; the published next.pem (${await kidOf(next)}) signs from now`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.pem')).sort()).toEqual(['active.pem', 'retired-20260401T000000Z.pem']);
    expect(readFileSync(join(dir, 'active.pem'), 'utf8')).toBe(next);
    const kids = await jwksKids(dir);
    expect(kids).not.toContain(compromised);
    expect(kids).toEqual(expect.arrayContaining([await kidOf(next), await kidOf(retired)]));
    // The rotation state restarts from the new key; nothing waits on the removed one.
    expect(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'))).toMatchObject({ 'pico-auth/active-since': '2026-05-02T10:00:00.000Z', 'pico-auth/compromised-key-removed-at': '2026-05-02T10:00:00.000Z' });
  });

  it('signs with a new key of the same algorithm when there is no next.pem', async () => {
    const dir = await keyDir({});
    const compromised = await kidOf(readFileSync(join(dir, 'active.pem'), 'utf8'));
    const r = await cli(['keys', 'emergency-rotate', '--dir', dir, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/a new key \([\w-]{43}\) signs from now/);
    const ring = await buildKeyring(await readKeyDirectory(dir));
    expect(ring.jwks.keys.map((k) => k.kid)).not.toContain(compromised);
    expect(ring.jwks.keys.map((k) => k.alg)).toEqual(['EdDSA']);
  });

  it('refuses without --yes (usage, nothing changed); --dry-run says what it would do', async () => {
    const dir = await keyDir({});
    const before = readFileSync(join(dir, 'active.pem'), 'utf8');
    expect(await cli(['keys', 'emergency-rotate', '--dir', dir])).toMatchObject({ code: 2, stderr: expect.stringMatching(/Pass --yes/) });
    const dry = await cli(['keys', 'emergency-rotate', '--dir', dir, '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: expect.stringMatching(/\(dry run\) would remove the active key [\w-]{43} and sign with a new key/) });
    expect(readFileSync(join(dir, 'active.pem'), 'utf8')).toBe(before);
    expect(await cli(['keys', 'emergency-rotate', '--yes'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--secret NAME .* or --dir DIR/) });
  });

  describe('on the key Secret', () => {
    let api: FakeApiServer;
    beforeAll(async () => {
      api = await new FakeApiServer().start();
    });
    afterAll(async () => api.stop());

    it('is one conditional merge patch: active.pem replaced, next.pem removed, annotations reset', async () => {
      const k = ['--kubeconfig', api.kubeconfig('auth'), '--secret', 'keys'];
      expect((await cli(['keys', 'init', ...k, '--alg', 'ES256'])).code).toBe(0);
      const env = { AUTH_JWKS_MAX_AGE_SECONDS: '60' };
      expect((await cli(['keys', 'rotate', ...k, '--force'], { env, now: new Date('2026-05-01T00:00:00Z') })).stderr).toMatch(/published next\.pem/);
      const before = api.secrets.get('auth/keys')!;
      const nextPem = Buffer.from(before.data!['next.pem']!, 'base64').toString('utf8');
      const readVersion = before.metadata.resourceVersion;
      const patchesBefore = api.requests.filter((r) => r.method === 'PATCH').length;

      const r = await cli(['keys', 'emergency-rotate', ...k, '--yes'], { now: new Date('2026-05-01T00:00:10Z') });
      expect(r.code, r.stderr).toBe(0);
      const after = api.secrets.get('auth/keys')!;
      expect(Object.keys(after.data!)).toEqual(['active.pem']);
      expect(Buffer.from(after.data!['active.pem']!, 'base64').toString('utf8')).toBe(nextPem);
      expect(after.metadata.annotations).toMatchObject({ 'pico-auth/active-since': '2026-05-01T00:00:10.000Z' });
      expect(after.metadata.annotations?.['pico-auth/next-published-at']).toBeUndefined();
      const patches = api.requests.filter((q) => q.method === 'PATCH').slice(patchesBefore);
      expect(patches).toHaveLength(1);
      expect((patches[0]!.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toBe(readVersion);
    });
  });
});
