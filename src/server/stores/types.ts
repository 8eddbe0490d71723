/**
 * Store interfaces. Every implementation (memory, Redis) passes the one conformance suite in
 * test/server/stores/conformance.ts. Contracts stated here are what the suite checks.
 *
 * Failure contract: an implementation that cannot reach its backend throws AuthError `store_unavailable`
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
   * `bucketHint`: the bucket the caller expects the challenge to be bounded in (the sign-in knows
   * the address and the client). Only a hint: a store may read that bucket's state alongside the
   * nonce (one round trip instead of two), and the answer is the same whatever the hint says.
   */
  consume(nonce: string, bucketHint?: string): Promise<ChallengeRecord | null>;
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

/** How a rotation records the token it issues, so that a retry of the spent token can be answered. */
export interface Successor {
  /** Random per attempt (base64url): the successor's secret is derived from the presented token and this salt. */
  salt: string;
  /** SHA-256 (base64url) of the successor token: its id in the store. */
  hash: string;
}

export interface RotateOptions {
  /**
   * Grace window in milliseconds: a spent token presented again less than this long after it was
   * spent is answered with the family's live token ('replayed') instead of revoking the family. 0: off.
   * Times are the store's clock; a spend a paused Redis runs late is dated when it ran.
   */
  graceMs: number;
  /**
   * Fingerprint of the credential currently configured for families started with one (the admin
   * login), or '' when there is none. A family whose recorded credential differs is revoked.
   */
  credential: string;
}

/** Longest chain of successors a replay follows to the live token. */
export const MAX_REPLAY_STEPS = 8;

export type RotateResult =
  /** The token was live: it is spent now and `next` is the family's live token. */
  | { outcome: 'rotated'; claims: SessionClaims }
  /**
   * A retry within the grace window; nothing changed. The live token is reached from the presented
   * one by deriving a successor with each of `salts` in turn (tokens/refresh-token.ts).
   */
  | { outcome: 'replayed'; claims: SessionClaims; salts: string[] }
  /** Spent, presented after the grace window: the whole family has now been revoked. */
  | { outcome: 'reused' }
  /** The family lived out its lifetime (remembered a day past it; after that it is `invalid`). */
  | { outcome: 'expired' }
  /** Within the grace window, but the live token is more than MAX_REPLAY_STEPS successors away: refused, nothing revoked. */
  | { outcome: 'superseded' }
  /** The credential that started the family is no longer the configured one: the family has now been revoked. */
  | { outcome: 'credential_changed' }
  /** Unknown, or its family was revoked. */
  | { outcome: 'invalid' };

/**
 * Refresh tokens, stored only as hashes, grouped in families (one family per sign-in).
 * A token id is `{familyId, tokenHash}`; the family id travels inside the opaque token so that
 * every key one operation touches shares the family's Redis Cluster hash tag.
 *
 * A family's end is fixed when it starts: rotation never extends it, and every token of the family
 * (spent ones too, for reuse detection) ends with it.
 */
export interface RefreshTokenStore {
  /**
   * Starts a family with its first token, both ending at `expiresAt` (epoch seconds). `credential`:
   * fingerprint of the credential that started it (the admin login), re-checked on every rotation.
   */
  create(familyId: string, tokenHash: string, claims: SessionClaims, options: { expiresAt: number; credential?: string }): Promise<void>;
  /**
   * Atomically spends `oldHash` and stores `next.hash` with the same claims, across all replicas: of
   * concurrent rotations of one token exactly one gets 'rotated', the others (within the grace
   * window) 'replayed' with the salts that lead to that same live token. A spent token presented
   * after the window revokes the family ('reused'); every token of a revoked family is 'invalid'.
   */
  rotate(familyId: string, oldHash: string, next: Successor, options: RotateOptions): Promise<RotateResult>;
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
  /**
   * Ask for the packed form (src/client/packed-revocations.ts): the records that pack come in `packed`
   * (24 bytes each, no object per record), only the others in `items`. Same records, same order
   * within each, same `next`.
   */
  packed?: boolean;
}

export interface RevocationPage {
  /** Live records in list order (with `packed`: those that did not pack); null when `ifVersion` is the current version. */
  items: RevocationEntry[] | null;
  /** With `query.packed`: the page's records that pack, 24 bytes each, in list order. */
  packed?: Buffer;
  /** Changes whenever the set of live records changes (add or prune); opaque. */
  version: string;
  /** The position to pass as `after` for the next page; null when this page ends the list. */
  next: string | null;
  /**
   * How many records the list held from this page's first position to its end when the page was
   * read (this page's, the later pages', and expired ones not pruned yet): a sizing hint for a
   * client loading the list (the list moves meanwhile). 0 when `items` is null.
   */
  remaining: number;
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

/** Who minted a long-lived credential: a wallet sign-in, the admin login (both refresh families), or a service token. */
export type MintKind = 'wallet' | 'admin' | 'service';
export const MINT_KINDS = ['wallet', 'admin', 'service'] as const satisfies readonly MintKind[];

/** One long-lived credential minted (a refresh family or a service token), for the mint audit. */
export interface MintRecord {
  kind: MintKind;
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

/** What a mint page cursor looks like (the issue order of the page's last record); anything else is a 400. */
export const MINT_CURSOR = /^[1-9][0-9]{0,15}$/;

export interface MintQuery {
  /** Most records to return (1 or more). */
  limit: number;
  /** Only records of this kind. */
  kind?: MintKind;
  /** Continue after the page that returned this cursor (opaque; from `next`). */
  cursor?: string;
}

export interface MintPage {
  items: MintRecord[];
  /** Present when more records follow: pass it as `cursor` for the next page. */
  next?: string;
}

/**
 * The mint audit: still-valid long-lived credentials, newest first. Bounded: entries leave at their
 * expiry, on `remove`, and the oldest leave first beyond a cap.
 */
export interface MintStore {
  add(record: MintRecord): Promise<void>;
  /**
   * Several adds, then several removes, in one operation (one Redis script): how the audit writes,
   * so that on Redis Cluster the audit's one slot gets one call per batch, not one per sign-in.
   */
  write(batch: { add: MintRecord[]; remove: string[] }): Promise<void>;
  /**
   * Newest first (by the order they were added), at most `limit`, none expired, only `kind` when
   * given. Paging by cursor is stable: records added after the first page never shift later pages.
   */
  list(query: MintQuery): Promise<MintPage>;
  /** Forgets a record (its credential was revoked). Idempotent. */
  remove(id: string): Promise<void>;
}
