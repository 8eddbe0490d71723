import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryKeyStore, STATE_FILE } from '../../../src/cli/keydir/directory-store.js';
import { ConflictError } from '../../../src/cli/k8s/types.js';
import { buildKeyring, readKeyDirectory } from '../../../src/server/keys/index.js';
import { cli, tmp } from '../run-cli.js';

const t = (iso: string) => new Date(iso);
const pems = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.pem')).sort();
const state = (dir: string) => JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as Record<string, string>;
const env = { AUTH_JWKS_MAX_AGE_SECONDS: '60', AUTH_ACCESS_TOKEN_EXPIRE_MINUTES: '5', AUTH_FLEET_MAX_TTL_SECONDS: '120' };

describe('keys rotate --dir: the rotation state machine on a local key folder', () => {
  it('walks mark, publish, promote, drop with the same waits as the Secret, and the service reads every state', async () => {
    const dir = join(tmp(), 'keys');
    expect((await cli(['keys', 'generate', '--dir', dir, '--alg', 'ES256'])).code).toBe(0);
    const first = readFileSync(join(dir, 'active.pem'), 'utf8');
    const rotate = async (now: string, extra: string[] = []) => {
      const r = await cli(['keys', 'rotate', '--dir', dir, '--margin', '30s', '--interval', '7d', ...extra], { env, now: t(now) });
      expect(r.code, r.stderr).toBe(0);
      // Whatever the step, the folder is one the service loads.
      await buildKeyring(await readKeyDirectory(dir));
      return r.stderr;
    };

    // A folder made by hand or by `keys generate` has no timestamps: counted from now.
    expect(await rotate('2026-05-01T00:00:00Z')).toMatch(/recorded pico-auth\/active-since[\s\S]*nothing due before 2026-05-08T00:00:00.000Z/);
    expect(state(dir)).toEqual({ 'pico-auth/active-since': '2026-05-01T00:00:00.000Z' });
    expect(await rotate('2026-05-07T23:59:59Z')).toMatch(/nothing due before 2026-05-08T00:00:00.000Z/);

    expect(await rotate('2026-05-08T00:00:00Z', ['--dry-run'])).toMatch(/\(dry run\) would have published next\.pem/);
    expect(pems(dir)).toEqual(['active.pem']);

    expect(await rotate('2026-05-08T00:00:00Z')).toMatch(/published next\.pem/);
    expect(pems(dir)).toEqual(['active.pem', 'next.pem']);
    const next = readFileSync(join(dir, 'next.pem'), 'utf8');
    // The JWKS max-age (60 s) plus the margin (30 s) must pass before promotion.
    expect(await rotate('2026-05-08T00:01:29Z')).toMatch(/nothing due before 2026-05-08T00:01:30.000Z/);
    expect(pems(dir)).toEqual(['active.pem', 'next.pem']);

    const promote = await rotate('2026-05-08T00:01:30Z');
    expect(promote).toMatch(/promoted next\.pem to active\.pem; old key kept as retired-20260508T000130Z\.pem/);
    expect(promote).toMatch(/nothing due before 2026-05-08T00:07:00.000Z/);
    expect(pems(dir)).toEqual(['active.pem', 'retired-20260508T000130Z.pem']);
    expect(readFileSync(join(dir, 'active.pem'), 'utf8')).toBe(next);
    expect(readFileSync(join(dir, 'retired-20260508T000130Z.pem'), 'utf8')).toBe(first);
    expect(state(dir)).toEqual({ 'pico-auth/active-since': '2026-05-08T00:01:30.000Z', 'pico-auth/retired-at': '2026-05-08T00:01:30.000Z' });

    expect(await rotate('2026-05-08T00:06:59Z')).toMatch(/nothing due before 2026-05-08T00:07:00.000Z/);
    expect(await rotate('2026-05-08T00:07:00Z')).toMatch(/dropped retired-20260508T000130Z\.pem/);
    expect(pems(dir)).toEqual(['active.pem']);
    // No temporary or lock file left behind.
    expect(readdirSync(dir).sort()).toEqual([STATE_FILE, 'active.pem']);
  });

  it('says what to do for a folder without active.pem and for a missing folder', async () => {
    const empty = tmp();
    expect(await cli(['keys', 'rotate', '--dir', empty])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no active\.pem: create it first with .*keys generate --dir DIR/) });
    expect(await cli(['keys', 'rotate', '--dir', join(empty, 'absent')])).toMatchObject({ code: 1, stderr: expect.stringMatching(/key directory .*absent does not exist/) });
    expect(await cli(['keys', 'rotate', '--dir', empty, '--secret', 'k'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/either --dir or --secret/) });
  });

  it('two runs at once apply a step once: the loser sees the winner\'s result', async () => {
    const dir = join(tmp(), 'keys');
    await cli(['keys', 'generate', '--dir', dir]);
    writeFileSync(join(dir, STATE_FILE), JSON.stringify({ 'pico-auth/active-since': '2026-01-01T00:00:00.000Z' }));
    const runs = await Promise.all([1, 2, 3].map(() => cli(['keys', 'rotate', '--dir', dir], { env, now: t('2026-05-08T00:00:00Z') })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs.filter((r) => /published next\.pem/.test(r.stderr))).toHaveLength(1);
    expect(pems(dir)).toEqual(['active.pem', 'next.pem']);
  });

  it('an update planned on a stale read is refused (the directory\'s resourceVersion)', async () => {
    const dir = join(tmp(), 'keys');
    await cli(['keys', 'generate', '--dir', dir]);
    const store = new DirectoryKeyStore(dir);
    const read = (await store.read())!;
    await store.update({ annotations: { a: '1' } }, read.resourceVersion);
    await expect(store.update({ annotations: { a: '2' } }, read.resourceVersion)).rejects.toBeInstanceOf(ConflictError);
    expect(state(dir)).toEqual({ a: '1' });
  });

  it('waits for another run\'s lock, takes over a stale one, and never leaves its own', async () => {
    const dir = join(tmp(), 'keys');
    await cli(['keys', 'generate', '--dir', dir]);
    const lock = join(dir, '.pico-auth-rotation.lock');
    writeFileSync(lock, '999999\n');
    const busy = new DirectoryKeyStore(dir, { lockWaitMs: 200 });
    await expect(busy.update({ annotations: { a: '1' } }, (await busy.read())!.resourceVersion)).rejects.toThrow(/locked by another run .*remove that file/);
    const stale = new DirectoryKeyStore(dir, { staleLockMs: 0 });
    await stale.update({ annotations: { a: '1' } }, (await stale.read())!.resourceVersion);
    expect(existsSync(lock)).toBe(false);
    expect(state(dir)).toEqual({ a: '1' });
  });
});

