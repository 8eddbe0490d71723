import { z } from 'zod';
import { isPasswordHash } from '../../lib/password.js';
import { originProblems } from './origins.js';

/**
 * The one table of every setting: its programmatic name (a field of `serverAuth`), its environment
 * variable, the seed key it corresponds to, its schema (with default) and a sentence for people.
 * The config loader, the error messages and the README's configuration table all derive from it,
 * so a setting cannot exist in one place and be missing from another.
 */
export interface SettingSpec {
  /** Environment variable name. */
  env: string;
  /** The seed's `server_auth.*` key, where there is one. */
  seed?: string;
  /** Accepts the raw env string (or a programmatic value) and yields the typed value. */
  schema: z.ZodType;
  /** What it does, and what it accepts; shown in the README and in error messages. */
  doc: string;
  /**
   * The value `npm start` / `npm run dev` use when the variable is unset and NODE_ENV is unset or
   * `development` (never in production): what makes the sample page work out of the box.
   */
  devDefault?: string;
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v))]);
/** A comma-separated list from the environment, or an array programmatically. */
const list = z.union([
  z.array(z.string()),
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
]);
const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port');
const hostPortList = list.pipe(z.array(hostPort));
const optionalString = z.string().min(1).optional();
/** Exact browser origins (config/origins.ts), deduplicated. */
const origins = list
  .superRefine((entries, ctx) => {
    for (const message of originProblems(entries)) ctx.addIssue({ code: 'custom', message });
  })
  .transform((entries) => [...new Set(entries)]);

