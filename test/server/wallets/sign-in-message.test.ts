// The line parser against the siwe package's ABNF parser (@spruceid/siwe-parser, apg-js) on
// messages siwe itself generates: both must accept them and read the same fields; and on broken
// variants both must refuse. Then the CAIP-122 layouts siwe cannot produce (other chain names,
// Solana's statement-less layout, optional Chain ID), built by hand.
import { ParsedMessage } from '@spruceid/siwe-parser';
import { Wallet } from 'ethers';
import fc from 'fast-check';
import { SiweMessage } from 'siwe';
import { describe, expect, it } from 'vitest';
import { checkMessageBounds, parseSignInMessage, SIGN_IN_MESSAGE_LIMITS } from '../../../src/server/wallets/sign-in-message.js';
import { expectAuthError } from './expect-error.js';

const EIP = { chainIdRequired: true, compactLayout: false };
const CAIP = { chainIdRequired: false, compactLayout: true };
const address = Wallet.createRandom().address;

const uriArb = fc.constantFrom('https://auth.example.com/login', 'https://a.b/c?d=e#f', 'urn:recap:eyJhdHQiOnt9fQ', 'did:key:z6Mk', 'http://localhost:8100/');
const isoArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const fieldsArb = fc.record({
  scheme: fc.option(fc.constantFrom('https', 'http'), { nil: undefined }),
  domain: fc.constantFrom('auth.example.com', 'localhost:8100', 'sub.example.org:443'),
  statement: fc.option(fc.stringMatching(/^[A-Za-z0-9 .,!?'()-]{1,80}$/).filter((s) => s.trim() === s && s.length > 0), { nil: undefined }),
  uri: uriArb,
  chainId: fc.integer({ min: 1, max: 2 ** 31 }),
  nonce: fc.stringMatching(/^[a-f0-9]{64}$/),
  issuedAt: isoArb,
  expirationTime: fc.option(isoArb, { nil: undefined }),
  notBefore: fc.option(isoArb, { nil: undefined }),
  requestId: fc.option(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), { nil: undefined }),
  resources: fc.option(fc.array(uriArb, { minLength: 1, maxLength: 5 }), { nil: undefined }),
});

describe('parseSignInMessage: EIP-4361 profile, against the siwe package', () => {
  it('reads every field siwe reads, on messages siwe generates', () => {
    fc.assert(
      fc.property(fieldsArb, (f) => {
        const text = new SiweMessage({ ...f, address, version: '1' }).prepareMessage();
        const theirs = new ParsedMessage(text);
        const ours = parseSignInMessage(text, EIP);
        expect(ours).toMatchObject({ domain: theirs.domain, address: theirs.address, uri: theirs.uri, version: '1', chainId: String(theirs.chainId), nonce: theirs.nonce, issuedAt: theirs.issuedAt, chainName: 'Ethereum' });
        expect(ours.statement).toBe(theirs.statement ?? undefined);
        expect(ours.expirationTime).toBe(theirs.expirationTime ?? undefined);
        expect(ours.notBefore).toBe(theirs.notBefore ?? undefined);
        expect(ours.requestId).toBe(theirs.requestId ?? undefined);
        expect(ours.resources).toEqual(theirs.resources ?? []);
        expect(ours.scheme).toBe(theirs.scheme ?? undefined);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses what siwe refuses: broken variants of a valid message', () => {
    const text = new SiweMessage({ domain: 'auth.example.com', address, statement: 'Hi.', uri: 'https://auth.example.com/', version: '1', chainId: 1, nonce: 'a'.repeat(64), issuedAt: '2030-01-01T00:00:00.000Z', resources: ['https://x.example/'] }).prepareMessage();
    const variants = [
      text.replace('Version: 1', 'Version: 2'),
      text.replace('\nURI:', '\nUri:'),
      text.replace('Chain ID: 1', 'Chain ID: one'),
      text.replace(`Nonce: ${'a'.repeat(64)}`, 'Nonce: short'),
      text.replace('2030-01-01T00:00:00.000Z', '2030-02-30T00:00:00.000Z'),
      text.replace('2030-01-01T00:00:00.000Z', 'yesterday'),
      text.replaceAll('\n', '\r\n'),
      `${text}\n`,
      text.replace('Hi.', 'Hi.\nThere.'),
      text.replace('\n\nHi.\n\n', '\nHi.\n'),
      text.replace('Resources:\n- https://x.example/', 'Resources:\n-https://x.example/'),
      text.replace('auth.example.com wants', 'auth.example.com  wants'),
      text.replace('\nURI: https://auth.example.com/', ''),
    ];
    for (const bad of variants) {
      expect(bad).not.toBe(text);
      expect(() => new ParsedMessage(bad), JSON.stringify(bad)).toThrow();
      expect(() => parseSignInMessage(bad, EIP), JSON.stringify(bad)).toThrow(/not a valid sign-in message/);
    }
  });
});

describe('parseSignInMessage: CAIP-122 namespaces', () => {
  const solana = [
    'app.example.test wants you to sign in with your Solana account:',
    '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV',
    '',
    'URI: https://app.example.test/login',
    'Version: 1',
    'Nonce: ' + 'b'.repeat(64),
    'Issued At: 2030-01-01T00:00:00Z',
  ].join('\n');

  it("reads Solana's layout: no statement and one blank line, no Chain ID", () => {
    expect(parseSignInMessage(solana, CAIP)).toEqual({
      domain: 'app.example.test', chainName: 'Solana', address: '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV', uri: 'https://app.example.test/login',
      version: '1', nonce: 'b'.repeat(64), issuedAt: '2030-01-01T00:00:00Z', resources: [],
    });
    // EIP-4361 has neither the short layout nor an optional Chain ID.
    expect(() => parseSignInMessage(solana, EIP)).toThrow(/not a valid sign-in message/);
  });

  it('reads a statement, a CAIP-2 chain reference and resources', () => {
    const text = solana.replace('\n\nURI:', '\n\nSign in to the app.\n\nURI:').replace('Version: 1', 'Version: 1\nChain ID: 5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp') + '\nResources:\n- https://a.example/';
    expect(parseSignInMessage(text, CAIP)).toMatchObject({ statement: 'Sign in to the app.', chainId: '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', resources: ['https://a.example/'] });
  });
});

describe('checkMessageBounds', () => {
  const { maxBytes, maxLineChars, maxResources } = SIGN_IN_MESSAGE_LIMITS;
  it('passes the largest message within every bound, refuses one past each', async () => {
    const lines = (n: number, len: number) => Array.from({ length: n }, () => `- ${'r'.repeat(len - 2)}`).join('\n');
    checkMessageBounds(lines(maxResources, Math.floor(maxBytes / maxResources) - 1));
    checkMessageBounds('x'.repeat(maxLineChars));
    await expectAuthError(() => checkMessageBounds('x'.repeat(maxLineChars + 1)), 400, 'siwe_message_too_large');
    await expectAuthError(() => checkMessageBounds(lines(maxResources + 1, 10)), 400, 'siwe_message_too_large');
    await expectAuthError(() => checkMessageBounds(`${'é'.repeat(maxBytes / 2)}\n`), 400, 'siwe_message_too_large');
    await expectAuthError(() => checkMessageBounds('\n'.repeat(SIGN_IN_MESSAGE_LIMITS.maxLines)), 400, 'siwe_message_too_large');
  });
});
