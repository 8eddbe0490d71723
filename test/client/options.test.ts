import { describe, expect, it } from 'vitest';
import { AuthClientConfigError, authClientOptionsFromEnv, createAuthClient } from '../../src/client/index.js';
import { resolveOptions } from '../../src/client/options.js';

const base = { issuer: 'https://auth.example.com', audience: 'api' };

describe('configuration is checked at creation', () => {
  it('derives the JWKS and revocation URLs from the issuer and fills defaults', () => {
    const o = resolveOptions({ ...base, revocation: { bearer: 't' } });
    expect(o.jwksUrl.href).toBe('https://auth.example.com/api/v1/auth/jwks');
    expect(o.revocation?.endpoint.href).toBe('https://auth.example.com/api/v1/auth/revoked-jtis');
    expect(o.algorithms).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(o.clockToleranceSeconds).toBe(30);
    expect(o.revocation).toMatchObject({ ttlSeconds: 30, maxStaleSeconds: 90, failOpen: false });
  });

  it.each([
    [{ ...base, acceptedAlgorithms: ['none'] }, /"none" is not allowed/],
    [{ ...base, acceptedAlgorithms: ['HS256'] }, /"HS256" is not allowed/],
    [{ ...base, acceptedAlgorithms: [] }, /non-empty array/],
    [{ ...base, jwksUrl: 'http://auth.example.com/jwks' }, /plain http/],
    [{ ...base, revocation: { bearer: 't', endpoint: 'http://auth.example.com/r' } }, /plain http/],
    [{ ...base, jwksUrl: 'ftp://x/jwks' }, /http\(s\) URL/],
    [{ issuer: 'not-a-url', audience: 'api' }, /jwksUrl must be an absolute URL/],
    [{ issuer: '', audience: '' }, /issuer must be/],
    [{ ...base, revocation: { bearer: '' } }, /revocation.bearer is required/],
    [{ ...base, clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
    [{ ...base, tokenCache: { maxEntries: 0 } }, /tokenCache.maxEntries/],
    [{ ...base, metrics: { registry: {} } }, /prom-client Registry/],
  ])('refuses %j', (options, message) => {
    expect(() => createAuthClient(options as never)).toThrow(AuthClientConfigError);
    expect(() => createAuthClient(options as never)).toThrow(message);
  });

  it('allows http to localhost, and elsewhere only with allowInsecureHttp', () => {
    expect(() => resolveOptions({ ...base, jwksUrl: 'http://127.0.0.1:8100/api/v1/auth/jwks' })).not.toThrow();
    expect(() => resolveOptions({ ...base, jwksUrl: 'http://localhost/jwks' })).not.toThrow();
    expect(() => resolveOptions({ ...base, jwksUrl: 'http://auth.svc/jwks', allowInsecureHttp: true })).not.toThrow();
  });
});

describe('AUTH_CLIENT_* environment', () => {
  it('reads every variable', () => {
    const o = authClientOptionsFromEnv({
      AUTH_CLIENT_ISSUER: 'https://auth.example.com',
      AUTH_CLIENT_AUDIENCE: 'a, b',
      AUTH_CLIENT_JWKS_URL: 'http://auth.svc:8100/api/v1/auth/jwks',
      AUTH_CLIENT_ACCEPTED_ALGORITHMS: 'RS256,EdDSA',
      AUTH_CLIENT_CLOCK_TOLERANCE_SECONDS: '5',
      AUTH_CLIENT_ALLOW_INSECURE_HTTP: 'true',
      AUTH_CLIENT_REVOCATION_ENDPOINT: 'http://auth.svc:8100/api/v1/auth/revoked-jtis',
      AUTH_CLIENT_REVOCATION_BEARER: 'svc',
      AUTH_CLIENT_REVOCATION_TTL_SECONDS: '15',
      AUTH_CLIENT_REVOCATION_FAIL_OPEN: 'no',
    });
    expect(o).toMatchObject({
      issuer: 'https://auth.example.com',
      audience: ['a', 'b'],
      acceptedAlgorithms: ['RS256', 'EdDSA'],
      clockToleranceSeconds: 5,
      allowInsecureHttp: true,
      revocation: { endpoint: 'http://auth.svc:8100/api/v1/auth/revoked-jtis', bearer: 'svc', ttlSeconds: 15, failOpen: false },
    });
    expect(() => createAuthClient(o).close()).not.toThrow();
  });

  it('leaves revocation off without its variables, and reports bad values', () => {
    expect(authClientOptionsFromEnv({ AUTH_CLIENT_ISSUER: 'https://a', AUTH_CLIENT_AUDIENCE: 'x' }).revocation).toBeUndefined();
    expect(() => authClientOptionsFromEnv({})).toThrow(/AUTH_CLIENT_ISSUER is required/);
    expect(() => authClientOptionsFromEnv({ AUTH_CLIENT_ISSUER: 'https://a', AUTH_CLIENT_AUDIENCE: 'x', AUTH_CLIENT_CLOCK_TOLERANCE_SECONDS: 'ten' })).toThrow(/must be a number/);
    expect(() => authClientOptionsFromEnv({ AUTH_CLIENT_ISSUER: 'https://a', AUTH_CLIENT_AUDIENCE: 'x', AUTH_CLIENT_ALLOW_INSECURE_HTTP: 'maybe' })).toThrow(/true or false/);
    // Endpoint without bearer: a creation error, not a silent no-auth poller.
    const o = authClientOptionsFromEnv({ AUTH_CLIENT_ISSUER: 'https://a', AUTH_CLIENT_AUDIENCE: 'x', AUTH_CLIENT_REVOCATION_ENDPOINT: 'https://a/r' });
    expect(() => createAuthClient(o)).toThrow(/revocation.bearer is required/);
  });
});
