// Messages are built with the siwe package's SiweMessage(...).prepareMessage() and signed with
// ethers' Wallet.signMessage. Time is a fixed `now` passed in the verify context: no clock, no sleeps.
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { describe, expect, it } from 'vitest';
import { createEip4361Verifier, type SiweConfig } from '../../../src/server/wallets/eip4361.js';
import { expectAuthError, randomChallenge } from './expect-error.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const SKEW_S = 60;
const config: SiweConfig = { siweDomains: ['auth.example.com', 'localhost:8100'], siweChainIds: [1, 137], siweMaxClockSkewSeconds: SKEW_S };
const iso = (ms: number) => new Date(ms).toISOString();
const wallet = Wallet.createRandom();

type Fields = Partial<ConstructorParameters<typeof SiweMessage>[0] & object>;

function message(over: Fields = {}): string {
  return new SiweMessage({
    domain: 'auth.example.com',
    address: wallet.address,
    statement: 'Sign in to Example.',
    uri: 'https://auth.example.com/login',
    version: '1',
    chainId: 1,
    nonce: randomChallenge(),
    issuedAt: iso(NOW - 5_000),
    expirationTime: iso(NOW + 300_000),
    ...over,
  }).prepareMessage();
}

async function body(over: Fields = {}, signer = wallet) {
  const m = message(over);
  return { algorithm: 'EIP-4361', message: m, signature: await signer.signMessage(m) };
}

async function signIn(b: Record<string, unknown>, cfg: SiweConfig = config, now = NOW) {
  const v = createEip4361Verifier(cfg);
  return v.verify(v.parse(b), { now });
}

