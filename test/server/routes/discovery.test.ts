import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryPath } from '../../../src/server/routes/discovery.js';
import { startService, type RunningService } from '../../helpers/service.js';
import { getJson } from './session-helpers.js';

describe('discovery path', () => {
  it('appends /.well-known/openid-configuration to the issuer path (OIDC Discovery 4.1)', () => {
    expect(discoveryPath('https://a.example')).toBe('/.well-known/openid-configuration');
    expect(discoveryPath('https://a.example/')).toBe('/.well-known/openid-configuration');
    expect(discoveryPath('https://a.example/tenant1')).toBe('/tenant1/.well-known/openid-configuration');
    expect(discoveryPath('https://a.example/tenant1/')).toBe('/tenant1/.well-known/openid-configuration');
  });
});

describe('GET /.well-known/openid-configuration', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ issuer: 'https://a.example/tenant1' });
  });
  afterAll(() => svc.close());

  it('serves the contract fields at the issuer path and at the bare root', async () => {
    for (const path of ['/tenant1/.well-known/openid-configuration', '/.well-known/openid-configuration']) {
      const res = await getJson(svc.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      expect(res.json).toMatchObject({
        issuer: 'https://a.example/tenant1',
        jwks_uri: 'https://a.example/tenant1/api/v1/auth/jwks',
        token_endpoint: 'https://a.example/tenant1/api/v1/auth/refresh',
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: expect.any(Array),
        subject_types_supported: ['public'],
      });
    }
    expect((await getJson(`${svc.url}/other/.well-known/openid-configuration`)).status).toBe(404);
  });
});
