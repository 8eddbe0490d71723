import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPem, KeyManager, type Keyring } from '../../../src/server/keys/index.js';

/**
 * Emulates the kubelet's Secret volume: the data lives in `..<timestamp>/`, `..data` points at it,
 * and each visible file is a symlink through `..data`. An update writes a new timestamped dir and
 * swaps `..data` atomically (rename of a temporary symlink), then removes the old dir.
 */
class FakeSecretVolume {
  readonly dir = mkdtempSync(join(tmpdir(), 'pico-keys-'));
  #gen = 0;
  #current: string | undefined;

  write(files: Record<string, string>): void {
    const name = `..2026_11_30_00_00_${String(this.#gen++).padStart(2, '0')}.${process.pid}`;
    mkdirSync(join(this.dir, name));
    for (const [f, content] of Object.entries(files)) writeFileSync(join(this.dir, name, f), content);
    symlinkSync(name, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const f of Object.keys(files)) {
      try {
        symlinkSync(join('..data', f), join(this.dir, f));
      } catch {
        // already linked from a previous version
      }
    }
    if (this.#current) rmSync(join(this.dir, this.#current), { recursive: true });
    this.#current = name;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The manager re-reads the directory on a real interval (file events are real): polled, bounded. */
const waitFor = (cond: () => boolean, ms = 3000) => expect.poll(cond, { timeout: ms, interval: 20 }).toBe(true);

describe('KeyManager on a kubelet-style Secret mount', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  const setup = async (files: Record<string, string>, recheckIntervalMs = 100) => {
    const vol = new FakeSecretVolume();
    vol.write(files);
    const km = new KeyManager({ dir: vol.dir, recheckIntervalMs });
    const reloads: Keyring[] = [];
    const errors: Error[] = [];
    km.on('reload', (k) => reloads.push(k));
    km.on('reloadError', (e) => errors.push(e));
    await km.start();
    cleanups.push(() => km.stop(), () => vol.remove());
    return { vol, km, reloads, errors };
  };

  it('follows a full rotation by ..data swaps without a restart', async () => {
    const k1 = generateKeyPem('ES256');
    const k2 = generateKeyPem('ES256');
    const { vol, km, reloads } = await setup({ 'active.pem': k1 });
    const kid1 = km.keyring!.active.kid;

    vol.write({ 'active.pem': k1, 'next.pem': k2 }); // publish
    await waitFor(() => km.keyring!.entries.length === 2);
    const kid2 = km.keyring!.entries[1]!.kid;
    expect(km.keyring!.active.kid).toBe(kid1);

    vol.write({ 'active.pem': k2, 'retired-1.pem': k1 }); // promote
    await waitFor(() => km.keyring!.active.kid === kid2);
    expect(km.keyring!.entries.map((e) => e.state)).toEqual(['active', 'retired']);

    vol.write({ 'active.pem': k2 }); // retire
    await waitFor(() => km.keyring!.entries.length === 1);
    expect(reloads.length).toBe(4);
  });

  it('keeps the previous keyring serving when the new content is broken, and reports it once', async () => {
    const k1 = generateKeyPem('EdDSA');
    const { vol, km, errors } = await setup({ 'active.pem': k1 });
    const before = km.keyring!;
    vol.write({ 'active.pem': '-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n' });
    await waitFor(() => errors.length === 1);
    for (let i = 0; i < 3; i++) await km.check(); // several re-checks of the same broken content
    expect(errors).toHaveLength(1);
    expect(km.keyring).toBe(before);
    vol.write({ 'active.pem': generateKeyPem('EdDSA') }); // fixed
    await waitFor(() => km.keyring !== before);
  });

  it('starts without keys when the directory is missing, and loads them once it appears', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pico-keys-')), 'not-yet');
    const km = new KeyManager({ dir, recheckIntervalMs: 50 });
    const errors: Error[] = [];
    km.on('reloadError', (e) => errors.push(e));
    await km.start();
    cleanups.push(() => km.stop());
    expect(km.keyring).toBeUndefined();
    expect(errors[0]!.message).toMatch(/cannot read key directory/);
    mkdirSync(dir);
    writeFileSync(join(dir, 'active.pem'), generateKeyPem('EdDSA'));
    await waitFor(() => km.keyring !== undefined);
  });

  it('never mixes two versions in one read: ..data is resolved once per load', async () => {
    const k1 = generateKeyPem('EdDSA');
    const k2 = generateKeyPem('EdDSA');
    const { vol, km } = await setup({ 'active.pem': k1, 'next.pem': k2 }, 5);
    const kidsSeen = new Set<string>();
    km.on('reload', (k) => kidsSeen.add(k.entries.map((e) => e.kid).join(',')));
    for (let i = 0; i < 20; i++) vol.write(i % 2 ? { 'active.pem': k1, 'next.pem': k2 } : { 'active.pem': k2, 'next.pem': k1 });
    for (let i = 0; i < 3; i++) await km.check();
    for (const kids of kidsSeen) expect(kids.split(',')).toHaveLength(2); // never active == next
  });
});
