import { Wallet, type HDNodeWallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../../helpers/service.js';
import { claimsOf } from './session-helpers.js';

const DOMAIN = 'app.example.test';

/** Messages built by the siwe package and signed by ethers wallets, never by our code. */
function siweMessage(wallet: Wallet | HDNodeWallet, nonce: string, overrides: Partial<ConstructorParameters<typeof SiweMessage>[0] & object> = {}): string {
  return new SiweMessage({
    domain: DOMAIN,
    address: wallet.address,
    statement: 'Sign in to the test app.',
    uri: `https://${DOMAIN}/login`,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt: new Date().toISOString(),
    expirationTime: new Date(Date.now() + 5 * 60_000).toISOString(),
    ...overrides,
  }).prepareMessage();
}

describe('Sign-In with Ethereum over HTTP', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ siweDomains: [DOMAIN], siweChainIds: '1,10' });
  });
  afterAll(() => svc.close());

  const challenge = async (address: string) => (await postJson(`${svc.api}/challenge`, { address })).json.challenge as string;

  it('EIP-191: personal_sign over the challenge, checksummed or lowercase address', async () => {
    for (const form of ['checksummed', 'lower'] as const) {
      const wallet = Wallet.createRandom();
      const address = form === 'lower' ? wallet.address.toLowerCase() : wallet.address;
      const nonce = await challenge(address);
      const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-191', address, signature: await wallet.signMessage(nonce), challenge: nonce });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ token_type: 'Bearer', address: wallet.address.toLowerCase(), algorithm: 'EIP-191' });
      expect(claimsOf(res.json.access_token)).toMatchObject({ role: 'wallet', wallet_address: wallet.address.toLowerCase(), algorithm: 'EIP-191' });
    }
  });

  it('EIP-191: another wallet\'s signature is 401; a mistyped checksum is 400', async () => {
    const wallet = Wallet.createRandom();
    const nonce = await challenge(wallet.address);
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-191', address: wallet.address, signature: await Wallet.createRandom().signMessage(nonce), challenge: nonce });
    expect(res.status).toBe(401);
    const bad = wallet.address.slice(0, 2) + [...wallet.address.slice(2)].map((c) => (/[a-f]/.test(c) ? c.toUpperCase() : /[A-F]/.test(c) ? c.toLowerCase() : c)).join('');
    expect((await postJson(`${svc.api}/challenge`, { address: bad })).status).toBe(400);
  });

  it('EIP-4361: a siwe message signed by an ethers wallet signs in, once', async () => {
    const wallet = Wallet.createRandom();
    const message = siweMessage(wallet, await challenge(wallet.address));
    const body = { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) };
    const res = await postJson(`${svc.api}/sign-in`, body);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: wallet.address.toLowerCase(), algorithm: 'EIP-4361' });
    const replay = await postJson(`${svc.api}/sign-in`, body);
    expect(replay.status).toBe(401);
    expect(replay.json.error).toBe('invalid_challenge');
  });

  it('EIP-4361: refuses a foreign domain, a disallowed chain, an expired or not-yet-valid message, a nonce issued for another address', async () => {
    const cases: [string, (w: HDNodeWallet, n: string) => string, string][] = [
      ['domain', (w, n) => siweMessage(w, n, { domain: 'phishing.example', uri: 'https://phishing.example/' }), 'siwe_domain_mismatch'],
      ['chain', (w, n) => siweMessage(w, n, { chainId: 137 }), 'siwe_chain_not_allowed'],
      ['expired', (w, n) => siweMessage(w, n, { issuedAt: new Date(Date.now() - 3_600_000).toISOString(), expirationTime: new Date(Date.now() - 600_000).toISOString() }), 'siwe_expired'],
      ['not yet valid', (w, n) => siweMessage(w, n, { notBefore: new Date(Date.now() + 600_000).toISOString() }), 'siwe_not_yet_valid'],
      ['issued in the future', (w, n) => siweMessage(w, n, { issuedAt: new Date(Date.now() + 600_000).toISOString() }), 'siwe_issued_in_future'],
    ];
    for (const [name, build, code] of cases) {
      const wallet = Wallet.createRandom();
      const message = build(wallet, await challenge(wallet.address));
      const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) });
      expect(res.status, name).toBe(401);
      expect(res.json.error, name).toBe(code);
    }
    const [owner, thief] = [Wallet.createRandom(), Wallet.createRandom()];
    const message = siweMessage(thief, await challenge(owner.address));
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await thief.signMessage(message) });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('address_mismatch');
  });

  it('EIP-4361: an oversized message is 400', async () => {
    const wallet = Wallet.createRandom();
    const message = siweMessage(wallet, await challenge(wallet.address), { statement: 'x'.repeat(5000) });
    const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('siwe_message_too_large');
  });

  it('EIP-4361: 33 resources or a 1025-character line is 400 siwe_message_too_large, and the challenge stays unspent', async () => {
    const wallet = Wallet.createRandom();
    const nonce = await challenge(wallet.address);
    for (const over of [{ resources: Array.from({ length: 33 }, (_, i) => `https://${DOMAIN}/r/${i}`) }, { statement: 'x'.repeat(1025) }]) {
      const message = siweMessage(wallet, nonce, over);
      expect(Buffer.byteLength(message)).toBeLessThan(4096);
      const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('siwe_message_too_large');
    }
    const message = siweMessage(wallet, nonce, { resources: Array.from({ length: 32 }, (_, i) => `https://${DOMAIN}/r/${i}`) });
    expect((await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) })).status).toBe(200);
  });
});

describe('EIP-4361 while AUTH_SIWE_DOMAINS is empty', () => {
  it('is refused (400 siwe_disabled) without spending the challenge', async () => {
    const svc = await startService();
    try {
      const wallet = Wallet.createRandom();
      const nonce = (await postJson(`${svc.api}/challenge`, { address: wallet.address })).json.challenge;
      const message = siweMessage(wallet, nonce);
      const res = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-4361', message, signature: await wallet.signMessage(message) });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('siwe_disabled');
      // The same challenge still works for EIP-191.
      const ok = await postJson(`${svc.api}/sign-in`, { algorithm: 'EIP-191', address: wallet.address, signature: await wallet.signMessage(nonce), challenge: nonce });
      expect(ok.status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
