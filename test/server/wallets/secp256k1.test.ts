// Keys and signatures come from @noble/curves; the verifier uses node:crypto (OpenSSL). EVM
// addresses come from ethers.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import { secp256k1Verifier } from '../../../src/server/wallets/secp256k1.js';
import { expectAuthError, randomChallenge } from './expect-error.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const N = secp256k1.Point.Fn.ORDER;

function signer() {
  const { secretKey } = secp256k1.keygen();
  const uncompressed = secp256k1.getPublicKey(secretKey, false);
  return {
    compressed: hex(secp256k1.getPublicKey(secretKey, true)),
    uncompressed: hex(uncompressed),
    evm: computeAddress(hexlify(uncompressed)),
    // noble's default prehash is SHA-256 of the message, as the contract says.
    sign: (m: string, format: 'der' | 'compact' = 'der') => hex(secp256k1.sign(utf8(m), secretKey, { format })),
  };
}

const signIn = async (b: Record<string, unknown>) => secp256k1Verifier.verify(secp256k1Verifier.parse(b), { now: Date.now() });

describe('secp256k1', () => {
  const s = signer();

  it.each([
    ['compressed key, DER, key-hex address', 'compressed', 'der', 'key'],
    ['compressed key, compact, key-hex address', 'compressed', 'compact', 'key'],
    ['uncompressed key, DER, key-hex address', 'uncompressed', 'der', 'key'],
    ['uncompressed key, compact, key-hex address', 'uncompressed', 'compact', 'key'],
    ['compressed key, DER, checksummed EVM address', 'compressed', 'der', 'evm'],
    ['uncompressed key, compact, lowercase EVM address', 'uncompressed', 'compact', 'evm-lower'],
  ] as const)('accepts %s', async (_name, keyForm, format, addressForm) => {
    const challenge = randomChallenge();
    const key = s[keyForm];
    const address = addressForm === 'key' ? key : addressForm === 'evm' ? s.evm : s.evm.toLowerCase();
    const parsed = secp256k1Verifier.parse({ address, public_key: key, signature: s.sign(challenge, format), challenge });
    expect(parsed).toMatchObject({ algorithm: 'secp256k1', nonce: challenge, address: addressForm === 'key' ? key : s.evm.toLowerCase() });
    await secp256k1Verifier.verify(parsed, { now: 0 });
  });

  it('accepts a high-S signature (documented: malleability cannot replay a single-use challenge)', async () => {
    const challenge = randomChallenge();
    const sig = secp256k1.Signature.fromBytes(Buffer.from(s.sign(challenge, 'compact'), 'hex'), 'compact');
    const high = new secp256k1.Signature(sig.r, N - sig.s);
    expect(high.hasHighS()).toBe(true);
    await signIn({ address: s.compressed, public_key: s.compressed, signature: hex(high.toBytes('compact')), challenge });
    await signIn({ address: s.compressed, public_key: s.compressed, signature: hex(high.toBytes('der')), challenge });
  });

  it('401 address_mismatch when the address is the other encoding of the key (key hex must be as sent)', async () => {
    const challenge = randomChallenge();
    await expectAuthError(
      () => signIn({ address: s.uncompressed, public_key: s.compressed, signature: s.sign(challenge), challenge }),
      401,
      'address_mismatch',
    );
  });

  it('401 address_mismatch: attacker key and signature, victim address (key hex or EVM)', async () => {
    const attacker = signer();
    for (const victimAddress of [s.compressed, s.evm]) {
      const challenge = randomChallenge();
      await expectAuthError(
        () => signIn({ address: victimAddress, public_key: attacker.compressed, signature: attacker.sign(challenge), challenge }),
        401,
        'address_mismatch',
      );
    }
  });

  it('401 bad_signature for a signature over another challenge, or by another key', async () => {
    const challenge = randomChallenge();
    await expectAuthError(
      () => signIn({ address: s.compressed, public_key: s.compressed, signature: s.sign(randomChallenge()), challenge }),
      401,
      'bad_signature',
    );
    await expectAuthError(
      () => signIn({ address: s.evm, public_key: s.compressed, signature: signer().sign(challenge, 'compact'), challenge }),
      401,
      'bad_signature',
    );
  });

  it('401 bad_signature for a corrupted DER signature and for r = 0', async () => {
    const challenge = randomChallenge();
    const der = Buffer.from(s.sign(challenge, 'der'), 'hex');
    der[der.length - 1]! ^= 1;
    await expectAuthError(() => signIn({ address: s.compressed, public_key: s.compressed, signature: der.toString('hex'), challenge }), 401, 'bad_signature');
    const zeroR = `${'00'.repeat(32)}${s.sign(challenge, 'compact').slice(64)}`;
    await expectAuthError(() => signIn({ address: s.compressed, public_key: s.compressed, signature: zeroR, challenge }), 401, 'bad_signature');
  });

  it('401 bad_signature for non-canonical DER (extra leading zero on r)', async () => {
    const challenge = randomChallenge();
    const sig = secp256k1.Signature.fromBytes(Buffer.from(s.sign(challenge, 'compact'), 'hex'), 'compact');
    const int = (v: bigint) => {
      const b = Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
      const minimal = b[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
      return minimal;
    };
    const r = Buffer.concat([Buffer.from([0, 0]), int(sig.r).subarray(int(sig.r)[0] === 0 ? 1 : 0)]);
    const sBytes = int(sig.s);
    const seq = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, sBytes.length]), sBytes]);
    const der = Buffer.concat([Buffer.from([0x30, seq.length]), seq]);
    await expectAuthError(() => signIn({ address: s.compressed, public_key: s.compressed, signature: der.toString('hex'), challenge }), 401, 'bad_signature');
  });

  it.each([
    ['public_key 32 bytes', { public_key: 'ab'.repeat(32) }, /public_key.*33 or 65 bytes/],
    ['public_key 64 bytes (raw x||y without 04)', { public_key: 'ab'.repeat(64) }, /public_key.*33 or 65 bytes/],
    ['public_key with a wrong SEC1 tag', { public_key: `04${'ab'.repeat(32)}` }, /SEC1/],
    ['public_key off the curve', { public_key: `04${'01'.repeat(64)}` }, /not a point/],
    ['public_key bad hex', { public_key: 'gg'.repeat(33) }, /public_key.*hex/],
    ['signature neither 64 bytes nor DER', { signature: 'ab'.repeat(70) }, /signature.*DER/],
    ['signature longer than DER can be', { signature: `30${'ab'.repeat(72)}` }, /signature.*longer/],
    ['signature empty', { signature: '' }, /signature.*empty/],
    ['challenge missing', { challenge: undefined }, /challenge.*required/],
  ])('400 invalid_request for %s', async (_name, over, detail) => {
    const challenge = randomChallenge();
    const b = { address: s.compressed, public_key: s.compressed, signature: s.sign(challenge), challenge, ...over };
    const err = await expectAuthError(() => secp256k1Verifier.parse(b), 400, 'invalid_request');
    expect(err.message).toMatch(detail);
  });

  it('400 invalid_address for a mixed-case EVM address with a bad checksum', async () => {
    // A fixed key, so the test is deterministic: its address has letters of both cases after one flip.
    const secretKey = new Uint8Array(32).fill(0x11);
    const publicKey = hex(secp256k1.getPublicKey(secretKey, true));
    const evm = computeAddress(`0x${publicKey}`);
    const i = [...evm].findIndex((c, k) => k >= 2 && /[A-F]/.test(c));
    const flipped = `${evm.slice(0, i)}${evm[i]!.toLowerCase()}${evm.slice(i + 1)}`;
    expect(flipped.slice(2)).not.toBe(flipped.slice(2).toLowerCase());
    const challenge = randomChallenge();
    const signature = hex(secp256k1.sign(utf8(challenge), secretKey));
    await signIn({ address: evm, public_key: publicKey, signature, challenge });
    await expectAuthError(() => secp256k1Verifier.parse({ address: flipped, public_key: publicKey, signature, challenge }), 400, 'invalid_address');
  });
});
