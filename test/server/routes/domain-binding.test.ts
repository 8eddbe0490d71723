// Domain binding for every algorithm over HTTP: Sign-In With X (CAIP-122) messages built here by
// hand from the grammar, signed with @noble keys (Ed25519, secp256k1) and liboqs (ML-DSA-65),
// never by the code under test; base58 Solana addresses come from ethers.
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { createMLDSA65 } from '@oqs/liboqs-js';
import { encodeBase58, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config/load.js';
import { ConfigError } from '../../../src/server/errors/index.js';
import { noRedis } from '../../helpers/redis.js';
import { postJson, startService, type RunningService } from '../../helpers/service.js';
import { claimsOf } from './session-helpers.js';

const DOMAIN = 'app.example.test';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);
const iso = (ms: number) => new Date(ms).toISOString();

interface Fields {
  domain?: string;
  chainName: string;
  address: string;
  nonce: string;
  statement?: string;
  /** Solana's layout: no statement, one blank line before URI. */
  short?: boolean;
  chainId?: string;
  issuedAt?: string;
  expirationTime?: string;
  notBefore?: string;
  resources?: string[];
}

/** A CAIP-122 message, line by line from the grammar. */
function caip122(f: Fields): string {
  const lines = [`${f.domain ?? DOMAIN} wants you to sign in with your ${f.chainName} account:`, f.address, ''];
  if (f.statement !== undefined) lines.push(f.statement, '');
  else if (!f.short) lines.push('');
  lines.push(`URI: https://${f.domain ?? DOMAIN}/login`, 'Version: 1');
  if (f.chainId !== undefined) lines.push(`Chain ID: ${f.chainId}`);
  lines.push(`Nonce: ${f.nonce}`, `Issued At: ${f.issuedAt ?? iso(Date.now() - 1000)}`);
  if (f.expirationTime) lines.push(`Expiration Time: ${f.expirationTime}`);
  if (f.notBefore) lines.push(`Not Before: ${f.notBefore}`);
  if (f.resources) lines.push('Resources:', ...f.resources.map((r) => `- ${r}`));
  return lines.join('\n');
}

interface TestWallet {
  algorithm: string;
  chainName: string;
  /** What POST /challenge is asked for. */
  challengeAddress: string;
  /** The address line of the message. */
  messageAddress: string;
  /** The canonical address the tokens carry. */
  canonical: string;
  publicKey: string;
  sign(message: string): string;
}

function solanaWallet(): TestWallet {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  return {
    algorithm: 'Ed25519', chainName: 'Solana', challengeAddress: hex(publicKey), messageAddress: encodeBase58(publicKey), canonical: hex(publicKey), publicKey: hex(publicKey),
    sign: (m) => hex(ed25519.sign(utf8(m), secretKey)),
  };
}

function k1Wallet(evm = false): TestWallet {
  const { secretKey, publicKey } = secp256k1.keygen();
  const evmAddress = new Wallet(`0x${hex(secretKey)}`).address;
  const address = evm ? evmAddress : hex(publicKey);
  return {
    algorithm: 'secp256k1', chainName: 'secp256k1', challengeAddress: address, messageAddress: address, canonical: evm ? evmAddress.toLowerCase() : hex(publicKey), publicKey: hex(publicKey),
    // ECDSA over SHA-256 of the message bytes (noble hashes with SHA-256 by default).
    sign: (m) => hex(secp256k1.sign(utf8(m), secretKey, { format: 'compact' })),
  };
}

let oqs: Awaited<ReturnType<typeof createMLDSA65>>;
function mlDsaWallet(): TestWallet {
  const { publicKey, secretKey } = oqs.generateKeyPair();
  const compact = `mldsa65-${createHash('sha256').update(publicKey).digest('hex')}`;
  return {
    algorithm: 'ML-DSA-65', chainName: 'ML-DSA-65', challengeAddress: compact, messageAddress: compact, canonical: compact, publicKey: hex(publicKey),
    sign: (m) => hex(oqs.sign(utf8(m), secretKey)),
  };
}

const WALLETS: [string, () => TestWallet][] = [
  ['Ed25519 (Solana)', solanaWallet],
  ['secp256k1 (key hex)', () => k1Wallet(false)],
  ['secp256k1 (0x address)', () => k1Wallet(true)],
  ['ML-DSA-65', mlDsaWallet],
];

beforeAll(async () => {
  oqs = await createMLDSA65();
});
afterAll(() => oqs?.destroy());

