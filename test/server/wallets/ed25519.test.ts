// Keys and signatures come from @noble/curves; the verifier uses node:crypto (OpenSSL).
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ed25519Verifier } from '../../../src/server/wallets/ed25519.js';
import { expectAuthError, randomChallenge } from './expect-error.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

function signer() {
  const { secretKey, publicKey } = ed25519.keygen();
  return { publicKey: hex(publicKey), sign: (m: string) => hex(ed25519.sign(utf8(m), secretKey)) };
}

function body(s: ReturnType<typeof signer>, challenge: string, over: Record<string, unknown> = {}) {
  return { algorithm: 'Ed25519', address: s.publicKey, public_key: s.publicKey, signature: s.sign(challenge), challenge, ...over };
}

const signIn = async (b: Record<string, unknown>) => ed25519Verifier.verify(ed25519Verifier.parse(b), { now: Date.now() });

describe('Ed25519', () => {
  it('accepts a signature over the challenge; address is the lowercase key hex', async () => {
    const s = signer();
    const challenge = randomChallenge();
    const parsed = ed25519Verifier.parse(body(s, challenge));
    expect(parsed).toMatchObject({ algorithm: 'Ed25519', nonce: challenge, address: s.publicKey });
    await ed25519Verifier.verify(parsed, { now: 0 });
  });

  it('accepts upper case and 0x prefixes on every hex field; the signed text is the canonical challenge', async () => {
    const s = signer();
    const challenge = randomChallenge();
    const up = (h: string) => `0x${h.toUpperCase()}`;
    await signIn({ address: up(s.publicKey), public_key: up(s.publicKey), signature: up(s.sign(challenge)), challenge: up(challenge) });
  });

  it('401 bad_signature for a signature over another challenge', async () => {
    const s = signer();
    await expectAuthError(() => signIn(body(s, randomChallenge(), { signature: s.sign(randomChallenge()) })), 401, 'bad_signature');
  });

  it('401 bad_signature for a corrupted signature', async () => {
    const s = signer();
    const challenge = randomChallenge();
    const sig = Buffer.from(s.sign(challenge), 'hex');
    sig[10]! ^= 1;
    await expectAuthError(() => signIn(body(s, challenge, { signature: sig.toString('hex') })), 401, 'bad_signature');
  });

  it('401 bad_signature when S is not canonical (S + L, the malleable form)', async () => {
    const s = signer();
    const challenge = randomChallenge();
    const sig = Buffer.from(s.sign(challenge), 'hex');
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const S = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
    // S < L, so S + L < 2^254 still fits the 32-byte field: same point equation, non-canonical encoding.
    sig.set(Buffer.from(S.toString(16).padStart(64, '0'), 'hex').reverse(), 32);
    expect(ed25519.verify(sig, utf8(challenge), Buffer.from(s.publicKey, 'hex'), { zip215: true })).toBe(false);
    await expectAuthError(() => signIn(body(s, challenge, { signature: sig.toString('hex') })), 401, 'bad_signature');
  });

  it('401 address_mismatch: attacker key and signature, victim address', async () => {
    const attacker = signer();
    const victim = signer();
    const challenge = randomChallenge();
    await expectAuthError(() => signIn(body(attacker, challenge, { address: victim.publicKey })), 401, 'address_mismatch');
  });

  it('401 address_mismatch for an EVM address', async () => {
    const s = signer();
    const challenge = randomChallenge();
    await expectAuthError(() => signIn(body(s, challenge, { address: `0x${'ab'.repeat(20)}` })), 401, 'address_mismatch');
  });

  it.each([
    ['missing public_key', { public_key: undefined }, 'invalid_request', /public_key.*required/],
    ['public_key not a string', { public_key: 7 }, 'invalid_request', /public_key.*string/],
    ['public_key 31 bytes', { public_key: 'ab'.repeat(31) }, 'invalid_request', /public_key.*32 bytes/],
    ['public_key 33 bytes', { public_key: 'ab'.repeat(33) }, 'invalid_request', /public_key.*32 bytes/],
    ['public_key bad hex', { public_key: 'zz'.repeat(32) }, 'invalid_request', /public_key.*hex/],
    ['signature 63 bytes', { signature: 'ab'.repeat(63) }, 'invalid_request', /signature.*64 bytes/],
    ['signature odd hex', { signature: 'abc' }, 'invalid_request', /signature.*hex/],
    ['signature much too long', { signature: 'ab'.repeat(5000) }, 'invalid_request', /signature.*64 bytes.*too long/],
    ['missing signature', { signature: undefined }, 'invalid_request', /signature.*required/],
    ['missing challenge', { challenge: undefined }, 'invalid_request', /challenge.*required/],
    ['challenge not 64 hex', { challenge: 'ab'.repeat(31) }, 'invalid_request', /challenge.*64/],
    ['missing address', { address: undefined }, 'invalid_request', /address.*required/],
    ['address bad hex', { address: 'xy'.repeat(32) }, 'invalid_address', /address/],
  ])('400 for %s', async (_name, over, code, detail) => {
    const s = signer();
    const err = await expectAuthError(() => ed25519Verifier.parse(body(s, randomChallenge(), over)), 400, code);
    expect(err.message).toMatch(detail);
  });
});
