// Signatures come from ethers' Wallet.signMessage (personal_sign); the verifier recovers with
// @noble/curves and our own EIP-191 hashing.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Signature, Wallet, type HDNodeWallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { eip191Verifier } from '../../../src/server/wallets/eip191.js';
import { expectAuthError, randomChallenge } from './expect-error.js';

const N = secp256k1.Point.Fn.ORDER;
const signIn = async (b: Record<string, unknown>) => eip191Verifier.verify(eip191Verifier.parse(b), { now: Date.now() });

async function body(wallet: Wallet | HDNodeWallet, challenge: string, over: Record<string, unknown> = {}) {
  return { algorithm: 'EIP-191', address: wallet.address, signature: await wallet.signMessage(challenge), challenge, ...over };
}

/** Replaces v (the last byte) of a 0x-hex 65-byte signature. */
const withV = (sig: string, v: number) => `${sig.slice(0, -2)}${v.toString(16).padStart(2, '0')}`;

describe('EIP-191', () => {
  const wallet = Wallet.createRandom();

  it('accepts personal_sign of the challenge; address canonical lowercase', async () => {
    const challenge = randomChallenge();
    const parsed = eip191Verifier.parse(await body(wallet, challenge));
    expect(parsed).toMatchObject({ algorithm: 'EIP-191', nonce: challenge, address: wallet.address.toLowerCase() });
    await eip191Verifier.verify(parsed, { now: 0 });
  });

  it('accepts lowercase and uppercase addresses, and v as 0/1', async () => {
    const challenge = randomChallenge();
    const b = await body(wallet, challenge);
    await signIn({ ...b, address: wallet.address.toLowerCase() });
    await signIn({ ...b, address: `0x${wallet.address.slice(2).toUpperCase()}` });
    const v = Signature.from(b.signature).v;
    await signIn({ ...b, signature: withV(b.signature, v - 27) });
  });

  it('401 address_mismatch for a signature over another challenge', async () => {
    const b = await body(wallet, randomChallenge());
    await expectAuthError(() => signIn({ ...b, challenge: randomChallenge() }), 401, 'address_mismatch');
  });

  it('401 address_mismatch: attacker signature, victim address', async () => {
    const attacker = Wallet.createRandom();
    const challenge = randomChallenge();
    await expectAuthError(async () => signIn(await body(attacker, challenge, { address: wallet.address })), 401, 'address_mismatch');
  });

  it('401 address_mismatch when the signature was made over the 0x-prefixed challenge', async () => {
    // The signed text is the challenge exactly as POST /challenge returns it (no 0x).
    const challenge = randomChallenge();
    const b = await body(wallet, challenge, { signature: await wallet.signMessage(`0x${challenge}`) });
    await expectAuthError(() => signIn(b), 401, 'address_mismatch');
  });

  it('401 bad_signature for the high-S twin of a valid signature (EIP-2, as ethers)', async () => {
    const challenge = randomChallenge();
    const b = await body(wallet, challenge);
    const sig = Signature.from(b.signature);
    const highS = (N - BigInt(sig.s)).toString(16).padStart(64, '0');
    const twin = `${sig.r}${highS}${(sig.v === 27 ? 28 : 27).toString(16)}`;
    // The twin is a valid ECDSA signature of the same signer (noble accepts it with lowS off)...
    const raw = secp256k1.Signature.fromBytes(Buffer.from(twin.slice(2, 130), 'hex'), 'compact');
    expect(raw.hasHighS()).toBe(true);
    // ...but is refused.
    await expectAuthError(() => signIn({ ...b, signature: twin }), 401, 'bad_signature');
  });

  it('401 bad_signature for r = 0 and for r >= n', async () => {
    const challenge = randomChallenge();
    const b = await body(wallet, challenge);
    const s = b.signature.slice(66);
    await expectAuthError(() => signIn({ ...b, signature: `0x${'00'.repeat(32)}${s}` }), 401, 'bad_signature');
    await expectAuthError(() => signIn({ ...b, signature: `0x${'ff'.repeat(32)}${s}` }), 401, 'bad_signature');
  });

  it.each([
    ['v = 29', (sig: string) => withV(sig, 29), /v = 27 or 28/],
    ['v = 37 (EIP-155 style)', (sig: string) => withV(sig, 37), /v = 27 or 28/],
    ['64 bytes (no v)', (sig: string) => sig.slice(0, -2), /signature.*65 bytes/],
    ['66 bytes', (sig: string) => `${sig}00`, /signature.*65 bytes/],
    ['bad hex', (sig: string) => `${sig.slice(0, -2)}zz`, /signature.*hex/],
  ])('400 invalid_request for a signature with %s', async (_name, mutate, detail) => {
    const b = await body(wallet, randomChallenge());
    const err = await expectAuthError(() => eip191Verifier.parse({ ...b, signature: mutate(b.signature) }), 400, 'invalid_request');
    expect(err.message).toMatch(detail);
  });

  it('400 invalid_address for a bad EIP-55 checksum and for a public-key address', async () => {
    // A fixed key keeps this deterministic: its address has letters of both cases.
    const fixed = new Wallet(`0x${'11'.repeat(32)}`);
    const b = await body(fixed, randomChallenge());
    const chars = [...fixed.address.slice(2)];
    const i = chars.findIndex((c) => /[a-f]/.test(c));
    const j = chars.findIndex((c) => /[A-F]/.test(c));
    expect(i >= 0 && j >= 0).toBe(true);
    // Mixed case but wrong: swap the case of one lowercase and one uppercase letter.
    chars[i] = chars[i]!.toUpperCase();
    chars[j] = chars[j]!.toLowerCase();
    await signIn(b);
    await expectAuthError(() => eip191Verifier.parse({ ...b, address: `0x${chars.join('')}` }), 400, 'invalid_address');
    const err = await expectAuthError(() => eip191Verifier.parse({ ...b, address: fixed.signingKey.compressedPublicKey }), 400, 'invalid_address');
    expect(err.message).toMatch(/EVM address/);
  });

  it('400 invalid_request for missing fields', async () => {
    const b = await body(wallet, randomChallenge());
    await expectAuthError(() => eip191Verifier.parse({ ...b, signature: undefined }), 400, 'invalid_request');
    await expectAuthError(() => eip191Verifier.parse({ ...b, challenge: undefined }), 400, 'invalid_request');
    await expectAuthError(() => eip191Verifier.parse({ ...b, address: undefined }), 400, 'invalid_request');
  });
});