for (const store of ['memory', 'redis'] as const) {
  describe.skipIf(store === 'redis' && noRedis())(`Sign-In With X (CAIP-122) for the non-EVM algorithms (${store} store)`, () => {
    let svc: RunningService;
    beforeAll(async () => {
      svc = await startService({ siweDomains: [DOMAIN], siweMaxClockSkewSeconds: 30 }, store);
    });
    afterAll(() => svc?.close());

    const challenge = async (address: string) => {
      const res = await postJson(`${svc.api}/challenge`, { address });
      expect(res.status, res.text).toBe(200);
      return res.json.challenge as string;
    };
    const signInWith = (w: TestWallet, message: string, signature = w.sign(message)) =>
      postJson(`${svc.api}/sign-in`, { algorithm: w.algorithm, message, public_key: w.publicKey, signature });

    it.each(WALLETS)('%s: a signed message with our domain and the challenge as nonce signs in, once', async (_name, make) => {
      const w = make();
      const nonce = await challenge(w.challengeAddress);
      const message = caip122({ chainName: w.chainName, address: w.messageAddress, nonce, statement: 'Sign in to the test app.', expirationTime: iso(Date.now() + 300_000), resources: ['https://app.example.test/api'] });
      const res = await signInWith(w, message);
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ address: w.canonical, algorithm: w.algorithm });
      expect(claimsOf(res.json.access_token)).toMatchObject({ sub: w.canonical, wallet_address: w.canonical, algorithm: w.algorithm });
      // The same message again: the challenge is spent.
      expect(await signInWith(w, message)).toMatchObject({ status: 401, json: { error: 'invalid_challenge' } });
    });

    it.each(WALLETS)("%s: Solana's short layout (no statement, no Chain ID) and a CAIP-2 Chain ID are accepted", async (_name, make) => {
      const w = make();
      const short = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: await challenge(w.challengeAddress), short: true });
      expect((await signInWith(w, short)).status).toBe(200);
      const withChain = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: await challenge(w.challengeAddress), chainId: 'mainnet' });
      expect((await signInWith(w, withChain)).status).toBe(200);
    });

    it.each(WALLETS)('%s: a phishing domain is 401 siwe_domain_mismatch', async (_name, make) => {
      const w = make();
      const message = caip122({ domain: 'app.example.test.evil.io', chainName: w.chainName, address: w.messageAddress, nonce: await challenge(w.challengeAddress) });
      expect(await signInWith(w, message)).toMatchObject({ status: 401, json: { error: 'siwe_domain_mismatch' } });
    });

    it.each(WALLETS)('%s: a nonce that is not an outstanding challenge is 401; one that is not a challenge at all is 400', async (_name, make) => {
      const w = make();
      await challenge(w.challengeAddress);
      const unknown = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: 'c'.repeat(64) });
      expect(await signInWith(w, unknown)).toMatchObject({ status: 401, json: { error: 'invalid_challenge' } });
      const notHex = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: 'abcdEFGH12345678' });
      expect(await signInWith(w, notHex)).toMatchObject({ status: 400, json: { error: 'invalid_siwe_nonce' } });
      // Another wallet's challenge: the challenge was issued for another address.
      const other = make();
      const stolen = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: await challenge(other.challengeAddress) });
      expect(await signInWith(w, stolen)).toMatchObject({ status: 401, json: { error: 'address_mismatch' } });
    });

    it.each(WALLETS)('%s: an expired message is 401 siwe_expired; one issued in the future 401 siwe_issued_in_future', async (_name, make) => {
      const w = make();
      const expired = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: await challenge(w.challengeAddress), issuedAt: iso(Date.now() - 600_000), expirationTime: iso(Date.now() - 60_000) });
      expect(await signInWith(w, expired)).toMatchObject({ status: 401, json: { error: 'siwe_expired' } });
      const future = caip122({ chainName: w.chainName, address: w.messageAddress, nonce: await challenge(w.challengeAddress), issuedAt: iso(Date.now() + 120_000) });
      expect(await signInWith(w, future)).toMatchObject({ status: 401, json: { error: 'siwe_issued_in_future' } });
    });

    it.each(WALLETS)("%s: another namespace's message is 400 siwe_namespace_mismatch (and spends nothing)", async (_name, make) => {
      const w = make();
      const nonce = await challenge(w.challengeAddress);
      for (const chainName of ['Ethereum', ...['Solana', 'secp256k1', 'ML-DSA-65'].filter((n) => n !== w.chainName)]) {
        const message = caip122({ chainName, address: w.messageAddress, nonce });
        expect(await signInWith(w, message), chainName).toMatchObject({ status: 400, json: { error: 'siwe_namespace_mismatch' } });
      }
      // The challenge is still there for the right message.
      expect((await signInWith(w, caip122({ chainName: w.chainName, address: w.messageAddress, nonce }))).status).toBe(200);
    });

    it.each(WALLETS)('%s: a signature over another message, or the bare challenge, is 401 bad_signature', async (_name, make) => {
      const w = make();
      const nonce = await challenge(w.challengeAddress);
      const message = caip122({ chainName: w.chainName, address: w.messageAddress, nonce });
      const res = await signInWith(w, message, w.sign(nonce));
      expect(res.status).toBe(401);
      expect(['bad_signature', 'address_mismatch']).toContain(res.json.error);
    });

    it('an address line that is not a 32-byte base58 key is 400 invalid_siwe_message', async () => {
      const w = solanaWallet();
      const nonce = await challenge(w.challengeAddress);
      for (const address of ['z'.repeat(1000), encodeBase58(new Uint8Array(33).fill(7)), '0OIl', w.challengeAddress]) {
        expect(await signInWith(w, caip122({ chainName: 'Solana', address, nonce }))).toMatchObject({ status: 400, json: { error: 'invalid_siwe_message' } });
      }
    });

    it('a message whose address is not the key is 401 address_mismatch', async () => {
      const w = solanaWallet();
      const victim = solanaWallet();
      const message = caip122({ chainName: 'Solana', address: victim.messageAddress, nonce: await challenge(victim.challengeAddress) });
      expect(await signInWith(w, message)).toMatchObject({ status: 401, json: { error: 'address_mismatch' } });
    });

    it.each(WALLETS)('%s: an over-limit message (33 resources, a broken header) is 400 siwe_message_too_large before parsing, and spends nothing', async (_name, make) => {
      const w = make();
      const nonce = await challenge(w.challengeAddress);
      const resources = Array.from({ length: 33 }, (_, i) => `https://app.example.test/r/${i}`);
      const over = `garbage header\n${caip122({ chainName: w.chainName, address: w.messageAddress, nonce, resources })}`;
      const res = await signInWith(w, over);
      expect(res).toMatchObject({ status: 400, json: { error: 'siwe_message_too_large' } });
      expect(res.json.detail).toMatch(/more than 32 resources/);
      const ok = caip122({ chainName: w.chainName, address: w.messageAddress, nonce, resources: resources.slice(0, 32) });
      expect((await signInWith(w, ok)).status).toBe(200);
    });

    it('the bare challenge is still accepted while AUTH_REQUIRE_DOMAIN_BINDING is off', async () => {
      const w = solanaWallet();
      const nonce = await challenge(w.challengeAddress);
      const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'Ed25519', address: w.challengeAddress, public_key: w.publicKey, signature: w.sign(nonce), challenge: nonce });
      expect(res.status, res.text).toBe(200);
    });
  });
}

