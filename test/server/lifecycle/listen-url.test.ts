import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/server/index.js';
import { listenUrl } from '../../../src/server/listen-url.js';
import { makeKeyDir } from '../../helpers/service.js';

const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

describe('the URL listen() returns', () => {
  it('brackets IPv6 literals and shows wildcard hosts as 127.0.0.1', () => {
    expect(listenUrl('::1', 8100)).toBe('http://[::1]:8100');
    expect(listenUrl('fe80::1', 8100, '/metrics')).toBe('http://[fe80::1]:8100/metrics');
    expect(listenUrl('0.0.0.0', 8100)).toBe('http://127.0.0.1:8100');
    expect(listenUrl('::', 8100)).toBe('http://127.0.0.1:8100');
    expect(listenUrl('127.0.0.1', 1)).toBe('http://127.0.0.1:1');
  });

  it.skipIf(!ipv6Loopback)('is a valid URL that reaches the service on an IPv6 host', async () => {
    const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent' } });
    try {
      const { url, port } = await service.listen(0, '::1');
      expect(url).toBe(`http://[::1]:${port}`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
