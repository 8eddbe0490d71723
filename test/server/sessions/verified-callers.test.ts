import { describe, expect, it, vi } from 'vitest';
import type { AuthConfig } from '../../../src/server/config/index.js';
import { generateKeyPem } from '../../../src/server/keys/generate.js';
import { buildKeyring, type Keyring } from '../../../src/server/keys/index.js';
import { callerAuthenticator } from '../../../src/server/sessions/callers.js';
import { VerifiedTokens } from '../../../src/server/sessions/verified-tokens.js';
import { MemoryRevocationStore } from '../../../src/server/stores/memory/revocations.js';
import { signAccessToken } from '../../../src/server/tokens/access-token.js';
import * as verifier from '../../../src/server/tokens/verify-access-token.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// Counts the full verifications: a reused one makes none.
vi.mock('../../../src/server/tokens/verify-access-token.js', async (original) => {
  const real = await original<typeof verifier>();
  return { ...real, verifyAccessToken: vi.fn(real.verifyAccessToken) };
});
const verifications = () => vi.mocked(verifier.verifyAccessToken).mock.calls.length;

const config = { issuer: 'http://issuer.test', audience: 'test-aud' } as AuthConfig;
const pem = generateKeyPem('RS256');
const keyringOf = (files: [string, string][]) => buildKeyring(new Map(files));

/** An authenticator over a swappable keyring, a fake clock and a memory revocation store. */
async function setUp() {
  const clock = new FakeClock();
  const keys: { keyring: Keyring | undefined } = { keyring: await keyringOf([['active.pem', pem]]) };
  const revocations = new MemoryRevocationStore({ clock });
  const authenticate = callerAuthenticator({ config, clock, keys, stores: { revocations } as never });
  const token = async (role = 'service', ttlSeconds = 60) =>
    signAccessToken(keys.keyring, { sub: 'agent-1', role }, { ...config, ttlSeconds }, Math.floor(clock.now() / 1000));
  const paging = (t: string, roles = ['service', 'operator']) => authenticate(t, roles, { reuseVerified: true });
  return { clock, keys, revocations, authenticate, token, paging };
}

const code = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);

describe('callerAuthenticator with reuseVerified (the paging route)', () => {
  it('verifies a token once for a run of pages; without the option, every time', async () => {
    const { token, paging, authenticate } = await setUp();
    const { token: t, jti } = await token();
    const before = verifications();
    for (let i = 0; i < 5; i++) expect((await paging(t)).jti).toBe(jti);
    expect(verifications() - before).toBe(1);
    for (let i = 0; i < 3; i++) await authenticate(t, ['service']);
    expect(verifications() - before).toBe(4);
  });

  it('checks revocation on every request: a revoked token fails on its next page', async () => {
    const { token, paging, revocations, clock } = await setUp();
    const { token: t, jti, exp } = await token();
    await paging(t);
    const now = Math.floor(clock.now() / 1000);
    await revocations.revoke({ jti, revokedAt: now, exp, reason: null, revokedBy: 'op' });
    expect(await code(paging(t))).toBe('token_revoked');
  });

  it('checks the role on every request', async () => {
    const { token, paging } = await setUp();
    const { token: t } = await token('service');
    await paging(t);
    expect(await code(paging(t, ['operator']))).toBe('insufficient_role');
  });

  it('applies exp as jose does (5 s tolerance), at the clock of each request: expired is expired', async () => {
    const { token, paging, clock } = await setUp();
    const { token: t, exp } = await token('service', 60);
    await paging(t);
    clock.advance((exp + 4) * 1000 - clock.now()); // inside the tolerance: still valid, not verified again
    const before = verifications();
    await paging(t);
    expect(verifications()).toBe(before);
    clock.advance(1000); // exp + 5: jose's "exp <= now - tolerance"
    expect(await code(paging(t))).toBe('token_expired');
  });

  it('applies nbf again: a clock moved back before the token is valid fails as the full check does', async () => {
    const { token, paging, clock } = await setUp();
    const { token: t } = await token();
    await paging(t);
    clock.advance(-6000); // nbf = iat = the signing second; now + 5 s tolerance is before it
    expect(await code(paging(t))).toBe('invalid_token');
  });

  it('holds for one keyring object only: a reload verifies again; a key taken out fails at once', async () => {
    const { token, paging, keys } = await setUp();
    const { token: t } = await token();
    await paging(t);
    keys.keyring = await keyringOf([['active.pem', pem]]); // same keys, new keyring
    const before = verifications();
    await paging(t);
    expect(verifications()).toBe(before + 1);
    keys.keyring = await keyringOf([['active.pem', generateKeyPem('RS256')]]); // the signing key is gone
    expect(await code(paging(t))).toBe('invalid_token');
  });

  it('never keeps a failure: a bad token is verified (and refused) every time', async () => {
    const { token, paging } = await setUp();
    const { token: t } = await token();
    const forged = `${t.slice(0, -4)}AAAA`;
    const before = verifications();
    expect(await code(paging(forged))).toBe('invalid_token');
    expect(await code(paging(forged))).toBe('invalid_token');
    expect(verifications()).toBe(before + 2);
  });
});

describe('VerifiedTokens', () => {
  it('is bounded: the oldest entry goes first', async () => {
    const keyring = await keyringOf([['active.pem', pem]]);
    const cache = new VerifiedTokens(2);
    const claims = (jti: string) => ({ sub: 's', jti, exp: 2000, iat: 1000, role: 'service' });
    for (const t of ['a', 'b', 'c']) cache.set(t, keyring, claims(t));
    expect(cache.size).toBe(2);
    expect(cache.get('a', keyring, 1500, 5)).toBeUndefined();
    expect(cache.get('b', keyring, 1500, 5)?.jti).toBe('b');
    expect(cache.get('c', keyring, 1500, 5)?.jti).toBe('c');
  });
});
