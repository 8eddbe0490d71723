/**
 * Wallet sign-in verification. One verifier per `algorithm` value of the contract's sign-in table.
 * A verifier is pure: it never touches stores; the sign-in route consumes the challenge and then
 * asks the verifier whether the proof holds.
 */

/** What every sign-in body yields once parsed, before any store is touched. */
export interface ParsedSignIn {
  /** The contract's `algorithm` value, e.g. 'Ed25519'. */
  algorithm: string;
  /** The challenge nonce the proof is over (64 lowercase hex). */
  nonce: string;
  /** The canonical address the caller claims (compared with the challenge's address). */
  address: string;
  /** Set when the proof is over a domain-bound message (CAIP-122 / EIP-4361) instead of the bare challenge. */
  binding?: MessageBinding;
}

/** What a domain-bound message binds the proof to. Times are epoch milliseconds. */
export interface MessageBinding {
  /** The message exactly as sent: the signature is over its UTF-8 bytes. */
  message: string;
  domain: string;
  issuedAt: number;
  expirationTime?: number;
  notBefore?: number;
}

/** Extra context a verifier may need (SIWE: allowed domains, chain ids, clock). */
export interface VerifyContext {
  /** Epoch milliseconds. */
  now: number;
}

export interface WalletVerifier<P extends ParsedSignIn = ParsedSignIn> {
  readonly algorithm: string;
  /**
   * Validates the request body's shape (lengths, hex) and returns the parsed sign-in.
   * Throws AuthError (400, e.g. `invalid_request`) for a malformed body. Never consumes anything.
   */
  parse(body: Record<string, unknown>): P;
  /**
   * Checks the signature over the challenge and that the key/signer is bound to `parsed.address`
   * exactly as the contract says. Throws AuthError (401) with a stable code
   * ('bad_signature' | 'address_mismatch') on failure.
   */
  verify(parsed: P, ctx: VerifyContext): Promise<void> | void;
}

/** What the proof is over: the domain-bound message when there is one, else the bare challenge. */
export function signedText(parsed: ParsedSignIn): string {
  return parsed.binding?.message ?? parsed.nonce;
}
