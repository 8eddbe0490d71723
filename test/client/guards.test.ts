import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasScope, requireRole, requireScope, scopeSatisfies } from '../../src/client/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/client/testing.js';
import { startProtectedApp, type Harness } from './harness.js';

describe('scope matching', () => {
  it.each([
    ['orders:*', 'orders', true],
    ['orders:*', 'orders:read', true],
    ['orders:*', 'orders:items:write', true],
    ['orders:*', 'orders:items:*', true],
    ['orders:*', 'orders:*', true],
    ['orders:read', 'orders:read', true],
    ['orders:read', 'orders:*', false],
    ['orders:items:*', 'orders:*', false],
    ['orders:items:*', 'orders:read', false],
    ['orders:*', 'ordersx', false],
    ['orders:*', 'ordersx:read', false],
    ['*', 'orders:read', false],
    ['*', '*', true],
    [':*', 'x', false],
  ])('granted %s, required %s -> %s', (granted, required, expected) => {
    expect(scopeSatisfies(granted, required)).toBe(expected);
  });

  it('hasScope needs one satisfying grant', () => {
    expect(hasScope(['a:read', 'b:*'], 'b:c:d')).toBe(true);
    expect(hasScope(['a:read'], 'a:write')).toBe(false);
    expect(hasScope([], 'a')).toBe(false);
  });

  it('guards refuse empty requirement lists at creation', () => {
    expect(() => requireRole()).toThrow(TypeError);
    expect(() => requireScope('')).toThrow(TypeError);
  });
});

describe('middleware, guards and the security context', () => {
  let issuer: TestIssuer;
  let app: Harness;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    app = await startProtectedApp(issuer.clientOptions());
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  it('lets allowAnonymous routes through without a token, and protects the rest by default', async () => {
    expect(await app.get('/api/public')).toMatchObject({ status: 200, body: { anonymous: true } });
    expect((await app.get('/api/data')).status).toBe(401);
    expect((await app.get('/api/me')).status).toBe(401);
  });

  it('exposes the full security context through AsyncLocalStorage across awaits', async () => {
    const token = await issuer.mint({ sub: 'w1', role: 'wallet', groups: ['g'], scopes: ['s:*'], wallet_address: 'ab12', algorithm: 'Ed25519', jti: 'jti-1' });
    const res = await app.get('/api/me', token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'w1', role: 'wallet', groups: ['g'], scopes: ['s:*'], jti: 'jti-1' });
    expect(res.body.claims).toMatchObject({ wallet_address: 'ab12', algorithm: 'Ed25519', iss: issuer.issuer, aud: issuer.audience });
  });

  it('requireRole: 403 insufficient_role, 200 for the role', async () => {
    expect(await app.get('/api/operator', await issuer.mint({ role: 'wallet' }))).toMatchObject({ status: 403, body: { error: 'insufficient_role' } });
    expect((await app.get('/api/operator', await issuer.mint({ role: 'operator' }))).status).toBe(200);
  });

  it('requireGroup: any one of the groups', async () => {
    expect(await app.get('/api/group', await issuer.mint({ groups: ['users'] }))).toMatchObject({ status: 403, body: { error: 'insufficient_group' } });
    expect(await app.get('/api/group', await issuer.mint({}))).toMatchObject({ status: 403, body: { error: 'insufficient_group' } });
    expect((await app.get('/api/group', await issuer.mint({ groups: ['ops'] }))).status).toBe(200);
  });

  it('requireScope: every scope, wildcards granted, specific never satisfies a required wildcard', async () => {
    expect((await app.get('/api/scope', await issuer.mint({ scopes: ['orders:*'] }))).status).toBe(200);
    expect((await app.get('/api/scope', await issuer.mint({ scopes: ['orders:read', 'orders:items:write'] }))).status).toBe(200);
    expect(await app.get('/api/scope', await issuer.mint({ scopes: ['orders:read'] }))).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect(await app.get('/api/wildcard', await issuer.mint({ scopes: ['orders:read', 'orders:write'] }))).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect((await app.get('/api/wildcard', await issuer.mint({ scopes: ['orders:*'] }))).status).toBe(200);
  });

  it('serves a hot token from the verified-token cache', async () => {
    const token = await issuer.mint({ sub: 'hot' });
    for (let i = 0; i < 3; i++) expect((await app.get('/api/data', token)).status).toBe(200);
    // A different token with the same claims is a different cache key: still verified by signature.
    expect((await app.get('/api/data', await issuer.mint({ sub: 'hot' }))).status).toBe(200);
  });
});
