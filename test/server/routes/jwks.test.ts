import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/server/index.js';
import { generateKeyPem } from '../../../src/server/keys/index.js';
import { makeKeyDir, startService, type RunningService } from '../../helpers/service.js';

describe('GET /api/v1/auth/jwks', () => {
  let svc: RunningService;
  let keysDir: string;
  beforeAll(async () => {
    keysDir = makeKeyDir('RS256', { 'next.pem': generateKeyPem('ES256'), 'retired-2026.pem': generateKeyPem('EdDSA') });
    svc = await startService({ keysDir, jwksMaxAgeSeconds: 120, keysReloadIntervalSeconds: 1 });
  });
  afterAll(() => svc.close());

  it('publishes every key (active, next, retired) with cache headers and an ETag', async () => {
    const res = await fetch(`${svc.api}/jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=120');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"/);
    const body = (await res.json()) as { keys: { kid: string; alg: string; d?: string }[] };
    expect(body.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(body.keys.every((k) => !('d' in k))).toBe(true);
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const first = await fetch(`${svc.api}/jwks`);
    const etag = first.headers.get('etag')!;
    const res = await fetch(`${svc.api}/jwks`, { headers: { 'if-none-match': etag } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    expect((await fetch(`${svc.api}/jwks`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('is served identically through the Express app (query strings, embedders)', async () => {
    const a = await (await fetch(`${svc.api}/jwks`)).text();
    const b = await (await fetch(`${svc.api}/jwks?x=1`)).text();
    expect(b).toBe(a);
  });

  it('changes body and ETag after the key directory changes, without a restart', async () => {
    const before = await fetch(`${svc.api}/jwks`);
    writeFileSync(join(keysDir, 'next.pem'), generateKeyPem('ES256'));
    await svc.service.keys.check();
    const after = await fetch(`${svc.api}/jwks`);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('answers 503 keys_unavailable while no key is loaded, and serves once one appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pico-empty-'));
    const service = await createAuthService({ serverAuth: { keysDir: dir, logLevel: 'silent', keysReloadIntervalSeconds: 1 } });
    const { url } = await service.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`${url}/api/v1/auth/jwks`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ detail: 'No signing key is loaded.', error: 'keys_unavailable' });
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      writeFileSync(join(dir, 'active.pem'), generateKeyPem('EdDSA'));
      await service.keys.check();
      expect((await fetch(`${url}/api/v1/auth/jwks`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
