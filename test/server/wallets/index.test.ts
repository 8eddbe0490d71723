import { describe, expect, it } from 'vitest';
import { createWalletVerifiers } from '../../../src/server/wallets/index.js';
import { expectAuthError } from './expect-error.js';

const config = { siweDomains: ['auth.example.com'], siweChainIds: [], siweMaxClockSkewSeconds: 60, requireDomainBinding: false };

describe('createWalletVerifiers', () => {
  const verifiers = createWalletVerifiers(config);

  it('lists exactly the contract algorithms, and returns each by exact name', () => {
    expect(verifiers.algorithms).toEqual(['Ed25519', 'secp256k1', 'ML-DSA-65', 'EIP-191', 'EIP-4361']);
    for (const name of verifiers.algorithms) expect(verifiers.get(name).algorithm).toBe(name);
  });

  it.each([
    ['a missing algorithm', undefined],
    ['null', null],
    ['a number', 1],
    ['an object', { name: 'Ed25519' }],
    ['another spelling', 'ed25519'],
    ['an unsupported algorithm', 'RSA'],
    ['a prototype key', '__proto__'],
    ['a prototype method', 'toString'],
    ['a very long string', 'x'.repeat(10_000)],
  ])('400 unsupported_algorithm for %s, listing the supported values', async (_name, value) => {
    const err = await expectAuthError(() => verifiers.get(value), 400, 'unsupported_algorithm');
    expect(err.message).toContain('Ed25519, secp256k1, ML-DSA-65, EIP-191, EIP-4361');
    expect(err.message.length).toBeLessThan(300);
  });

  it('passes the SIWE settings to the EIP-4361 verifier', async () => {
    const disabled = createWalletVerifiers({ ...config, siweDomains: [] });
    await expectAuthError(() => disabled.get('EIP-4361').parse({ message: 'x', signature: '00' }), 400, 'siwe_disabled');
  });
});
