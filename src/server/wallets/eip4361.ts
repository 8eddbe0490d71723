/**
 * `EIP-4361` (Sign-In with Ethereum): `message` is a SIWE message whose nonce is the challenge,
 * `signature` its `personal_sign` (EIP-191 over the whole message). The `siwe` package parses the
 * message (ABNF grammar, EIP-55 address); every policy check is ours, so no rule depends on what a
 * library version happens to verify:
 * - the domain must be one of `siweDomains` (configuration only, never a request header: the
 *   domain binding is what stops a phishing site from relaying our challenge);
 * - the chain id must be in `siweChainIds` when that list is non-empty;
 * - `Expiration Time`, `Not Before` and `Issued At` hold within `siweMaxClockSkewSeconds`;
 * - the recovered signer is the message's address.
 * Shape problems are 400 (before the challenge is consumed); policy and proof failures are 401.
 */
import { createRequire } from 'node:module';
import type { SiweMessage } from 'siwe';
import type { AuthConfig } from '../config/index.js';
import { AuthError } from '../errors/index.js';
import { canonicalAddress } from './address.js';
import { addressMismatch, badSignature } from './errors.js';
import { ethSignatureField, recoverPersonalSigner, type EthSignature } from './eth-recover.js';
import { canonicalChallenge } from './fields.js';
import type { ParsedSignIn, VerifyContext, WalletVerifier } from './types.js';

export type SiweConfig = Pick<AuthConfig, 'siweDomains' | 'siweChainIds' | 'siweMaxClockSkewSeconds'>;

export interface Eip4361SignIn extends ParsedSignIn {
  /** The message exactly as sent: the signature is over these bytes. */
  message: string;
  domain: string;
  chainId: number;
  /** Epoch milliseconds. */
  issuedAt: number;
  expirationTime?: number;
  notBefore?: number;
  signature: EthSignature;
}

const ALGORITHM = 'EIP-4361';
/** A real SIWE message is a few hundred bytes; the cap keeps the ABNF parser's work bounded. */
export const SIWE_MAX_MESSAGE_BYTES = 4096;

export function createEip4361Verifier(config: SiweConfig): WalletVerifier<Eip4361SignIn> {
  const domains = new Set(config.siweDomains.map((d) => d.toLowerCase()));
  const chainIds = new Set(config.siweChainIds);
  const skewMs = config.siweMaxClockSkewSeconds * 1000;
  // siwe (and ethers, its peer) cost ~100 ms of start-up and a few MB: loaded only when EIP-4361
  // is enabled. It is CommonJS, so a synchronous require keeps the verifier's shape.
  const Siwe = domains.size > 0 ? (createRequire(import.meta.url)('siwe') as typeof import('siwe')).SiweMessage : undefined;

  return {
    algorithm: ALGORITHM,

    parse(body) {
      if (!Siwe) {
        throw new AuthError('siwe_disabled', 'EIP-4361 sign-in is disabled: the server has no AUTH_SIWE_DOMAINS configured.');
      }
      const message = body.message;
      if (message === undefined || message === null) throw new AuthError('invalid_request', '`message` is required.');
      if (typeof message !== 'string') throw new AuthError('invalid_request', '`message` must be a string.');
      if (Buffer.byteLength(message, 'utf8') > SIWE_MAX_MESSAGE_BYTES) {
        throw new AuthError('siwe_message_too_large', `\`message\` is larger than ${SIWE_MAX_MESSAGE_BYTES} bytes.`);
      }
      const signature = ethSignatureField(body);

      let siwe: SiweMessage;
      try {
        siwe = new Siwe(message);
      } catch (err) {
        throw new AuthError('invalid_siwe_message', `\`message\` is not a valid EIP-4361 message: ${firstLine(err)}`);
      }
      const nonce = canonicalSiweNonce(siwe.nonce);
      const address = canonicalAddress(siwe.address);
      const chainId = Number(siwe.chainId);
      if (!Number.isSafeInteger(chainId) || chainId <= 0) {
        throw new AuthError('invalid_siwe_message', '`message` has an invalid Chain ID.');
      }
      const issuedAt = time(siwe.issuedAt, 'Issued At');
      if (issuedAt === undefined) throw new AuthError('invalid_siwe_message', '`message` has no Issued At.');
      return {
        algorithm: ALGORITHM,
        nonce,
        address,
        message,
        domain: siwe.domain,
        chainId,
        issuedAt,
        expirationTime: time(siwe.expirationTime, 'Expiration Time'),
        notBefore: time(siwe.notBefore, 'Not Before'),
        signature,
      };
    },

    verify(parsed: Eip4361SignIn, ctx: VerifyContext) {
      if (!domains.has(parsed.domain.toLowerCase())) {
        throw new AuthError('siwe_domain_mismatch', `The message's domain "${parsed.domain}" is not one this service accepts.`);
      }
      if (chainIds.size > 0 && !chainIds.has(parsed.chainId)) {
        throw new AuthError('siwe_chain_not_allowed', `The message's Chain ID ${parsed.chainId} is not accepted.`);
      }
      if (parsed.expirationTime !== undefined && ctx.now > parsed.expirationTime + skewMs) {
        throw new AuthError('siwe_expired', "The message's Expiration Time has passed.");
      }
      if (parsed.notBefore !== undefined && ctx.now < parsed.notBefore - skewMs) {
        throw new AuthError('siwe_not_yet_valid', "The message's Not Before time has not come yet.");
      }
      if (parsed.issuedAt > ctx.now + skewMs) {
        throw new AuthError('siwe_issued_in_future', "The message's Issued At is in the future.");
      }
      const signer = recoverPersonalSigner(parsed.message, parsed.signature);
      if (signer === null) throw badSignature(ALGORITHM);
      if (signer !== parsed.address) throw addressMismatch(ALGORITHM, "The recovered signer is not the message's address.");
    },
  };
}

/** The SIWE nonce must be a challenge we issued (64 hex); the grammar alone allows any 8+ alphanumerics. */
function canonicalSiweNonce(nonce: unknown): string {
  if (typeof nonce !== 'string' || !/^[0-9a-fA-F]{64}$/.test(nonce)) {
    throw new AuthError('invalid_siwe_nonce', "The message's Nonce must be the 64-hex-digit challenge returned by POST /challenge.");
  }
  return canonicalChallenge(nonce, 'Nonce');
}

function time(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AuthError('invalid_siwe_message', `\`message\` has an invalid ${field}.`);
  return ms;
}

/** The parser's first complaint, bounded (its full error embeds the whole parse result). */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'unparseable';
  return line.length > 160 ? `${line.slice(0, 160)}...` : line;
}
