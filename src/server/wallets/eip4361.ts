/**
 * `EIP-4361` (Sign-In with Ethereum): `message` is a SIWE message whose nonce is the challenge,
 * `signature` its `personal_sign` (EIP-191 over the whole message). The message is bounded and
 * parsed by sign-in-message.ts (the CAIP-122 grammar's eip155 profile: EIP-55 address, decimal
 * Chain ID); the domain and time rules are the ones every domain-bound message meets
 * (domain-binding.ts):
 * - the domain must be one of `siweDomains` (configuration only, never a request header: the
 *   domain binding is what stops a phishing site from relaying our challenge);
 * - the chain id must be in `siweChainIds` when that list is non-empty;
 * - `Expiration Time`, `Not Before` and `Issued At` hold within `siweMaxClockSkewSeconds`;
 * - the recovered signer is the message's address.
 * Shape problems are 400 (before the challenge is consumed); policy and proof failures are 401.
 */
import type { AuthConfig } from '../config/index.js';
import { AuthError } from '../errors/index.js';
import { canonicalAddress, toChecksumAddress } from './address.js';
import { createBindingPolicy, messageField, bindingOf, messageNonce } from './domain-binding.js';
import { addressMismatch, badSignature } from './errors.js';
import { ethSignatureField, recoverPersonalSigner, type EthSignature } from './eth-recover.js';
import { parseSignInMessage, SIGN_IN_MESSAGE_LIMITS } from './sign-in-message.js';
import type { MessageBinding, ParsedSignIn, VerifyContext, WalletVerifier } from './types.js';

export type SiweConfig = Pick<AuthConfig, 'siweDomains' | 'siweChainIds' | 'siweMaxClockSkewSeconds'>;

export interface Eip4361SignIn extends ParsedSignIn {
  binding: MessageBinding;
  chainId: number;
  signature: EthSignature;
}

const ALGORITHM = 'EIP-4361';
/** A real SIWE message is a few hundred bytes (see SIGN_IN_MESSAGE_LIMITS for every bound). */
export const SIWE_MAX_MESSAGE_BYTES = SIGN_IN_MESSAGE_LIMITS.maxBytes;

export function createEip4361Verifier(config: SiweConfig): WalletVerifier<Eip4361SignIn> {
  const policy = createBindingPolicy(config);
  const chainIds = new Set(config.siweChainIds);

  return {
    algorithm: ALGORITHM,

    parse(body) {
      if (!policy.enabled) {
        throw new AuthError('siwe_disabled', 'EIP-4361 sign-in is disabled: the server has no AUTH_SIWE_DOMAINS configured.');
      }
      const message = messageField(body);
      const signature = ethSignatureField(body);
      const siwe = parseSignInMessage(message, { chainIdRequired: true, compactLayout: false });
      if (siwe.chainName !== 'Ethereum') {
        throw new AuthError('invalid_siwe_message', '`message` is not a valid EIP-4361 message: it must be for an Ethereum account.');
      }
      // EIP-4361 requires the EIP-55 checksummed address.
      if (!/^0x[0-9a-fA-F]{40}$/.test(siwe.address) || toChecksumAddress(siwe.address) !== siwe.address) {
        throw new AuthError('invalid_siwe_message', "`message` is not a valid EIP-4361 message: the address must be EIP-55 checksummed.");
      }
      const chainId = Number(siwe.chainId);
      if (!Number.isSafeInteger(chainId) || chainId <= 0) {
        throw new AuthError('invalid_siwe_message', '`message` has an invalid Chain ID.');
      }
      return {
        algorithm: ALGORITHM,
        nonce: messageNonce(siwe.nonce),
        address: canonicalAddress(siwe.address),
        binding: bindingOf(message, siwe),
        chainId,
        signature,
      };
    },

    verify(parsed: Eip4361SignIn, ctx: VerifyContext) {
      policy.check(parsed.binding, ctx.now);
      if (chainIds.size > 0 && !chainIds.has(parsed.chainId)) {
        throw new AuthError('siwe_chain_not_allowed', `The message's Chain ID ${parsed.chainId} is not accepted.`);
      }
      const signer = recoverPersonalSigner(parsed.binding.message, parsed.signature);
      if (signer === null) throw badSignature(ALGORITHM);
      if (signer !== parsed.address) throw addressMismatch(ALGORITHM, "The recovered signer is not the message's address.");
    },
  };
}
