import { describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/server/index.js';
import { signIn, makeKeyDir, startService } from '../../helpers/service.js';
import { parseExposition, scrape, value } from './exposition.js';

describe('GET /metrics', () => {
  it('is served on the service port in the Prometheus text format, uncached', async () => {
    const svc = await startService();
    try {
      const res = await fetch(`${svc.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const samples = parseExposition(await res.text());
      expect(samples.length).toBeGreaterThan(50);
      // One prefix for everything this service exposes.
      expect(samples.filter((s) => !s.name.startsWith('pico_auth_'))).toEqual([]);
      const head = await fetch(`${svc.url}/metrics`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    } finally {
      await svc.close();
    }
  });

  it('moves to the separate metrics port when one is set, which stops with the service', async () => {
    const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir(), logLevel: 'silent', metricsPort: 0, shutdownGraceSeconds: 1 } });
    const { url, metricsUrl } = await service.listen(0, '127.0.0.1');
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl!).port).not.toBe(new URL(url).port);
    try {
      await signIn(`${url}/api/v1/auth`);
      const samples = await scrape(metricsUrl!);
      expect(value(samples, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'success' })).toBe(1);
      // The public port no longer exposes it: that is the point of the separate port.
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      const origin = new URL(metricsUrl!).origin;
      const other = await fetch(`${origin}/api/v1/auth/jwks`);
      expect(other.status).toBe(404);
      expect(await other.json()).toEqual({ detail: expect.any(String), error: 'not_found' });
      const post = await fetch(metricsUrl!, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await service.close();
    }
    await expect(fetch(metricsUrl!)).rejects.toThrow();
  });

  it('keeps two services in one process apart: each has its own registry', async () => {
    const a = await startService();
    const b = await startService();
    try {
      await signIn(a.api);
      await signIn(a.api);
      await signIn(b.api);
      const [sa, sb] = await Promise.all([scrape(`${a.url}/metrics`), scrape(`${b.url}/metrics`)]);
      expect(value(sa, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'success' })).toBe(2);
      expect(value(sb, 'pico_auth_sign_ins_total', { algorithm: 'Ed25519', outcome: 'success' })).toBe(1);
      expect(a.service.metrics).not.toBe(b.service.metrics);
      const { register } = await import('prom-client');
      expect(register.getSingleMetric('pico_auth_sign_ins_total')).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
