/**
 * Every failure the page can meet, turned into a sentence for the person in front of it. Callers
 * throw PageError (already readable) or let WalletError / HttpError / fetch's TypeError through;
 * `explain` words them with what the page knows (its origin, the wallet's chain...).
 */
export class PageError extends Error {
  constructor(
    message: string,
    /** Stable tag for tests and styling: wrong_chain, rejected, expired_challenge, unreachable... */
    readonly kind: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

/** An EIP-1193 error (the wallet's answer): `code` 4001 is the user's refusal. */
export class WalletError extends Error {
  constructor(message: string, readonly code: number | undefined) {
    super(message);
    this.name = 'WalletError';
  }
}

/** A non-2xx answer, with the contract's `{"detail","error"}` body when there was one. */
export class HttpError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly retryAfter: string | null,
  ) {
    super(`${detail} (${code}, HTTP ${status})`);
    this.name = 'HttpError';
  }
}

/** A fetch that never got an answer: down, or blocked by the browser's CORS check. */
export class UnreachableError extends Error {
  constructor(readonly service: string, readonly url: string) {
    super(`Could not reach ${service} at ${url}.`);
    this.name = 'UnreachableError';
  }
}

export interface ExplainContext {
  /** This page's origin, as the browser sends it in `Origin`. */
  origin: string;
  /** The wallet's chain, once known. */
  chainId?: number;
  /** Chains the server accepts, when configured. */
  chainIds: number[];
  /** Challenge lifetime in seconds, once known. */
  ttl?: number;
}

export function explain(err: unknown, ctx: ExplainContext): PageError {
  if (err instanceof PageError) return err;
  if (err instanceof WalletError) {
    if (err.code === 4001) return new PageError('You rejected the request in your wallet. Nothing was signed; press the button to try again.', 'rejected');
    if (err.code === -32002) return new PageError('Your wallet already has a request waiting: open it and answer that one first.', 'wallet_busy');
    if (err.code === 4100) return new PageError('The wallet has not authorized this page; connect this site in your wallet, then retry.', 'wallet_unauthorized');
    if (err.code === 4900 || err.code === 4901) return new PageError('The wallet is disconnected from its network; reconnect it, then retry.', 'wallet_disconnected');
    return new PageError(`The wallet refused: ${err.message}${err.code === undefined ? '' : ` (code ${err.code})`}.`, 'wallet_error');
  }
  if (err instanceof UnreachableError) {
    return new PageError(
      `${err.message} Either it is down, or the browser blocked the call (CORS): ${err.service} must allow this page's origin ${ctx.origin} ` +
        `(for the auth service: list it in AUTH_CORS_ORIGINS). The browser console names the exact reason.`,
      'unreachable',
    );
  }
  if (err instanceof HttpError) return explainHttp(err, ctx);
  return new PageError(`Unexpected error: ${err instanceof Error ? err.message : String(err)}`, 'unexpected');
}

function explainHttp(err: HttpError, ctx: ExplainContext): PageError {
  switch (err.code) {
    case 'siwe_chain_not_allowed':
      return wrongChain(ctx.chainId, ctx.chainIds);
    case 'invalid_challenge':
      return new PageError(
        `The sign-in challenge expired or was already used before your signature arrived${ctx.ttl ? ` (a challenge lives ${ctx.ttl} seconds)` : ''}. Press the button to start again.`,
        'expired_challenge',
      );
    case 'siwe_expired':
      return new PageError('The signed message expired before it reached the auth service. Press the button to start again.', 'expired_challenge');
    case 'siwe_domain_mismatch':
      return new PageError(`${err.detail} The auth service's AUTH_SIWE_DOMAINS must include this page's host.`, 'domain_mismatch');
    case 'siwe_disabled':
      return new PageError('The auth service has Sign-In with Ethereum turned off (AUTH_SIWE_DOMAINS is empty).', 'siwe_disabled');
    case 'bad_signature':
    case 'address_mismatch':
      return new PageError('The signature does not match the wallet address: sign with the account you connected.', 'bad_signature');
    case 'rate_limited':
      return new PageError(`Too many attempts${err.retryAfter ? `: wait ${err.retryAfter} seconds` : ''} and try again.`, 'rate_limited');
    default:
      if (err.status === 503) return new PageError(`${err.service} is unavailable for a moment (${err.detail}). Try again shortly.`, 'unavailable');
      return new PageError(`${err.service} said: ${err.detail} (${err.code}, HTTP ${err.status}).`, 'http_error');
  }
}

export function wrongChain(chainId: number | undefined, accepted: number[]): PageError {
  const which = chainId === undefined ? 'a network' : `chain ${chainId}`;
  const list = accepted.length ? ` It accepts chain ${accepted.join(', ')}.` : '';
  return new PageError(`Wrong network: your wallet is on ${which}, which this service does not accept.${list} Switch networks in your wallet, then try again.`, 'wrong_chain');
}
