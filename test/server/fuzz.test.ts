import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startService, type RunningService } from '../helpers/service.js';
import { adminSettings, operatorToken } from './routes/session-helpers.js';

/** Every endpoint of the service. A new endpoint is added here so that it is fuzzed too. */
const ENDPOINTS: { method: 'GET' | 'POST'; path: string; fields: string[] }[] = [
  { method: 'GET', path: '/api/v1/auth/jwks', fields: [] },
  { method: 'POST', path: '/api/v1/auth/challenge', fields: ['address'] },
  { method: 'POST', path: '/api/v1/auth/sign-in', fields: ['algorithm', 'address', 'public_key', 'signature', 'challenge', 'message'] },
  { method: 'POST', path: '/api/v1/auth/refresh', fields: ['refresh_token'] },
  { method: 'POST', path: '/api/v1/auth/login', fields: ['email', 'password'] },
  { method: 'POST', path: '/api/v1/auth/revoke', fields: ['jti', 'family', 'reason', 'exp'] },
  { method: 'GET', path: '/api/v1/auth/revoked-jtis', fields: [] },
  { method: 'GET', path: '/api/v1/auth/mints', fields: [] },
  { method: 'POST', path: '/api/v1/auth/fleet/sessions', fields: ['session_id', 'agent_id', 'role', 'ttl', 'scopes'] },
  { method: 'GET', path: '/.well-known/openid-configuration', fields: [] },
  { method: 'GET', path: '/healthz', fields: [] },
  { method: 'GET', path: '/readyz', fields: [] },
  { method: 'GET', path: '/metrics', fields: [] },
];

const ALGORITHMS = ['Ed25519', 'secp256k1', 'ML-DSA-65', 'EIP-191', 'EIP-4361', 'RSA', '', '__proto__', 'constructor'];

/** Values that stress parsers: wrong types, hex-ish and huge strings, nested junk, prototype keys. */
const junk = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFx'), maxLength: 200 }),
  fc.constantFrom(...ALGORITHMS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a'), fc.string({ maxLength: 5 })),
  fc.constant('a'.repeat(5000)),
);

const headerValue = fc.string({ unit: fc.constantFrom(...'abcdefABCDEF0123456789 ./;=,-_"*'), maxLength: 60 });

describe('fuzz: random bodies and headers at every endpoint', () => {
  let svc: RunningService;
  let bearer: string;
  let operator: string;
  beforeAll(async () => {
    svc = await startService({ ...(await adminSettings()), fleetSecret: 'a-fleet-secret-of-enough-length', rateLimitChallengePerIp: 0, rateLimitSignInPerIp: 0, rateLimitLoginPerIp: 0, rateLimitLoginPerEmail: 0, rateLimitRefreshPerIp: 0, rateLimitFleetPerIp: 0 });
    bearer = (await signIn(svc.api)).access_token;
    operator = await operatorToken(svc.api);
  });
  afterAll(() => svc.close());

  it('never answers 5xx and always answers in the contract shape', { timeout: 120_000 }, async () => {
    const request = fc.record({
      endpoint: fc.constantFrom(...ENDPOINTS),
      body: fc.oneof(
        fc.constant(undefined),
        fc.string({ maxLength: 100 }), // raw, often malformed JSON
        fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
        fc.constant(null).chain(() => fc.record({ algorithm: fc.constantFrom(...ALGORITHMS), address: junk, public_key: junk, signature: junk, challenge: junk, message: junk, refresh_token: junk, email: junk, password: junk, jti: junk, family: junk, exp: junk, reason: junk, session_id: junk, agent_id: junk, ttl: junk, role: junk, scopes: junk }).map((o) => JSON.stringify(o))),
      ),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', undefined),
      authorization: fc.oneof(fc.constant(undefined), headerValue.map((v) => `Bearer ${v}`), fc.constant('Bearer VALID'), fc.constant('Bearer OPERATOR'), headerValue),
      ifNoneMatch: fc.oneof(fc.constant(undefined), headerValue),
      fleetSecret: fc.oneof(fc.constant(undefined), headerValue),
      xff: fc.oneof(fc.constant(undefined), headerValue),
      query: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }).map((q) => `?since=${encodeURIComponent(q)}&limit=${encodeURIComponent(q)}`)),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.authorization) headers.authorization = r.authorization === 'Bearer VALID' ? `Bearer ${bearer}` : r.authorization === 'Bearer OPERATOR' ? `Bearer ${operator}` : r.authorization;
        if (r.ifNoneMatch) headers['if-none-match'] = r.ifNoneMatch;
        if (r.fleetSecret) headers['x-fleet-secret'] = r.fleetSecret;
        if (r.xff) headers['x-forwarded-for'] = r.xff;
        const method = r.body !== undefined && r.endpoint.method === 'GET' ? 'GET' : r.endpoint.method;
        const res = await fetch(`${svc.url}${r.endpoint.path}${r.query}`, { method, headers, body: method === 'POST' ? r.body : undefined });
        const text = await res.text();
        expect(res.status, `${method} ${r.endpoint.path} -> ${res.status} ${text}`).toBeLessThan(500);
        if (res.status >= 400) expect(JSON.parse(text)).toEqual({ detail: expect.any(String), error: expect.stringMatching(/^[a-z_]+$/) });
      }),
      { numRuns: 400 },
    );
    // Still serving afterwards.
    expect((await fetch(`${svc.api}/jwks`)).status).toBe(200);
    await signIn(svc.api);
  });
});
