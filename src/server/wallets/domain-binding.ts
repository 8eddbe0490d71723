/**
 * Domain binding for every algorithm: the Sign-In With X message (CAIP-122) in place of the bare
 * challenge, checked against the same allowed domains as EIP-4361 (AUTH_SIWE_DOMAINS).
 *
 * A bare 64-hex challenge says nothing about who asked for it, so a phishing site can relay our
 * challenge to a victim's wallet. A message names the domain; the wallet shows it; we refuse any
 * domain that is not ours. Each non-EVM algorithm has one namespace (the header's chain name and
 * the address format in the message):
 *
 * | algorithm  | namespace (CAIP-2) | header chain name | address line                                    |
 * |------------|--------------------|-------------------|-------------------------------------------------|
 * | Ed25519    | `solana`           | `Solana`          | base58 of the 32-byte key (as Solana wallets)   |
 * | secp256k1  | `es256k`           | `secp256k1`       | the key's hex (33/65 bytes) or its `0x` address |
 * | ML-DSA-65  | `mldsa65`          | `ML-DSA-65`       | the compact `mldsa65-…` address                 |
 *
 * The signature is the algorithm's own, over the UTF-8 bytes of the whole message; its Nonce is the
 * challenge. Expiry, not-before and issued-at follow the EIP-4361 rules and skew.
 */
import { base58 } from '@scure/base';
import type { AuthConfig } from '../config/index.js';
import { AuthError } from '../errors/index.js';
import { bytesToHex } from '../../lib/hex.js';
import { canonicalAddress } from './address.js';
import { canonicalChallenge } from './fields.js';
import { checkMessageBounds, parseSignInMessage, type SignInMessage } from './sign-in-message.js';
import type { MessageBinding, ParsedSignIn, VerifyContext, WalletVerifier } from './types.js';

export type BindingConfig = Pick<AuthConfig, 'siweDomains' | 'siweMaxClockSkewSeconds' | 'requireDomainBinding'>;

export interface Namespace {
  /** CAIP-2 namespace id. */
  id: string;
  /** The header's chain name: "… sign in with your <chainName> account:". */
  chainName: string;
  /** The canonical address (wallets/address.ts) of the message's address line, or a 400. */
  address(line: string): string;
}

/** The namespace of each algorithm that signs a CAIP-122 message with its own scheme. */
export const NAMESPACES: Readonly<Record<string, Namespace>> = Object.freeze({
  Ed25519: {
    id: 'solana',
    chainName: 'Solana',
    address(line) {
      // base58 decoding is quadratic in the length: refuse anything longer than 32 bytes can be
      // (44 characters) before decoding, so a 1024-character address line costs nothing.
      if (line.length > 44) throw invalidAddress('a Solana address (base58 of a 32-byte key)');
      let key: Uint8Array;
      try {
        key = base58.decode(line);
      } catch {
        throw invalidAddress('a Solana address (base58)');
      }
      if (key.length !== 32) throw invalidAddress('a Solana address (base58 of a 32-byte key)');
      return bytesToHex(key);
    },
  },
  secp256k1: {
    id: 'es256k',
    chainName: 'secp256k1',
    address(line) {
      const address = canonicalAddressOr(line, 'the hex of a secp256k1 key or an 0x address');
      if (!(address.startsWith('0x') || address.length === 66 || address.length === 130)) throw invalidAddress('the hex of a secp256k1 key or an 0x address');
      return address;
    },
  },
  'ML-DSA-65': {
    id: 'mldsa65',
    chainName: 'ML-DSA-65',
    address(line) {
      const address = canonicalAddressOr(line, 'an mldsa65- address');
      if (!address.startsWith('mldsa65-')) throw invalidAddress('an mldsa65- address');
      return address;
    },
  },
});

/** The policy every domain-bound message meets, whatever its algorithm (EIP-4361 included). */
export function createBindingPolicy(config: Pick<AuthConfig, 'siweDomains' | 'siweMaxClockSkewSeconds'>) {
  const domains = new Set(config.siweDomains.map((d) => d.toLowerCase()));
  const skewMs = config.siweMaxClockSkewSeconds * 1000;
  return {
    enabled: domains.size > 0,
    /** 401 `siwe_*` unless the domain is allowed and the times hold within the skew. */
    check(binding: MessageBinding, now: number): void {
      if (!domains.has(binding.domain.toLowerCase())) {
        throw new AuthError('siwe_domain_mismatch', `The message's domain "${binding.domain}" is not one this service accepts.`);
      }
      if (binding.expirationTime !== undefined && now > binding.expirationTime + skewMs) {
        throw new AuthError('siwe_expired', "The message's Expiration Time has passed.");
      }
      if (binding.notBefore !== undefined && now < binding.notBefore - skewMs) {
        throw new AuthError('siwe_not_yet_valid', "The message's Not Before time has not come yet.");
      }
      if (binding.issuedAt > now + skewMs) {
        throw new AuthError('siwe_issued_in_future', "The message's Issued At is in the future.");
      }
    },
  };
}

