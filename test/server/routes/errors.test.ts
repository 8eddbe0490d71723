import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Wallet, postJson, startService, type RunningService } from '../../helpers/service.js';

describe('error handling: every failure is the contract shape, caller mistakes are 4xx', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(() => svc.close());

  const expectError = (res: { status: number; json: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ detail: expect.any(String), error: code });
  };

  it('malformed JSON is 400 invalid_json', async () => {
    expectError(await postJson(`${svc.api}/challenge`, '{"address":'), 400, 'invalid_json');
  });

  it('a body over 16 KiB is 413', async () => {
    expectError(await postJson(`${svc.api}/challenge`, { address: 'a'.repeat(17 * 1024) }), 413, 'payload_too_large');
  });

  it('a body that is not JSON is 415; a JSON non-object is 400', async () => {
    const res = await fetch(`${svc.api}/challenge`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'address=x' });
    expectError({ status: res.status, json: await res.json() }, 415, 'unsupported_media_type');
    expectError(await postJson(`${svc.api}/challenge`, '[1,2]'), 400, 'invalid_request');
    expectError(await postJson(`${svc.api}/challenge`, '"x"'), 400, 'invalid_json'); // strict JSON: objects and arrays only
  });

  it('wrong types, missing fields, bad hex and over-long strings are 400', async () => {
    expectError(await postJson(`${svc.api}/challenge`, {}), 400, 'invalid_request');
    expectError(await postJson(`${svc.api}/challenge`, { address: 7 }), 400, 'invalid_request');
    expectError(await postJson(`${svc.api}/challenge`, { address: 'xyz' }), 400, 'invalid_address');
    expectError(await postJson(`${svc.api}/challenge`, { address: 'ab'.repeat(1960) }), 400, 'invalid_address');
    expectError(await postJson(`${svc.api}/challenge`, { address: 'ab'.repeat(2001) }), 400, 'invalid_request');
    const w = ed25519Wallet();
    expectError(await postJson(`${svc.api}/sign-in`, { ...w.body('ab'.repeat(32)), public_key: 'zz' }), 400, 'invalid_request');
    expectError(await postJson(`${svc.api}/sign-in`, { ...w.body('ab'.repeat(32)), signature: ['x'] }), 400, 'invalid_request');
  });

  it('an unknown or missing algorithm is 400 unsupported_algorithm', async () => {
    const w = ed25519Wallet();
    expectError(await postJson(`${svc.api}/sign-in`, { ...w.body('ab'.repeat(32)), algorithm: 'RSA' }), 400, 'unsupported_algorithm');
    expectError(await postJson(`${svc.api}/sign-in`, { ...w.body('ab'.repeat(32)), algorithm: '__proto__' }), 400, 'unsupported_algorithm');
    const { algorithm: _a, ...noAlg } = w.body('ab'.repeat(32));
    expectError(await postJson(`${svc.api}/sign-in`, noAlg), 400, 'unsupported_algorithm');
  });

  it('unknown paths and methods are 404 in the contract shape', async () => {
    const res = await fetch(`${svc.api}/nope`);
    expectError({ status: res.status, json: await res.json() }, 404, 'not_found');
    const res2 = await fetch(`${svc.api}/challenge`);
    expect(res2.status).toBe(404);
  });

  it('returns the caller X-Request-Id, or makes one', async () => {
    const mine = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
