import { AuthClientConfigError } from './errors.js';

/** Algorithms the auth service can issue; the default allowlist. */
export const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
/**
 * Every algorithm a downstream service may accept: asymmetric only. `none` and HS* are refused at
 * creation: a public JWKS key must never be usable as an HMAC secret.
 */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** A bearer for the revocation endpoint: fixed, or fetched per poll (so it can rotate). */
export type BearerSource = string | (() => string | Promise<string>);

export interface JwksOptions {
  /** Fetch timeout, seconds. @default 5 */
  timeoutSeconds?: number;
  /** After a successful fetch, an unknown `kid` triggers no new fetch for this long, seconds. @default 30 */
  cooldownSeconds?: number;
  /** How long keys stay fresh when the response has no `Cache-Control: max-age`, seconds. @default 300 */
  defaultMaxAgeSeconds?: number;
  /** The server's max-age is clamped to [min, max], seconds. @default 5 and 3600 */
  minMaxAgeSeconds?: number;
  maxMaxAgeSeconds?: number;
  /** How long past their freshness the last good keys keep verifying while refreshes fail, seconds. @default 3600 */
  staleIfErrorSeconds?: number;
  /** After a failed fetch, no new fetch is attempted for this long, seconds (bounds the load on a JWKS that is down). @default 5 */
  failureBackoffSeconds?: number;
}

export interface RevocationOptions {
  /** `GET` endpoint returning `{"items":[{"jti","revoked_at","exp"}]}`. @default `<issuer>/api/v1/auth/revoked-jtis` */
  endpoint?: string;
  /** Access token of role `service` or `operator` for that endpoint. Required. */
  bearer: BearerSource;
  /** Poll interval, and how long a fetched list counts as fresh, seconds. @default 30 */
  ttlSeconds?: number;
  /** Past this age the list is stale: requests are refused with 503 (unless `failOpen`), seconds. @default 3 × ttlSeconds */
  maxStaleSeconds?: number;
  /** Accept tokens while the list is stale or was never loaded (not recommended). @default false */
  failOpen?: boolean;
  /** Fetch timeout, seconds. @default 5 */
  timeoutSeconds?: number;
}

export interface AuthClientOptions {
  /** Expected `iss`, exactly as the auth service issues it (e.g. `https://auth.example.com`). */
  issuer: string;
  /** Expected `aud`: one value, or several of which the token must name one. */
  audience: string | string[];
  /** @default `<issuer>/api/v1/auth/jwks` */
  jwksUrl?: string;
  /** Allowlist of JWS algorithms. @default ['RS256', 'ES256', 'EdDSA'] */
  acceptedAlgorithms?: string[];
  /** Leeway for `exp`, `nbf` and `iat`, seconds. @default 30 */
  clockToleranceSeconds?: number;
  /** Allow `http:` JWKS / revocation URLs to hosts other than localhost. @default false */
  allowInsecureHttp?: boolean;
  jwks?: JwksOptions;
  /** Revocation polling; off when absent. */
  revocation?: RevocationOptions;
  /** Verified-token cache; `false` turns it off. @default { maxEntries: 10000 } */
  tokenCache?: { maxEntries?: number } | false;
  /** Prometheus metrics, registered on this prom-client `Registry` (prom-client is loaded only then). */
  metrics?: { registry: unknown };
  /** Longer bearer strings are refused before any work, bytes. @default 8192 */
  maxTokenLength?: number;
}