export const SETTINGS = {
  // --- Seed keys -----------------------------------------------------------------------------
  issuer: { env: 'AUTH_ISSUER', seed: 'issuer', schema: z.string().url().default('http://localhost:8100'), doc: 'Token `iss` and the base of the discovery document. An absolute URL.' },
  audience: { env: 'AUTH_AUDIENCE', seed: 'audience', schema: z.string().min(1).default('pico-platform'), doc: 'Token `aud`.' },
  accessTokenExpireMinutes: { env: 'AUTH_ACCESS_TOKEN_EXPIRE_MINUTES', seed: 'access_token_expire_minutes', schema: int(1, 1440).default(15), doc: 'Access-token lifetime in minutes (1-1440).' },
  refreshTokenExpireDays: { env: 'AUTH_REFRESH_TOKEN_EXPIRE_DAYS', seed: 'refresh_token_expire_days', schema: int(1, 365).default(7), doc: 'Refresh-token lifetime in days (1-365).' },
  refreshGraceSeconds: { env: 'AUTH_REFRESH_GRACE_SECONDS', schema: int(0, 300).default(30), doc: 'Refresh rotation grace window in seconds (0-300; 0 turns it off): a refresh token presented again this soon after it was spent (a retry after a timeout, a double submit) gets the same new refresh token as the first attempt instead of revoking the session; later, reuse revokes the whole family.' },
  challengeTtlSeconds: { env: 'AUTH_CHALLENGE_TTL_SECONDS', seed: 'challenge_ttl_seconds', schema: int(5, 3600).default(60), doc: 'How long a sign-in challenge stays valid, in seconds (5-3600).' },
  challengeMaxOutstanding: { env: 'AUTH_CHALLENGE_MAX_OUTSTANDING', schema: int(1, 1000).default(5), doc: 'Challenges one client (IP, or IPv6 network) can hold for one address at a time; a new one evicts the oldest instead of being refused (1-1000).' },

  // --- Server ---------------------------------------------------------------------------------
  port: { env: 'PORT', schema: int(0, 65535).default(8100), doc: 'HTTP port (0 picks a free one).' },
  host: { env: 'HOST', schema: z.string().min(1).default('0.0.0.0'), doc: 'Interface to listen on.' },
  nodeEnv: { env: 'NODE_ENV', schema: z.string().default('development'), doc: '`production` refuses the embedded defaults (in-memory stores, generated key): set `REDIS_URL` and `AUTH_KEYS_DIR`.' },
  logLevel: { env: 'LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(), doc: 'pino log level; default `info` in production, `debug` otherwise, `silent` under tests.' },
  shutdownGraceSeconds: { env: 'AUTH_SHUTDOWN_GRACE_SECONDS', schema: int(0, 300).default(10), doc: 'On SIGTERM, how long in-flight requests may take before the server closes them.' },
  shutdownDelaySeconds: { env: 'AUTH_SHUTDOWN_DELAY_SECONDS', schema: int(0, 120).default(0), doc: 'On SIGTERM, keep serving this long with readiness failing before closing the listener, so balancers stop routing first (the Helm chart uses a preStop sleep instead).' },
  httpHeadersTimeoutMs: { env: 'AUTH_HTTP_HEADERS_TIMEOUT_MS', schema: int(1000, 120000).default(10000), doc: 'A connection must deliver a request\'s complete headers within this (ms), or it gets 408 and is closed: slow and silent sockets cannot hold a connection slot. At most `AUTH_HTTP_REQUEST_TIMEOUT_MS`.' },
  httpRequestTimeoutMs: { env: 'AUTH_HTTP_REQUEST_TIMEOUT_MS', schema: int(1000, 300000).default(15000), doc: 'A whole request (headers and body) must arrive within this (ms), or it gets 408 and is closed.' },
  httpKeepAliveTimeoutMs: { env: 'AUTH_HTTP_KEEP_ALIVE_TIMEOUT_MS', schema: int(1000, 600000).default(65000), doc: 'How long an idle keep-alive connection stays open (ms). Above the 60 s idle timeout of common proxies and load balancers, so that they, not we, close pooled connections (no 502 on a reused one); idle ones are closed early when the connection cap is reached.' },
  maxConnections: { env: 'AUTH_MAX_CONNECTIONS', schema: int(0, 1000000).default(800), doc: 'Open connections the service port accepts (0: no cap); past it new connections are refused and idle keep-alive ones closed. Keep it below the process\'s file-descriptor limit (`ulimit -n`) minus about 100 (Redis, key reads, metrics port).' },
  trustProxy: { env: 'AUTH_TRUST_PROXY', schema: int(0, 10).default(0), doc: 'How many proxies in front of the service to trust for `X-Forwarded-For` (0: use the socket address).' },
  metricsPort: { env: 'AUTH_METRICS_PORT', schema: int(0, 65535).optional(), doc: 'Serve `/metrics` on this separate port instead of the service port, so that the port an ingress exposes never shows it (0 picks a free port).' },
  corsOrigins: { env: 'AUTH_CORS_ORIGINS', schema: origins.default([]), devDefault: 'http://localhost:8200,http://127.0.0.1:8200', doc: 'Comma list of exact browser origins allowed by CORS; empty sends no CORS headers.' },
  demoPage: { env: 'AUTH_DEMO_PAGE', schema: bool.default(false), doc: 'Serve the wallet sign-in demo page at `/`.' },

  // --- Keys ------------------------------------------------------------------------------------
  keysDir: { env: 'AUTH_KEYS_DIR', schema: optionalString, doc: 'Directory of PEM keys (the mounted Secret): `active.pem` signs, `next.pem` and other `*.pem` are published. Unset: a key is generated into `AUTH_DATA_DIR` (development only).' },
  dataDir: { env: 'AUTH_DATA_DIR', schema: z.string().min(1).default('.data'), doc: 'Where the embedded default keeps its generated key.' },
  keysReloadIntervalSeconds: { env: 'AUTH_KEYS_RELOAD_INTERVAL_SECONDS', schema: int(1, 3600).default(10), doc: 'Safety-net re-check of the key directory, in seconds (file events on symlink swaps are unreliable).' },
  jwksMaxAgeSeconds: { env: 'AUTH_JWKS_MAX_AGE_SECONDS', schema: int(0, 86400).default(300), doc: '`Cache-Control: max-age` of the JWKS. Key rotation waits at least this long between publishing and promoting a key.' },

  // --- Redis -----------------------------------------------------------------------------------
  redisUrl: { env: 'REDIS_URL', schema: optionalString, doc: 'Redis URL (`redis://` or `rediss://`). Unset: in-memory stores (development only).' },
  redisKeyPrefix: { env: 'REDIS_KEY_PREFIX', schema: z.string().min(1).max(64).default('pico-auth:'), doc: 'Prefix of every Redis key this service writes.' },
  redisSentinels: { env: 'REDIS_SENTINELS', schema: hostPortList.optional(), doc: 'Comma list of Sentinel `host:port`; with it, `REDIS_URL` gives credentials and db only.' },
  redisSentinelName: { env: 'REDIS_SENTINEL_NAME', schema: z.string().min(1).default('mymaster'), doc: 'Sentinel master group name.' },
  redisSentinelPassword: { env: 'REDIS_SENTINEL_PASSWORD', schema: optionalString, doc: 'Password of the Sentinels themselves, if any.' },
  redisClusterNodes: { env: 'REDIS_CLUSTER_NODES', schema: hostPortList.optional(), doc: 'Comma list of Redis Cluster seed `host:port`; with it, `REDIS_URL` gives credentials only.' },
  redisCommandTimeoutMs: { env: 'REDIS_COMMAND_TIMEOUT_MS', schema: int(50, 10000).default(500), doc: 'A Redis command that takes longer fails, and the request answers 503. A rate-limit check waits a fifth of it (at least 100 ms) before the per-process fallback limiter decides.' },

  // --- Sign-In with Ethereum -------------------------------------------------------------------
  siweDomains: { env: 'AUTH_SIWE_DOMAINS', schema: list.default([]), devDefault: 'localhost:8200,127.0.0.1:8200', doc: 'Comma list of domains (host[:port]) accepted in EIP-4361 and Sign-In With X (CAIP-122) messages; both are refused while empty.' },
  siweChainIds: { env: 'AUTH_SIWE_CHAIN_IDS', schema: z.union([z.array(z.union([z.number(), z.string()])), z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))]).transform((xs) => xs.map(Number)).pipe(z.array(z.number().int().positive())).default([]), doc: 'Comma list of accepted EIP-155 chain ids; empty accepts any.' },
  siweMaxClockSkewSeconds: { env: 'AUTH_SIWE_MAX_CLOCK_SKEW_SECONDS', schema: int(0, 600).default(60), doc: 'Clock skew tolerated on `expirationTime`, `notBefore` and `issuedAt`.' },
  requireDomainBinding: { env: 'AUTH_REQUIRE_DOMAIN_BINDING', schema: bool.default(false), doc: 'Require a domain-bound sign-in: EIP-4361, or the Sign-In With X message (CAIP-122) for Ed25519, secp256k1 and ML-DSA-65; bare 64-hex challenges (and EIP-191) get 400 `domain_binding_required`. Needs `AUTH_SIWE_DOMAINS`.' },

  // --- Admin bootstrap login -------------------------------------------------------------------
  adminEmail: { env: 'AUTH_ADMIN_EMAIL', schema: z.string().email().optional(), doc: 'Admin login e-mail; with `AUTH_ADMIN_PASSWORD_HASH`, enables `POST /login`.' },
  adminPasswordHash: { env: 'AUTH_ADMIN_PASSWORD_HASH', schema: z.string().min(1).refine(isPasswordHash, 'not a hash string this service can verify; make one with `pico-auth hash-password`').optional(), doc: 'scrypt hash string made by `pico-auth hash-password`.' },
  adminRole: { env: 'AUTH_ADMIN_ROLE', schema: z.string().min(1).default('operator'), doc: 'Role claim of the admin login.' },

  // --- Service tokens (fleet sessions) ---------------------------------------------------------
  fleetSecret: { env: 'AUTH_FLEET_SECRET', schema: z.string().min(16).optional(), doc: 'Shared secret for `POST /fleet/sessions` (`X-Fleet-Secret`), 16+ characters; unset: the endpoint is 404.' },
  fleetRoles: { env: 'AUTH_FLEET_ROLES', schema: list.default(['agent']), doc: 'Roles a service token may carry.' },
  fleetMaxTtlSeconds: { env: 'AUTH_FLEET_MAX_TTL_SECONDS', schema: int(60, 31536000).default(86400), doc: 'Longest service-token lifetime, in seconds.' },

  // --- Rate limits (requests per window, per key) ----------------------------------------------
  rateLimitWindowSeconds: { env: 'AUTH_RATE_LIMIT_WINDOW_SECONDS', schema: int(1, 3600).default(60), doc: 'Window of every rate limit, in seconds.' },
  rateLimitChallengePerIp: { env: 'AUTH_RATE_LIMIT_CHALLENGE_PER_IP', schema: int(0).default(120), doc: '`/challenge` requests per IP per window (0 disables).' },
  rateLimitChallengePerAddress: { env: 'AUTH_RATE_LIMIT_CHALLENGE_PER_ADDRESS', schema: int(0).default(30), doc: '`/challenge` requests per address and client per window (0 disables); counted per client, so requests for a victim\'s address from other clients never lock the victim out.' },
  rateLimitSignInPerIp: { env: 'AUTH_RATE_LIMIT_SIGN_IN_PER_IP', schema: int(0).default(120), doc: '`/sign-in` requests per IP per window (0 disables).' },
  rateLimitLoginPerIp: { env: 'AUTH_RATE_LIMIT_LOGIN_PER_IP', schema: int(0).default(10), doc: '`/login` attempts per IP per window (0 disables).' },
  rateLimitLoginPerEmail: { env: 'AUTH_RATE_LIMIT_LOGIN_PER_EMAIL', schema: int(0).default(5), doc: '`/login` attempts per e-mail and client per window (0 disables); counted per client, so wrong passwords from elsewhere never lock the real admin out.' },
  loginSlowdownAfter: { env: 'AUTH_LOGIN_SLOWDOWN_AFTER', schema: int(0).default(5), doc: '`/login` attempts per e-mail per window, from all clients together, answered without delay; each further one waits 500 ms more, up to `AUTH_LOGIN_SLOWDOWN_MAX_MS` (0 disables).' },
  loginSlowdownMaxMs: { env: 'AUTH_LOGIN_SLOWDOWN_MAX_MS', schema: int(0, 30000).default(5000), doc: 'Longest delay of a slowed-down `/login` attempt, in milliseconds.' },
  rateLimitRefreshPerIp: { env: 'AUTH_RATE_LIMIT_REFRESH_PER_IP', schema: int(0).default(120), doc: '`/refresh` requests per IP per window (0 disables).' },
  rateLimitIpv6PrefixLength: { env: 'AUTH_RATE_LIMIT_IPV6_PREFIX_LENGTH', schema: int(1, 128).default(64), doc: 'IPv6 clients are counted by network of this prefix length (a subscriber usually holds a whole /64); IPv4 clients by address.' },
  rateLimitFleetPerIp: { env: 'AUTH_RATE_LIMIT_FLEET_PER_IP', schema: int(0).default(60), doc: '`/fleet/sessions` requests per IP per window (0 disables).' },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;
