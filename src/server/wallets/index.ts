/**
 * The wallet verifier registry: one verifier per contract `algorithm` value, looked up by exact
 * name. Anything else (missing, not a string, another spelling) is a 400 `unsupported_algorithm`
 * that lists the accepted values, never a 500.
 */
import { AuthError } from '../errors/index.js';
import { eip191Verifier } from './eip191.js';
import { createEip4361Verifier, type SiweConfig } from './eip4361.js';
import { createBindingPolicy, withDomainBinding, type BindingConfig } from './domain-binding.js';
import { ed25519Verifier } from './ed25519.js';
import { mlDsa65Verifier } from './ml-dsa-65.js';
import { secp256k1Verifier } from './secp256k1.js';
import type { WalletVerifier } from './types.js';

export type { ParsedSignIn, VerifyContext, WalletVerifier } from './types.js';
export { canonicalAddress, evmAddressFromPublicKey, toChecksumAddress } from './address.js';
export type { SiweConfig } from './eip4361.js';
export { NAMESPACES } from './domain-binding.js';

export interface WalletVerifiers {
  /** The accepted `algorithm` values, in the contract's order. */
  readonly algorithms: readonly string[];
  /** The verifier for `algorithm`; throws AuthError(`unsupported_algorithm`) otherwise. */
  get(algorithm: unknown): WalletVerifier;
}

export type WalletConfig = SiweConfig & BindingConfig;

export function createWalletVerifiers(config: WalletConfig): WalletVerifiers {
  const policy = createBindingPolicy(config);
  // Every bare-challenge verifier gains the domain-bound form (and obeys AUTH_REQUIRE_DOMAIN_BINDING).
  const list: WalletVerifier[] = [
    withDomainBinding(ed25519Verifier, config, policy),
    withDomainBinding(secp256k1Verifier, config, policy),
    withDomainBinding(mlDsa65Verifier, config, policy),
    withDomainBinding(eip191Verifier, config, policy),
    createEip4361Verifier(config),
  ];
  // A Map, not an object: `algorithm` comes from the request and must not reach the prototype.
  const byName = new Map(list.map((v) => [v.algorithm, v]));
  const algorithms = Object.freeze(list.map((v) => v.algorithm));
  return {
    algorithms,
    get(algorithm) {
      const verifier = typeof algorithm === 'string' ? byName.get(algorithm) : undefined;
      if (verifier) return verifier;
      const supported = algorithms.join(', ');
      if (algorithm === undefined || algorithm === null) {
        throw new AuthError('unsupported_algorithm', `\`algorithm\` is required; one of: ${supported}.`);
      }
      const shown = typeof algorithm === 'string' ? JSON.stringify(algorithm.slice(0, 40)) : `a ${typeof algorithm}`;
      throw new AuthError('unsupported_algorithm', `Unsupported \`algorithm\` ${shown}; one of: ${supported}.`);
    },
  };
}
