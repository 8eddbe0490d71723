/** The page's hand-built SIWE message, checked against the `siwe` parser and the server's verifier. */
import { getAddress, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { describe, expect, it } from 'vitest';
import { createEip4361Verifier } from '../../src/server/wallets/eip4361.js';
import { buildSiweMessage, parseChainId, toChecksumAddress, utf8ToHex } from '../../src/web/page/siwe.js';

const NONCE = 'ab'.repeat(32);
/** Every punctuation character the grammar allows in a statement. */
const STATEMENT_TEXT = "Sign in: a/b?c#d [e]@f!$&'(g)*+,;=h-i._~ 42.";

describe('page SIWE helpers', () => {
  it('checksums addresses as EIP-55 does (spec vectors and random ones against ethers)', () => {
    for (const v of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
      expect(toChecksumAddress(v.toLowerCase())).toBe(v);
      expect(toChecksumAddress(v.toUpperCase().replace('0X', '0x'))).toBe(v);
    }
    for (let i = 0; i < 20; i++) {
      const a = Wallet.createRandom().address;
      expect(toChecksumAddress(a.toLowerCase())).toBe(getAddress(a.toLowerCase()));
    }
    expect(() => toChecksumAddress('0x1234')).toThrow(TypeError);
  });

  it('builds a message the siwe package parses field for field', () => {
    const address = Wallet.createRandom().address.toLowerCase();
    const issuedAt = new Date('2030-01-02T03:04:05.678Z');
    const expirationTime = new Date('2030-01-02T03:05:05.000Z');
    const text = buildSiweMessage({ domain: '127.0.0.1:8200', address, statement: STATEMENT_TEXT, uri: 'http://127.0.0.1:8200/', chainId: 31337, nonce: NONCE, issuedAt, expirationTime });
    const parsed = new SiweMessage(text);
    expect(parsed).toMatchObject({
      domain: '127.0.0.1:8200',
      address: getAddress(address),
      statement: STATEMENT_TEXT,
      uri: 'http://127.0.0.1:8200/',
      version: '1',
      chainId: 31337,
      nonce: NONCE,
      issuedAt: issuedAt.toISOString(),
      expirationTime: expirationTime.toISOString(),
    });
    expect(parsed.prepareMessage()).toBe(text);
  });

  it('signs (as personal_sign would) into something the server verifier accepts', async () => {
    const wallet = Wallet.createRandom();
    const now = Date.now();
    const message = buildSiweMessage({ domain: 'app.test', address: wallet.address.toLowerCase(), statement: 'Hi.', uri: 'https://app.test/', chainId: 1, nonce: NONCE, issuedAt: new Date(now), expirationTime: new Date(now + 60_000) });
    const hex = utf8ToHex(message);
    expect(Buffer.from(hex.slice(2), 'hex').toString('utf8')).toBe(message);
    const signature = await wallet.signMessage(Buffer.from(hex.slice(2), 'hex'));
    const verifier = createEip4361Verifier({ siweDomains: ['app.test'], siweChainIds: [1], siweMaxClockSkewSeconds: 60 });
    const parsed = verifier.parse({ algorithm: 'EIP-4361', message, signature });
    expect(parsed).toMatchObject({ nonce: NONCE, address: wallet.address.toLowerCase(), chainId: 1, binding: { domain: 'app.test' } });
    await expect(Promise.resolve(verifier.verify(parsed, { now }))).resolves.toBeUndefined();
  });

  it('refuses what would make a malformed message', () => {
    const base = { domain: 'a.test', address: '0x' + '1'.repeat(40), uri: 'https://a.test/', chainId: 1, nonce: NONCE, issuedAt: new Date() };
    expect(() => buildSiweMessage({ ...base, statement: 'two\nlines' })).toThrow(TypeError);
    expect(() => buildSiweMessage({ ...base, statement: '' })).toThrow(TypeError);
    // The grammar is ASCII only: the siwe parser would refuse these, so the page never builds them.
    for (const statement of ['café', 'a — b', '100%', 'tab\there']) expect(() => buildSiweMessage({ ...base, statement })).toThrow(TypeError);
    expect(() => buildSiweMessage({ ...base, statement: 'ok', chainId: 0 })).toThrow(TypeError);
  });

  it('reads eth_chainId answers', () => {
    expect(parseChainId('0x1')).toBe(1);
    expect(parseChainId('0x7a69')).toBe(31337);
    for (const bad of ['1', '0x', '0x0', 1, null, '0xzz']) expect(() => parseChainId(bad)).toThrow(TypeError);
  });
});