export type BindingPolicy = ReturnType<typeof createBindingPolicy>;

/** 400 unless `body.message` is a string; then the bounds (before any parsing). */
export function messageField(body: Record<string, unknown>): string {
  const message = body.message;
  if (message === undefined || message === null) throw new AuthError('invalid_request', '`message` is required.');
  if (typeof message !== 'string') throw new AuthError('invalid_request', '`message` must be a string.');
  checkMessageBounds(message);
  return message;
}

/** The binding (domain and times, in epoch ms) of a parsed message. */
export function bindingOf(message: string, parsed: SignInMessage): MessageBinding {
  return {
    message,
    domain: parsed.domain,
    issuedAt: Date.parse(parsed.issuedAt),
    ...(parsed.expirationTime === undefined ? {} : { expirationTime: Date.parse(parsed.expirationTime) }),
    ...(parsed.notBefore === undefined ? {} : { notBefore: Date.parse(parsed.notBefore) }),
  };
}

/** The message's Nonce must be a challenge we issued (64 hex); the grammar alone allows any 8+ alphanumerics. */
export function messageNonce(nonce: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(nonce)) {
    throw new AuthError('invalid_siwe_nonce', "The message's Nonce must be the 64-hex-digit challenge returned by POST /challenge.");
  }
  return canonicalChallenge(nonce, 'Nonce');
}

/**
 * `inner` (a bare-challenge verifier) with the domain-bound form added: a body with `message` is
 * a CAIP-122 message in `namespace`, whose address and nonce replace the body's `address` and
 * `challenge`, and whose binding is checked before the signature. With `requireDomainBinding`, a
 * body without `message` is a 400 `domain_binding_required` before anything is decoded.
 */
export function withDomainBinding<P extends ParsedSignIn>(inner: WalletVerifier<P>, config: BindingConfig, policy = createBindingPolicy(config)): WalletVerifier<P> {
  const namespace = NAMESPACES[inner.algorithm];
  return {
    algorithm: inner.algorithm,
    parse(body) {
      if (body.message === undefined || body.message === null) {
        if (config.requireDomainBinding) throw bindingRequired(namespace ? `a Sign-In With X \`message\` (${namespace.chainName} account)` : 'EIP-4361');
        return inner.parse(body);
      }
      // EIP-191 has no message form (EIP-4361 is its domain-bound twin): an extra field stays ignored.
      if (!namespace) return inner.parse(body);
      if (!policy.enabled) throw new AuthError('siwe_disabled', 'Domain-bound sign-in is disabled: the server has no AUTH_SIWE_DOMAINS configured.');
      const message = messageField(body);
      const parsed = parseSignInMessage(message, { chainIdRequired: false, compactLayout: true });
      if (parsed.chainName !== namespace.chainName) {
        throw new AuthError(
          'siwe_namespace_mismatch',
          `${inner.algorithm} signs messages for a ${namespace.chainName} account (namespace ${namespace.id}); this message is for a ${parsed.chainName} account.`,
        );
      }
      const address = namespace.address(parsed.address);
      const nonce = messageNonce(parsed.nonce);
      const result = inner.parse({ ...body, address, challenge: nonce });
      return { ...result, binding: bindingOf(message, parsed) };
    },
    verify(parsed: P, ctx: VerifyContext) {
      if (parsed.binding) policy.check(parsed.binding, ctx.now);
      else if (config.requireDomainBinding) throw bindingRequired('a domain-bound message');
      return inner.verify(parsed, ctx);
    },
  };
}

function bindingRequired(what: string): AuthError {
  return new AuthError('domain_binding_required', `This server requires a domain-bound sign-in (AUTH_REQUIRE_DOMAIN_BINDING): sign ${what}, not the bare challenge.`);
}

function canonicalAddressOr(line: string, what: string): string {
  try {
    return canonicalAddress(line);
  } catch {
    throw invalidAddress(what);
  }
}

function invalidAddress(what: string): AuthError {
  return new AuthError('invalid_siwe_message', `\`message\`: the address line must be ${what}.`);
}
