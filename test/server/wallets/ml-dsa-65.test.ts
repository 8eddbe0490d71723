// The verifier uses @noble/post-quantum. Keys and signatures here come from independent FIPS 204
// implementations: liboqs (Open Quantum Safe, C compiled to WebAssembly, on every Node version)
// and, where Node has it (>= 24.7), node:crypto's native ML-DSA (OpenSSL 3.5).
import { createHash, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { createMLDSA65 } from '@oqs/liboqs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlDsa65Verifier } from '../../../src/server/wallets/ml-dsa-65.js';
import { expectAuthError, randomChallenge } from './expect-error.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

interface Signer {
  publicKey: string;
  sign(message: string): string;
}

type Oqs = Awaited<ReturnType<typeof createMLDSA65>>;
let oqs: Oqs;
beforeAll(async () => {
  oqs = await createMLDSA65();
});
afterAll(() => oqs?.destroy());

function oqsSigner(): Signer {
  const { publicKey, secretKey } = oqs.generateKeyPair();
  return { publicKey: hex(publicKey), sign: (m) => hex(oqs.sign(utf8(m), secretKey)) };
}

/** node:crypto ML-DSA-65, or null on a Node without it (before 24.7). */
function nodeSigner(): Signer | null {
  let pair;
  try {
    pair = generateKeyPairSync('ml-dsa-65' as never);
  } catch {
    return null;
  }
  const { publicKey, privateKey } = pair as unknown as { publicKey: KeyObject; privateKey: KeyObject };
  // The SPKI of an ML-DSA-65 key is a fixed 22-byte header followed by the 1952-byte raw key.
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKey: hex(spki.subarray(spki.length - 1952)), sign: (m) => hex(nodeSign(null, utf8(m), privateKey)) };
}

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const nodeHasMlDsa = major > 24 || (major === 24 && minor >= 7);

/** The contract's compact address, derived here with node:crypto (the code uses @noble/hashes). */
const compact = (publicKeyHex: string) => `mldsa65-${createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex')}`;

const signIn = async (b: Record<string, unknown>) => mlDsa65Verifier.verify(mlDsa65Verifier.parse(b), { now: Date.now() });
const body = (s: Signer, challenge: string, over: Record<string, unknown> = {}) => ({
  algorithm: 'ML-DSA-65',
  address: s.publicKey,
  public_key: s.publicKey,
  signature: s.sign(challenge),
  challenge,
  ...over,
});

describe('ML-DSA-65', () => {
  it('accepts a liboqs signature over the challenge; the key hex as address reduces to the compact address', async () => {
    const s = oqsSigner();
    const challenge = randomChallenge();
    const parsed = mlDsa65Verifier.parse(body(s, challenge));
    expect(parsed).toMatchObject({ algorithm: 'ML-DSA-65', nonce: challenge, address: compact(s.publicKey) });
    await mlDsa65Verifier.verify(parsed, { now: 0 });
  });

  it('accepts the compact address (mldsa65- + SHA-256 of the key) in place of the key hex', async () => {
    const s = oqsSigner();
    const challenge = randomChallenge();
    const parsed = mlDsa65Verifier.parse(body(s, challenge, { address: compact(s.publicKey) }));
    expect(parsed.address).toBe(compact(s.publicKey));
    await mlDsa65Verifier.verify(parsed, { now: 0 });
  });

  // On Node >= 24.7 (the CI's second leg) this must run; it fails there if node:crypto lacks ML-DSA.
  it.runIf(nodeHasMlDsa)('accepts a node:crypto (OpenSSL) signature', async () => {
    const s = nodeSigner();
    expect(s, 'node:crypto should support ml-dsa-65 on Node >= 24.7').not.toBeNull();
    const challenge = randomChallenge();
    await signIn(body(s!, challenge, { public_key: `0x${s!.publicKey.toUpperCase()}`, challenge: challenge.toUpperCase() }));
    await expectAuthError(() => signIn(body(s!, challenge, { signature: s!.sign(randomChallenge()) })), 401, 'bad_signature');
  });
  if (!nodeHasMlDsa) {
    console.warn(`[ml-dsa-65 test] Node ${process.versions.node} has no node:crypto ML-DSA: cross-checking with liboqs only (Node >= 24.7 adds OpenSSL).`);
  }

  it('401 bad_signature for a signature over another challenge', async () => {
    const s = oqsSigner();
    await expectAuthError(() => signIn(body(s, randomChallenge(), { signature: s.sign(randomChallenge()) })), 401, 'bad_signature');
  });

  it('401 bad_signature for a corrupted signature', async () => {
    const s = oqsSigner();
    const challenge = randomChallenge();
    const sig = Buffer.from(s.sign(challenge), 'hex');
    sig[100]! ^= 0x40;
    await expectAuthError(() => signIn(body(s, challenge, { signature: sig.toString('hex') })), 401, 'bad_signature');
  });

  it('401 bad_signature for a valid signature presented with another key as both key and address', async () => {
    const s = oqsSigner();
    const other = oqsSigner();
    const challenge = randomChallenge();
    await expectAuthError(() => signIn(body(s, challenge, { public_key: other.publicKey, address: other.publicKey })), 401, 'bad_signature');
  });

  it('401 address_mismatch: attacker key and signature, victim address', async () => {
    const attacker = oqsSigner();
    const victim = oqsSigner();
    await expectAuthError(() => signIn(body(attacker, randomChallenge(), { address: victim.publicKey })), 401, 'address_mismatch');
    await expectAuthError(() => signIn(body(attacker, randomChallenge(), { address: compact(victim.publicKey) })), 401, 'address_mismatch');
  });

  it.each([
    ['public_key 1951 bytes', { public_key: 'ab'.repeat(1951) }, /public_key.*1952 bytes/],
    ['public_key 32 bytes', { public_key: 'ab'.repeat(32) }, /public_key.*1952 bytes/],
    ['public_key bad hex', { public_key: 'q'.repeat(3904) }, /public_key.*hex/],
    ['signature 3308 bytes', { signature: 'ab'.repeat(3308) }, /signature.*3309 bytes/],
    ['signature 3310 bytes', { signature: 'ab'.repeat(3310) }, /signature.*(3309 bytes|longer)/],
    ['signature odd-length hex', { signature: 'a'.repeat(6617) }, /signature.*hex/],
    ['signature not a string', { signature: 12 }, /signature.*string/],
  ])('400 invalid_request for %s', async (_name, over, detail) => {
    const s = oqsSigner();
    const err = await expectAuthError(() => mlDsa65Verifier.parse(body(s, randomChallenge(), over)), 400, 'invalid_request');
    expect(err.message).toMatch(detail);
  });

  it('400 invalid_address for an address that is 1952 bytes of non-hex', async () => {
    const s = oqsSigner();
    await expectAuthError(() => mlDsa65Verifier.parse(body(s, randomChallenge(), { address: 'zz'.repeat(1952) })), 400, 'invalid_address');
  });
});