describe('AUTH_REQUIRE_DOMAIN_BINDING', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ siweDomains: [DOMAIN], requireDomainBinding: 'true' });
  });
  afterAll(() => svc?.close());

  const challenge = async (address: string) => (await postJson(`${svc.api}/challenge`, { address })).json.challenge as string;

  it.each(WALLETS)('%s: the bare challenge is 400 domain_binding_required and stays unspent; the message signs in', async (_name, make) => {
    const w = make();
    const nonce = await challenge(w.challengeAddress);
    const bare = await postJson(`${svc.api}/sign-in`, { algorithm: w.algorithm, address: w.challengeAddress, public_key: w.publicKey, signature: w.sign(nonce), challenge: nonce });
    expect(bare).toMatchObject({ status: 400, json: { error: 'domain_binding_required' } });
    expect(bare.json.detail).toMatch(/AUTH_REQUIRE_DOMAIN_BINDING/);
    const message = caip122({ chainName: w.chainName, address: w.messageAddress, nonce });
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: w.algorithm, message, public_key: w.publicKey, signature: w.sign(message) });
    expect(res.status, res.text).toBe(200);
  });

  it('EIP-191 (bare challenge) is refused; EIP-4361 signs in', async () => {
    const wallet = Wallet.createRandom();
    const nonce = await challenge(wallet.address);
    const bare = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-191', address: wallet.address, signature: await wallet.signMessage(nonce), challenge: nonce });
    expect(bare).toMatchObject({ status: 400, json: { error: 'domain_binding_required' } });
    const message = new SiweMessage({ domain: DOMAIN, address: wallet.address, uri: `https://${DOMAIN}/`, version: '1', chainId: 1, nonce, issuedAt: new Date().toISOString() }).prepareMessage();
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) });
    expect(res.status, res.text).toBe(200);
  });

  it('is refused at start without AUTH_SIWE_DOMAINS', () => {
    expect(() => loadConfig({}, { AUTH_REQUIRE_DOMAIN_BINDING: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { AUTH_REQUIRE_DOMAIN_BINDING: 'true' })).toThrow(/AUTH_SIWE_DOMAINS/);
    expect(loadConfig({}, { AUTH_REQUIRE_DOMAIN_BINDING: 'true', AUTH_SIWE_DOMAINS: DOMAIN }).requireDomainBinding).toBe(true);
    expect(loadConfig({}, {}).requireDomainBinding).toBe(false);
  });
});

describe('Sign-In With X while AUTH_SIWE_DOMAINS is empty', () => {
  it('is 400 siwe_disabled', async () => {
    const svc = await startService({});
    try {
      const w = solanaWallet();
      const nonce = (await postJson(`${svc.api}/challenge`, { address: w.challengeAddress })).json.challenge as string;
      const message = caip122({ chainName: 'Solana', address: w.messageAddress, nonce });
      expect(await postJson(`${svc.api}/sign-in`, { algorithm: 'Ed25519', message, public_key: w.publicKey, signature: w.sign(message) })).toMatchObject({ status: 400, json: { error: 'siwe_disabled' } });
    } finally {
      await svc.close();
    }
  });
});
