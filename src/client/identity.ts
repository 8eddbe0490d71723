import type { SecurityContext } from './context.js';

/**
 * Who a token speaks for. The auth service issues three kinds of token and keeps their subjects
 * apart (docs/contract.md, "Identities"):
 * - `wallet`: a wallet sign-in; `sub` is the canonical wallet address, repeated in `wallet_address`.
 * - `service`: a fleet-minted service token; `sub` is `service:<agent_id>` and the `kind` claim is
 *   `service`. Nothing else has a `:` in its `sub`, so it can never equal an address or an e-mail.
 * - `user`: anything else the issuer signed (the admin login: `sub` is the e-mail).
 */
export type Identity =
  | { kind: 'wallet'; address: string; algorithm: string | undefined }
  | { kind: 'service'; id: string }
  | { kind: 'user'; sub: string };

export type IdentityKind = Identity['kind'];

/** `sub` prefix of service identities. */
export const SERVICE_SUB_PREFIX = 'service:';

/**
 * The identity behind a verified token. Either service marker (the claim or the `sub` prefix)
 * makes it a service, so a service token is never taken for a wallet or a user; a wallet needs
 * role `wallet` and `wallet_address` equal to `sub`.
 */
export function identityOf(auth: SecurityContext): Identity {
  const { sub, claims } = auth;
  if (claims.kind === 'service' || sub.startsWith(SERVICE_SUB_PREFIX)) {
    return { kind: 'service', id: sub.startsWith(SERVICE_SUB_PREFIX) ? sub.slice(SERVICE_SUB_PREFIX.length) : sub };
  }
  if (auth.role === 'wallet' && claims.wallet_address === sub) {
    return { kind: 'wallet', address: sub, algorithm: typeof claims.algorithm === 'string' ? claims.algorithm : undefined };
  }
  return { kind: 'user', sub };
}

/** The wallet address a token speaks for, or undefined when it is not a wallet's token. */
export function walletAddressOf(auth: SecurityContext): string | undefined {
  const identity = identityOf(auth);
  return identity.kind === 'wallet' ? identity.address : undefined;
}

/** True when the token is a service identity (fleet-minted). */
export function isServiceIdentity(auth: SecurityContext): boolean {
  return identityOf(auth).kind === 'service';
}
