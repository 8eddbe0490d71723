import { createHash, randomBytes } from 'node:crypto';
import { epochSeconds } from '../clock.js';
import { AuthError, outcomeOf } from '../errors/index.js';
import type { SignInOutcome } from '../events.js';
import { canonicalAddress } from '../wallets/address.js';
import type { SessionDeps } from './deps.js';
import type { StartSession, TokenPair } from './token-pair.js';

const SIGN_IN_OUTCOMES: readonly string[] = ['bad_signature', 'bad_challenge', 'address_mismatch', 'rate_limited', 'unavailable', 'invalid_request'] satisfies SignInOutcome[];

export interface IssuedChallenge {
  nonce: string;
  ttl: number;
  /** Epoch seconds. */
  expiresAt: number;
}

/** The bucket bounding a client's challenges for an address. Hashed: neither the address nor the client's IP appears in a Redis key. */
function challengeBucket(address: string, client: string): string {
  return createHash('sha256').update(`${address}\n${client}`).digest('base64url').slice(0, 32);
}

/**
 * A fresh 256-bit nonce for an address. Never refused for being one too many: one client holds at
 * most `challengeMaxOutstanding` challenges per address and a new one evicts its oldest, so a
 * flood for a victim's address from other clients evicts only the flooder's own.
 * `client` identifies who asked (the route's client key: IP, or IPv6 network).
 */
export function challengeIssuer({ config, clock, stores, events }: Pick<SessionDeps, 'config' | 'clock' | 'stores' | 'events'>) {
  const { challengeTtlSeconds: ttl, challengeMaxOutstanding: max } = config;
  return async (rawAddress: string, client: string): Promise<IssuedChallenge> => {
    const address = canonicalAddress(rawAddress);
    const issuedAt = epochSeconds(clock);
    const nonce = randomBytes(32).toString('hex');
    await stores.challenges.put({ nonce, address, issuedAt, expiresAt: issuedAt + ttl }, ttl, { bucket: challengeBucket(address, client), max });
    events.emit('challengeIssued');
    return { nonce, ttl, expiresAt: issuedAt + ttl };
  };
}

/**
 * Wallet sign-in. Order matters: the body is parsed by the algorithm's verifier first (a malformed
 * request burns nothing), then the named challenge is consumed atomically (spent whatever the
 * outcome, so it can never be tried twice), then the proof is checked against the address the
 * challenge was issued for. Every attempt emits one `signIn` outcome. `client` (the route's client
 * key) names the bucket the challenge was most likely bounded in: the store reads it alongside the
 * nonce (a hint only: a client whose address changed since its challenge gets the same answer).
 */
export function walletSignIn(deps: Pick<SessionDeps, 'clock' | 'stores' | 'wallets' | 'events'>, start: StartSession) {
  const { clock, stores, wallets, events } = deps;
  return async (body: Record<string, unknown>, client?: string): Promise<TokenPair> => {
    let algorithm = typeof body.algorithm === 'string' && wallets.algorithms.includes(body.algorithm) ? body.algorithm : 'unknown';
    try {
      const verifier = wallets.get(body.algorithm);
      algorithm = verifier.algorithm;
      const parsed = verifier.parse(body);
      const challenge = await stores.challenges.consume(parsed.nonce, client === undefined ? undefined : challengeBucket(parsed.address, client));
      if (!challenge || challenge.expiresAt * 1000 < clock.now()) throw new AuthError('invalid_challenge');
      if (challenge.address !== parsed.address) throw new AuthError('address_mismatch', 'The challenge was issued for another address.');
      await verifier.verify(parsed, { now: clock.now() });
      const pair = await start({ sub: parsed.address, role: 'wallet', wallet_address: parsed.address, algorithm: verifier.algorithm }, { kind: 'wallet' });
      events.emit('signIn', algorithm, 'success');
      return pair;
    } catch (err) {
      const outcome = outcomeOf(err);
      events.emit('signIn', algorithm, SIGN_IN_OUTCOMES.includes(outcome) ? (outcome as SignInOutcome) : 'error');
      throw err;
    }
  };
}
