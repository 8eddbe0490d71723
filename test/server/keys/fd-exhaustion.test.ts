import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { generateKeyPem, KeyManager, logKeyEvents, readKeyDirectory } from '../../../src/server/keys/index.js';
import { keyringMetrics } from '../../../src/server/metrics/keyring.js';
import { parseExposition, value } from '../metrics/exposition.js';
import { captureLogs } from '../logs/capture.js';

/** What node:fs throws when the process is out of descriptors. */
const emfile = (syscall: string, path: string) => Object.assign(new Error(`EMFILE: too many open files, ${syscall} '${path}'`), { code: 'EMFILE', errno: -24, syscall, path });

describe('a key reload that hits the file-descriptor limit (EMFILE)', () => {
  it('keeps the last good keyring, counts every such read, logs once per episode, and reloads once descriptors are back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pico-keys-emfile-'));
    writeFileSync(join(dir, 'active.pem'), generateKeyPem('EdDSA'));
    // The failure is injected where it happens in production: the directory read (readdir, or a readFile of one key).
    let failWith: ((dir: string) => Error) | undefined;
    const keys = new KeyManager({
      dir,
      recheckIntervalMs: 60_000,
      read: async (d) => {
        if (failWith) throw failWith(d);
        return readKeyDirectory(d);
      },
    });
    const registry = new Registry();
    keyringMetrics(registry, keys);
    const logs = captureLogs();
    logKeyEvents(keys, logs.logger);
    const metric = async (name: string) => value(parseExposition(await registry.metrics()), name);

    await keys.check();
    const good = keys.keyring!;
    expect(good.entries).toHaveLength(1);

    // A rotation step lands while descriptors are exhausted: three re-checks fail.
    writeFileSync(join(dir, 'next.pem'), generateKeyPem('EdDSA'));
    failWith = (d) => emfile('scandir', d);
    await keys.check();
    failWith = (d) => emfile('open', join(d, 'next.pem'));
    await keys.check();
    await keys.check();

    expect(keys.keyring).toBe(good); // the very same keyring object keeps serving
    expect(await metric('pico_auth_keyring_reload_fd_exhausted_total')).toBe(3);
    expect(await metric('pico_auth_keyring_reload_failures_total')).toBe(1); // once per episode, so the reload alert fires
    const lines = logs.withMsg('key reload hit the file-descriptor limit; the last good keyring keeps serving');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, err: { code: 'EMFILE' }, activeKid: good.active.kid });
    expect(logs.lines().filter((l) => l.level >= 50)).toHaveLength(1);

    // Descriptors are back: the pending change loads.
    failWith = undefined;
    await keys.check();
    expect(keys.keyring!.entries.map((e) => e.state)).toEqual(['active', 'next']);
    expect(await metric('pico_auth_keyring_reloads_total')).toBe(2);

    // A later episode is logged again, once.
    failWith = (d) => emfile('scandir', d);
    await keys.check();
    await keys.check();
    expect(logs.withMsg('key reload hit the file-descriptor limit; the last good keyring keeps serving')).toHaveLength(2);
    expect(await metric('pico_auth_keyring_reload_fd_exhausted_total')).toBe(5);
    expect(await metric('pico_auth_keyring_reload_failures_total')).toBe(2);
    keys.stop();
  });
});
