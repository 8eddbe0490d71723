import { describe, expect, it } from 'vitest';
import { identityOf, isServiceIdentity, requireIdentity, walletAddressOf, type SecurityContext } from '../../src/client/index.js';

const ctx = (sub: string, role: string, claims: Record<string, unknown> = {}): SecurityContext => ({
  sub,
  role,
  groups: [],
  scopes: [],
  jti: 'j',
  exp: 0,
  claims: { sub, role, ...claims },
});

describe('identityOf', () => {
  it('a wallet: role wallet and wallet_address equal to sub', () => {
    expect(identityOf(ctx('0xab', 'wallet', { wallet_address: '0xab', algorithm: 'EIP-191' }))).toEqual({ kind: 'wallet', address: '0xab', algorithm: 'EIP-191' });
    expect(walletAddressOf(ctx('0xab', 'wallet', { wallet_address: '0xab' }))).toBe('0xab');
  });

  it('a service: either marker (the kind claim or the service: prefix) wins over everything else', () => {
    expect(identityOf(ctx('service:agent-1', 'agent', { kind: 'service' }))).toEqual({ kind: 'service', id: 'agent-1' });
    // A token claiming both a wallet and the service kind is a service, never the wallet.
    const both = ctx('0xab', 'wallet', { wallet_address: '0xab', kind: 'service' });
    expect(identityOf(both)).toEqual({ kind: 'service', id: '0xab' });
    expect(walletAddressOf(both)).toBeUndefined();
    expect(isServiceIdentity(ctx('service:x', 'wallet', { wallet_address: 'service:x' }))).toBe(true);
  });

  it('anything else is a user (the admin login: sub is the e-mail); a wallet role without a matching wallet_address is not a wallet', () => {
    expect(identityOf(ctx('admin@example.test', 'operator'))).toEqual({ kind: 'user', sub: 'admin@example.test' });
    expect(identityOf(ctx('0xab', 'wallet', { wallet_address: '0xcd' })).kind).toBe('user');
    expect(identityOf(ctx('0xab', 'wallet')).kind).toBe('user');
  });

  it('requireIdentity refuses empty or unknown kinds at creation', () => {
    expect(() => requireIdentity()).toThrow(TypeError);
    expect(() => requireIdentity('robot' as never)).toThrow(TypeError);
  });
});