describe('keys rotate --dir while a service reads the folder', () => {
  it('every read during publish, promote and drop parses and holds every key a live token may carry', async () => {
    const dir = join(tmp(), 'keys');
    await cli(['keys', 'generate', '--dir', dir, '--alg', 'EdDSA']);
    const policy = ['--jwks-max-age', '60s', '--token-lifetime', '120s', '--margin', '0s', '--interval', '1d'];
    const kidOfFile = async (name: string) => (await buildKeyring(new Map([['active.pem', readFileSync(join(dir, name), 'utf8')]]))).jwks.keys[0]!.kid as string;
    let t = Date.parse('2026-05-01T00:00:00Z');
    const rotate = async (advanceMs: number) => {
      t += advanceMs;
      const r = await cli(['keys', 'rotate', '--dir', dir, ...policy], { env: {}, now: new Date(t) });
      expect(r.code, r.stderr).toBe(0);
      return r.stderr;
    };
    await rotate(0); // records active-since

    // The keys that must be published at every instant of the next step.
    let mustHave: string[] = [];
    let reads = 0;
    const failures: string[] = [];
    let running = true;
    const reader = (async () => {
      while (running) {
        const expected = mustHave;
        try {
          const seen = new Set((await buildKeyring(await readKeyDirectory(dir))).jwks.keys.map((k) => k.kid));
          for (const kid of expected) if (!seen.has(kid)) failures.push(`read ${reads}: ${kid} missing`);
        } catch (err) {
          failures.push(`read ${reads}: ${(err as Error).message}`);
        }
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let cycle = 0; cycle < 6; cycle++) {
      const active = await kidOfFile('active.pem');
      mustHave = [active];
      expect(await rotate(86_400_000)).toMatch(/published next\.pem/);
      // Promote: the old active key (now retired) and the promoted one both stay published.
      mustHave = [active, await kidOfFile('next.pem')];
      expect(await rotate(60_000)).toMatch(/promoted next\.pem/);
      // Drop: the retired key may go; the active one never.
      mustHave = [await kidOfFile('active.pem')];
      expect(await rotate(120_000)).toMatch(/dropped retired-/);
    }
    running = false;
    await reader;
    expect(failures.join('\n')).toBe('');
    expect(reads).toBeGreaterThan(20);
  }, 60_000);
});