describe('EIP-4361 (Sign-In with Ethereum)', () => {
  it('accepts a valid message; nonce and address come from the message, canonical', async () => {
    const nonce = randomChallenge();
    const b = await body({ nonce, notBefore: iso(NOW - 1_000), requestId: 'r-1', resources: ['https://api.example.com/'] });
    const v = createEip4361Verifier(config);
    const parsed = v.parse(b);
    expect(parsed).toMatchObject({ algorithm: 'EIP-4361', nonce, address: wallet.address.toLowerCase(), binding: { domain: 'auth.example.com' }, chainId: 1 });
    await v.verify(parsed, { now: NOW });
  });

  it('accepts a scheme-prefixed domain, another allowed domain with port and chain, and no optional times', async () => {
    await signIn(await body({ scheme: 'https' }));
    await signIn(await body({ domain: 'localhost:8100', chainId: 137, expirationTime: undefined, statement: undefined }));
  });

  it('compares domains case-insensitively', async () => {
    await signIn(await body({ domain: 'Auth.Example.COM' }));
    await signIn(await body(), { ...config, siweDomains: ['AUTH.example.com'] });
  });

  it('accepts any chain id while siweChainIds is empty', async () => {
    await signIn(await body({ chainId: 424242 }), { ...config, siweChainIds: [] });
  });

  it('400 siwe_disabled while siweDomains is empty (before anything else)', async () => {
    await expectAuthError(async () => signIn(await body(), { ...config, siweDomains: [] }), 400, 'siwe_disabled');
  });

  it('401 siwe_domain_mismatch for a domain not configured (e.g. a phishing site relaying our challenge)', async () => {
    await expectAuthError(async () => signIn(await body({ domain: 'auth.example.com.evil.io' })), 401, 'siwe_domain_mismatch');
    await expectAuthError(async () => signIn(await body({ domain: 'localhost:8101' })), 401, 'siwe_domain_mismatch');
  });

  it('401 siwe_chain_not_allowed for a chain id outside siweChainIds', async () => {
    await expectAuthError(async () => signIn(await body({ chainId: 5 })), 401, 'siwe_chain_not_allowed');
  });

  it('enforces Expiration Time with the configured skew', async () => {
    const skew = SKEW_S * 1000;
    await signIn(await body({ issuedAt: iso(NOW - 600_000), expirationTime: iso(NOW - skew + 1_000) }));
    await expectAuthError(
      async () => signIn(await body({ issuedAt: iso(NOW - 600_000), expirationTime: iso(NOW - skew - 1_000) })),
      401,
      'siwe_expired',
    );
    await expectAuthError(async () => signIn(await body({ expirationTime: iso(NOW - 1_000) }), { ...config, siweMaxClockSkewSeconds: 0 }), 401, 'siwe_expired');
  });

  it('enforces Not Before with the configured skew', async () => {
    const skew = SKEW_S * 1000;
    await signIn(await body({ notBefore: iso(NOW + skew - 1_000) }));
    await expectAuthError(async () => signIn(await body({ notBefore: iso(NOW + skew + 1_000) })), 401, 'siwe_not_yet_valid');
  });

  it('refuses an Issued At further in the future than the skew', async () => {
    const skew = SKEW_S * 1000;
    await signIn(await body({ issuedAt: iso(NOW + skew - 1_000) }));
    await expectAuthError(async () => signIn(await body({ issuedAt: iso(NOW + skew + 1_000) })), 401, 'siwe_issued_in_future');
  });

  it('401 address_mismatch: the message names the victim, the attacker signs it', async () => {
    const attacker = Wallet.createRandom();
    await expectAuthError(async () => signIn(await body({}, attacker)), 401, 'address_mismatch');
  });

  it('401 address_mismatch when the message was altered after signing', async () => {
    const b = await body();
    const altered = b.message.replace('Chain ID: 1', 'Chain ID: 137');
    expect(altered).not.toBe(b.message);
    await expectAuthError(() => signIn({ ...b, message: altered }), 401, 'address_mismatch');
  });

  it('401 bad_signature for an unrecoverable signature (r = 0) or a high-S one', async () => {
    const b = await body();
    await expectAuthError(() => signIn({ ...b, signature: `0x${'00'.repeat(32)}${b.signature.slice(66)}` }), 401, 'bad_signature');
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${b.signature.slice(66, 130)}`);
    const v = parseInt(b.signature.slice(130), 16);
    const twin = `${b.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
    await expectAuthError(() => signIn({ ...b, signature: twin }), 401, 'bad_signature');
  });

  it('400 siwe_message_too_large over 4 KiB, over 32 resources or with a line over 1024 characters; the largest message within every bound is accepted', async () => {
    // 32 resources of equal length, as long as the 4096-byte cap allows.
    const resources = (n: number, len: number) => Array.from({ length: n }, (_, i) => `https://api.example.com/${String(i).padStart(4, '0')}/${'r'.repeat(len)}`);
    const base = Buffer.byteLength(message({ resources: resources(32, 0) }));
    const pad = Math.floor((4096 - base) / 32);
    const worst = await body({ resources: resources(32, pad) });
    expect(Buffer.byteLength(worst.message)).toBeGreaterThan(4096 - 32);
    expect(Buffer.byteLength(worst.message)).toBeLessThanOrEqual(4096);
    await signIn(worst);

    await expectAuthError(async () => signIn(await body({ resources: resources(33, 0) })), 400, 'siwe_message_too_large');
    await expectAuthError(async () => signIn(await body({ resources: resources(1, 1025) })), 400, 'siwe_message_too_large');
    await expectAuthError(async () => signIn(await body({ statement: 'a'.repeat(1025) })), 400, 'siwe_message_too_large');
    await expectAuthError(async () => signIn(await body({ resources: resources(32, pad + 1) })), 400, 'siwe_message_too_large');
  });

  it('refuses an over-limit message before parsing it: a broken first line still gets siwe_message_too_large, not invalid_siwe_message', async () => {
    const b = await body({ resources: Array.from({ length: 40 }, (_, i) => `https://a.example/${i}`) });
    const broken = `not a sign-in message\n${b.message}`;
    const err = await expectAuthError(() => signIn({ ...b, message: broken }), 400, 'siwe_message_too_large');
    expect(err.message).toMatch(/more than 32 resources.*before parsing/);
    await expectAuthError(() => signIn({ ...b, message: `x\n${'y'.repeat(2000)}` }), 400, 'siwe_message_too_large');
  });

  it('400 invalid_siwe_nonce for a nonce that is not a 64-hex challenge', async () => {
    await expectAuthError(async () => signIn(await body({ nonce: 'abcdEFGH12345678' })), 400, 'invalid_siwe_nonce');
    await expectAuthError(async () => signIn(await body({ nonce: 'a'.repeat(63) })), 400, 'invalid_siwe_nonce');
    await expectAuthError(async () => signIn(await body({ nonce: 'g'.repeat(64) })), 400, 'invalid_siwe_nonce');
  });

  it('400 invalid_siwe_message for text that is not a SIWE message', async () => {
    const b = await body();
    for (const bad of ['hello', b.message.replace('wants you to sign in', 'would like you to sign in'), b.message.replace('Version: 1', 'Version: 2'), b.message.replaceAll('\n', '\r\n')]) {
      await expectAuthError(() => signIn({ ...b, message: bad }), 400, 'invalid_siwe_message');
    }
  });

  it('400 invalid_siwe_message for an address with a bad EIP-55 checksum', async () => {
    const b = await body();
    const lower = wallet.address.toLowerCase();
    const swapped = [...wallet.address].map((c, i) => (i < 2 ? c : c === lower[i] ? c.toUpperCase() : c.toLowerCase())).join('');
    expect(swapped).not.toBe(wallet.address);
    await expectAuthError(() => signIn({ ...b, message: b.message.replace(wallet.address, swapped) }), 400, 'invalid_siwe_message');
  });

  it('400 invalid_request for a missing or mistyped message or signature', async () => {
    const b = await body();
    await expectAuthError(() => signIn({ ...b, message: undefined }), 400, 'invalid_request');
    await expectAuthError(() => signIn({ ...b, message: { text: b.message } }), 400, 'invalid_request');
    await expectAuthError(() => signIn({ ...b, signature: undefined }), 400, 'invalid_request');
    await expectAuthError(() => signIn({ ...b, signature: b.signature.slice(0, -2) }), 400, 'invalid_request');
  });

  it('ignores a body `address` or `challenge`: the message is the only source', async () => {
    const b = await body();
    const other = Wallet.createRandom().address;
    const v = createEip4361Verifier(config);
    const parsed = v.parse({ ...b, address: other, challenge: randomChallenge() });
    expect(parsed.address).toBe(wallet.address.toLowerCase());
  });
});
