/**
 * Store interfaces. Every implementation (memory, Redis) passes the one conformance suite in
 * test/server/stores/conformance.ts. Contracts stated here are what the suite checks.
 *
 * Failure contract: an implementation that cannot reach its backend throws StoreUnavailableError
 * (rendered as 503) within the configured command timeout; it never hangs and never returns a
 * wrong answer instead.
 */

/** A sign-in challenge: a random nonce issued for one address. */
export interface ChallengeRecord {
  /** 64 lowercase hex characters (256 random bits). */
  nonce: string;
  /** Canonical address the challenge was issued for (see wallets/address.ts). */
  address: string;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * Bounds the outstanding challenges of one bucket (the route uses a digest of the address and the
 * client that asked): at most `max` of a bucket's challenges can be consumed; storing one more
 * evicts the oldest. Requests never fail on the bound, so a flood for a victim's address cannot
 * refuse the victim a challenge; it only evicts the flooder's own oldest ones.
 */
export interface ChallengeBound {
  /** Opaque and already hashed (it may appear in a Redis key). */
  bucket: string;
  max: number;
}

export interface ChallengeStore {
  /**
   * Stores a challenge under its nonce for `ttlSeconds`. Challenges are keyed by nonce: several may
   * be outstanding for one address and storing one never cancels another, except the oldest of
   * `bound.bucket` beyond `bound.max`, which can no longer be consumed.
   */
  put(record: ChallengeRecord, ttlSeconds: number, bound?: ChallengeBound): Promise<void>;
  /**
   * Atomically removes and returns the challenge for `nonce`, or null when unknown, spent, evicted
   * or expired. MUST be atomic across every replica sharing the backend: of any number of
   * concurrent consumers of one nonce, exactly one receives the record.
   */
  consume(nonce: string): Promise<ChallengeRecord | null>;
}

/** Liveness of a store backend, for /readyz and metrics. */
export interface StoreHealth {
  /** 'memory' | 'redis' */
  backend: string;
  /** True when the backend answers now. */
  ready(): boolean;
}

/** The set of stores one service instance uses; later stores are added here. */
export interface Stores {
  challenges: ChallengeStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  mints: MintStore;
  health: StoreHealth;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}

/** The claims a refresh token re-issues on rotation. */
export interface SessionClaims {
  sub: string;
  role: string;
  wallet_address?: string;
  algorithm?: string;
  groups?: string[];
  scopes?: string[];
}

export type RotateResult =
  | { outcome: 'rotated'; claims: SessionClaims }
  /** The token was already spent: the whole family has now been revoked. */
  | { outcome: 'reused' }
  /** Unknown, expired, or its family was revoked. */
  | { outcome: 'invalid' };

/**
 * Refresh tokens, stored only as hashes, grouped in families (one family per sign-in).
 * A token id is `{familyId, tokenHash}`; the family id travels inside the opaque token so that
 * every key one operation touches shares the family's Redis Cluster hash tag.
 */
export interface RefreshTokenStore {
  /** Starts a family with its first token. Both expire after `ttlSeconds`. */
  create(familyId: string, tokenHash: string, claims: SessionClaims, ttlSeconds: number): Promise<void>;
  /**
   * Atomically spends `oldHash` and stores `newHash` with the same claims, across all replicas: of
   * concurrent rotations of one token exactly one gets 'rotated'. A spent token presented again
   * revokes the family ('reused'); every other token of a revoked family is 'invalid'.
   */
  rotate(familyId: string, oldHash: string, newHash: string, ttlSeconds: number): Promise<RotateResult>;
  /** Revokes every token of the family. Idempotent. */
  revokeFamily(familyId: string): Promise<void>;
}

/** One revoked access-token id. Times are epoch seconds. */
export interface RevocationRecord {
  jti: string;
  revokedAt: number;
  /** When the token would have expired anyway; the record leaves the store then. */
  exp: number;
  reason: string | null;
  /** `sub` of the operator who revoked it. */
  revokedBy: string;
}

/** What a revocation list page carries per record. */
export interface RevocationEntry {
  jti: string;
  revokedAt: number;
  exp: number;
}

/** Which page of the revocation list to read (see revocation-order.ts for the order). */
export interface RevocationQuery {
  /** Records revoked at or after this second (0 for all). */
  since: number;
  /** The position (see `positionOf`) of the last record already read: the page starts after it. */
  after?: string;
  /** The most records in the page (≥ 1). */
  limit: number;
}

export interface RevocationPage {
  /** Live records in list order; null when `ifVersion` is the current version. */
  items: RevocationEntry[] | null;
  /** Changes whenever the set of live records changes (add or prune); opaque. */
  version: string;
  /** The position to pass as `after` for the next page; null when this page ends the list. */
  next: string | null;
}

/**
 * Revoked access-token ids (the denylist validators poll). Every record expires at its `exp`, so the
 * list prunes itself, in bounded batches. A version changes with every change of the set, for ETags.
 * No operation costs more than a bounded amount of work, whatever the size of the list.
 */
export interface RevocationStore {
  /**
   * Records a revocation. Idempotent and atomic across replicas: if `jti` is already revoked the
   * original record is returned unchanged (`created: false`).
   */
  revoke(record: RevocationRecord): Promise<{ record: RevocationRecord; created: boolean }>;
  /** True while a record for `jti` exists and has not expired. */
  isRevoked(jti: string): Promise<boolean>;
  /**
   * One page of the live records, ordered by revocation time, then exp, then jti. When `ifVersion`
   * equals the current version, returns `items: null` (nothing changed, nothing read).
   */
  list(query: RevocationQuery, ifVersion?: string): Promise<RevocationPage>;
}

/** One long-lived credential minted (a refresh family or a service token), for the mint audit. */
export interface MintRecord {
  /** `refresh` (a sign-in or login: the refresh family) or `service` (a service token). */
  kind: 'refresh' | 'service';
  /** The refresh family id, or the service token's `jti`. */
  id: string;
  sub: string;
  role: string;
  scopes?: string[];
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * The mint audit: still-valid long-lived credentials, newest first. Bounded: entries leave at their
 * expiry, on `remove`, and the oldest leave first beyond a cap.
 */
export interface MintStore {
  add(record: MintRecord): Promise<void>;
  /** Newest first (by issuedAt), at most `limit`, none expired. */
  list(limit: number): Promise<MintRecord[]>;
  /** Forgets a record (its credential was revoked). Idempotent. */
  remove(id: string): Promise<void>;
}
