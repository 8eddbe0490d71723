import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { generateKeyPem, KeyManager } from '../../../src/server/keys/index.js';
import { keyringMetrics } from '../../../src/server/metrics/keyring.js';
import { parseExposition, value } from './exposition.js';

function setup(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pico-keys-metrics-'));
  for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, name), pem);
  const keys = new KeyManager({ dir, recheckIntervalMs: 60_000 });
  const registry = new Registry();
  let clock = 0;
  const detach = keyringMetrics(registry, keys, { now: () => clock });
  return {
    dir,
    keys,
    detach,
    setClock: (ms: number) => (clock = ms),
    read: async () => parseExposition(await registry.metrics()),
  };
}

describe('keyring metrics', () => {
  it('count keys by state and expose the fingerprint and the load time', async () => {
    const t = setup({ 'active.pem': generateKeyPem('EdDSA'), 'next.pem': generateKeyPem('EdDSA'), '2024-old.pem': generateKeyPem('EdDSA') });
    await t.keys.check();
    const keyring = t.keys.keyring!;
    const m = await t.read();
    expect(value(m, 'pico_auth_keyring_keys', { state: 'active' })).toBe(1);
    expect(value(m, 'pico_auth_keyring_keys', { state: 'next' })).toBe(1);
    expect(value(m, 'pico_auth_keyring_keys', { state: 'retired' })).toBe(1);
    expect(value(m, 'pico_auth_jwks_fingerprint_info', { fingerprint: keyring.fingerprint })).toBe(1);
    expect(value(m, 'pico_auth_keyring_last_reload_success_timestamp_seconds')).toBe(keyring.loadedAt / 1000);
    expect(value(m, 'pico_auth_keyring_reloads_total')).toBe(1);
    expect(value(m, 'pico_auth_keyring_reload_failures_total')).toBe(0);
  });

  it('age the active key from when it started signing, across reloads that keep it', async () => {
    const active = generateKeyPem('EdDSA');
    const t = setup({ 'active.pem': active });
    await t.keys.check();
    const firstLoad = t.keys.keyring!.loadedAt;
    t.setClock(firstLoad + 90_000);
    expect(value(await t.read(), 'pico_auth_keyring_active_key_age_seconds')).toBe(90);

    // Publishing a next key rebuilds the keyring but the same key keeps signing: the age goes on.
    const next = generateKeyPem('EdDSA');
    writeFileSync(join(t.dir, 'next.pem'), next);
    await t.keys.check();
    expect(t.keys.keyring!.loadedAt).toBeGreaterThanOrEqual(firstLoad);
    t.setClock(firstLoad + 120_000);
    expect(value(await t.read(), 'pico_auth_keyring_active_key_age_seconds')).toBe(120);

    // Promotion: a new active key starts at zero from the load that made it active.
    writeFileSync(join(t.dir, 'active.pem'), next);
    writeFileSync(join(t.dir, 'old.pem'), active);
    rmSync(join(t.dir, 'next.pem'));
    await t.keys.check();
    const promoted = t.keys.keyring!.loadedAt;
    t.setClock(promoted + 5_000);
    const m = await t.read();
    expect(value(m, 'pico_auth_keyring_active_key_age_seconds')).toBe(5);
    expect(value(m, 'pico_auth_keyring_reloads_total')).toBe(3);
  });

  it('count a failed load once per bad content, keep the serving fingerprint, and expose only the current one', async () => {
    const t = setup({ 'active.pem': generateKeyPem('EdDSA') });
    await t.keys.check();
    const served = t.keys.keyring!.fingerprint;

    writeFileSync(join(t.dir, 'active.pem'), 'not a key');
    await t.keys.check();
    await t.keys.check(); // the periodic re-check sees the same bad content: not a new failure
    let m = await t.read();
    expect(value(m, 'pico_auth_keyring_reload_failures_total')).toBe(1);
    expect(value(m, 'pico_auth_jwks_fingerprint_info', { fingerprint: served })).toBe(1);

    writeFileSync(join(t.dir, 'active.pem'), 'still not a key');
    await t.keys.check();
    expect(value(await t.read(), 'pico_auth_keyring_reload_failures_total')).toBe(2);

    writeFileSync(join(t.dir, 'active.pem'), generateKeyPem('EdDSA'));
    await t.keys.check();
    m = await t.read();
    const fingerprints = m.filter((s) => s.name === 'pico_auth_jwks_fingerprint_info');
    expect(fingerprints).toEqual([{ name: 'pico_auth_jwks_fingerprint_info', labels: { fingerprint: t.keys.keyring!.fingerprint }, value: 1 }]);
    expect(t.keys.keyring!.fingerprint).not.toBe(served);
  });

  it('read zero and no fingerprint while no key ever loaded, and stop counting once detached', async () => {
    const t = setup({});
    await t.keys.check();
    const m = await t.read();
    for (const state of ['active', 'next', 'retired']) expect(value(m, 'pico_auth_keyring_keys', { state })).toBe(0);
    expect(m.some((s) => s.name === 'pico_auth_jwks_fingerprint_info')).toBe(false);
    expect(value(m, 'pico_auth_keyring_last_reload_success_timestamp_seconds')).toBe(0);
    expect(value(m, 'pico_auth_keyring_reload_failures_total')).toBe(1);

    t.detach();
    writeFileSync(join(t.dir, 'active.pem'), 'bad');
    await t.keys.check();
    expect(value(await t.read(), 'pico_auth_keyring_reload_failures_total')).toBe(1);
  });
});