export interface ResolvedOptions {
  issuer: string;
  audience: string[];
  jwksUrl: URL;
  algorithms: string[];
  clockToleranceSeconds: number;
  jwks: Required<JwksOptions>;
  revocation: (Required<Omit<RevocationOptions, 'endpoint'>> & { endpoint: URL }) | undefined;
  tokenCacheMax: number;
  metricsRegistry: unknown;
  maxTokenLength: number;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Checks every option once and fills defaults; throws `AuthClientConfigError` listing every problem. */
export function resolveOptions(options: AuthClientOptions): ResolvedOptions {
  const issues: string[] = [];
  if (options === null || typeof options !== 'object') throw new AuthClientConfigError(['options must be an object']);
  const issuer = typeof options.issuer === 'string' && options.issuer.trim() !== '' ? options.issuer : (issues.push('issuer must be a non-empty string'), '');
  const audience = (Array.isArray(options.audience) ? options.audience : [options.audience]).filter((a): a is string => typeof a === 'string' && a !== '');
  if (audience.length === 0) issues.push('audience must be a non-empty string or array of strings');

  const insecureOk = options.allowInsecureHttp === true;
  const url = (name: string, value: string | undefined, fallbackPath: string): URL => {
    const raw = value ?? (issuer ? issuer.replace(/\/+$/, '') + fallbackPath : '');
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      issues.push(`${name} must be an absolute URL (got ${JSON.stringify(raw)}${value === undefined ? ', derived from issuer' : ''})`);
      return new URL('https://invalid.invalid/');
    }
    if (parsed.protocol === 'http:' && !LOOPBACK.has(parsed.hostname) && !insecureOk) {
      issues.push(`${name} uses plain http to a non-local host; use https or set allowInsecureHttp`);
    } else if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      issues.push(`${name} must be an http(s) URL`);
    }
    return parsed;
  };
  const jwksUrl = url('jwksUrl', options.jwksUrl, '/api/v1/auth/jwks');

  const algorithms = options.acceptedAlgorithms ?? [...DEFAULT_ALGORITHMS];
  if (!Array.isArray(algorithms) || algorithms.length === 0) issues.push('acceptedAlgorithms must be a non-empty array');
  else for (const alg of algorithms) {
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      issues.push(`acceptedAlgorithms: ${JSON.stringify(alg)} is not allowed (asymmetric only: ${SUPPORTED_ALGORITHMS.join(', ')})`);
    }
  }

  const num = (name: string, value: unknown, fallback: number, min: number, integer = false): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      issues.push(`${name} must be a ${integer ? 'whole ' : ''}number >= ${min}`);
      return fallback;
    }
    return value;
  };
  const j = options.jwks ?? {};
  const jwks: Required<JwksOptions> = {
    timeoutSeconds: num('jwks.timeoutSeconds', j.timeoutSeconds, 5, 0.001),
    cooldownSeconds: num('jwks.cooldownSeconds', j.cooldownSeconds, 30, 0),
    defaultMaxAgeSeconds: num('jwks.defaultMaxAgeSeconds', j.defaultMaxAgeSeconds, 300, 0),
    minMaxAgeSeconds: num('jwks.minMaxAgeSeconds', j.minMaxAgeSeconds, 5, 0),
    maxMaxAgeSeconds: num('jwks.maxMaxAgeSeconds', j.maxMaxAgeSeconds, 3600, 0),
    staleIfErrorSeconds: num('jwks.staleIfErrorSeconds', j.staleIfErrorSeconds, 3600, 0),
    failureBackoffSeconds: num('jwks.failureBackoffSeconds', j.failureBackoffSeconds, 5, 0),
  };
  if (jwks.minMaxAgeSeconds > jwks.maxMaxAgeSeconds) issues.push('jwks.minMaxAgeSeconds must not exceed jwks.maxMaxAgeSeconds');

  let revocation: ResolvedOptions['revocation'];
  if (options.revocation !== undefined) {
    const r = options.revocation;
    if (typeof r.bearer !== 'function' && (typeof r.bearer !== 'string' || r.bearer === '')) {
      issues.push('revocation.bearer is required (an access token of role service or operator, or a function returning one)');
    }
    const ttlSeconds = num('revocation.ttlSeconds', r.ttlSeconds, 30, 0.01);
    revocation = {
      endpoint: url('revocation.endpoint', r.endpoint, '/api/v1/auth/revoked-jtis'),
      bearer: r.bearer,
      ttlSeconds,
      maxStaleSeconds: num('revocation.maxStaleSeconds', r.maxStaleSeconds, 3 * ttlSeconds, ttlSeconds),
      failOpen: r.failOpen === true,
      timeoutSeconds: num('revocation.timeoutSeconds', r.timeoutSeconds, 5, 0.001),
    };
  }

  const tokenCacheMax = options.tokenCache === false ? 0 : num('tokenCache.maxEntries', options.tokenCache?.maxEntries, 10_000, 1, true);
  const registry = options.metrics?.registry;
  if (options.metrics !== undefined && (registry === null || typeof registry !== 'object' || typeof (registry as { registerMetric?: unknown }).registerMetric !== 'function')) {
    issues.push('metrics.registry must be a prom-client Registry');
  }
  const result: ResolvedOptions = {
    issuer,
    audience,
    jwksUrl,
    algorithms: Array.isArray(algorithms) ? [...algorithms] : [],
    clockToleranceSeconds: num('clockToleranceSeconds', options.clockToleranceSeconds, 30, 0),
    jwks,
    revocation,
    tokenCacheMax,
    metricsRegistry: registry,
    maxTokenLength: num('maxTokenLength', options.maxTokenLength, 8192, 16, true),
  };
  if (issues.length > 0) throw new AuthClientConfigError(issues);
  return result;
}
