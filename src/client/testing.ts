/**
 * Test helpers for services that use pico-server-auth/client: make a keypair, serve a JWKS (and a
 * revoked-jtis endpoint) on 127.0.0.1, mint tokens with chosen claims. For tests only: keys live
 * in memory and the server speaks plain http on loopback.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { PACKED_REVOCATIONS_TYPE, packRevocations } from './packed-revocations.js';
import type { AuthClientOptions } from './options.js';

export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKeyPair {
  alg: TestAlgorithm;
  /** RFC 7638 thumbprint, as the auth service names its keys. */
  kid: string;
  privateKey: CryptoKeyLike;
  /** The public JWK with `kid`, `alg` and `use: "sig"`, as published in a JWKS. */
  publicJwk: JWK;
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A fresh keypair for `alg` (default RS256). */
export async function createTestKeyPair(alg: TestAlgorithm = 'RS256'): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export interface MintOptions {
  /** Lifetime from now, seconds. @default 300 */
  expiresInSeconds?: number;
  /** Header fields to add or override (e.g. a different `kid`). */
  header?: Record<string, unknown>;
}

/**
 * Signs a token with `key`. Defaults `iat`/`nbf` (now), `exp` (now + expiresInSeconds), `jti`
 * (random UUID), `sub` (`test-subject`), `role` (`wallet`); `claims` override them, and a claim set
 * to `undefined` is left out.
 */
export async function mintToken(key: TestKeyPair, claims: Record<string, unknown>, options: MintOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: 'test-subject',
    role: 'wallet',
    iat: now,
    nbf: now,
    exp: now + (options.expiresInSeconds ?? 300),
    jti: randomUUID(),
    ...claims,
  };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header })
    .sign(key.privateKey);
}

const positionOf = (r: RevokedEntry) => `${r.revoked_at}:${r.jti}`;

export interface RevokedEntry {
  jti: string;
  revoked_at: number;
  exp: number;
}

export interface JwksServerOptions {
  keys: Array<TestKeyPair | JWK>;
  /** `Cache-Control: public, max-age=N` on the JWKS. @default 60 */
  maxAgeSeconds?: number;
  /** When set, `revoked-jtis` requires `Authorization: Bearer <this>`. */
  revocationBearer?: string;
  /**
   * `revoked-jtis` pages: at most this many records per page when the client sends `?limit=`
   * (with `next_cursor`, like the auth service); `false` ignores `limit` and answers the whole
   * list, like the reference's server. @default the client's limit
   */
  revocationPageSize?: number | false;
  /**
   * Answer a paged request whose `Accept` asks for it in the packed form, as the auth service
   * does (docs/contract.md); `false` answers plain JSON only, like an older service. @default true
   */
  revocationPacked?: boolean;
}

export interface JwksServer {
  /** Origin, e.g. `http://127.0.0.1:41234`: usable as the issuer. */
  url: string;
  /** `<url>/api/v1/auth/jwks` */
  jwksUrl: string;
  /** `<url>/api/v1/auth/revoked-jtis` */
  revocationUrl: string;
  /** Requests received so far, per endpoint. */
  readonly requests: { jwks: number; revocation: number; /** of them answered in the packed form */ revocationPacked: number };
  /** Replaces the published keys. */
  setKeys(keys: Array<TestKeyPair | JWK>): void;
  /** `up` serves; `error` answers 503; `hang` never answers (for timeouts). Applies to both endpoints. */
  setMode(mode: 'up' | 'error' | 'hang'): void;
  /** Adds a revocation. */
  revoke(jti: string, exp: number): void;
  close(): Promise<void>;
}

/** Serves a JWKS (with max-age and ETag, like the auth service) and a revoked-jtis list on 127.0.0.1. */
export async function startJwksServer(options: JwksServerOptions): Promise<JwksServer> {
  let keys = options.keys;
  let mode: 'up' | 'error' | 'hang' = 'up';
  const revoked: RevokedEntry[] = [];
  const requests = { jwks: 0, revocation: 0, revocationPacked: 0 };
  const hanging = new Set<ServerResponse>();
  const toJwk = (k: TestKeyPair | JWK): JWK => ('publicJwk' in k ? (k as TestKeyPair).publicJwk : (k as JWK));

  // The ETag is the digest of what the answer depends on: for a page, the whole list (a change on a
  // later page must move the first page's ETag too, as the auth service's list version does).
  const send = (req: IncomingMessage, res: ServerResponse, body: unknown, cacheControl: string, version: unknown = body, type = 'application/json') => {
    const text = JSON.stringify(body);
    const etag = `"${createHash('sha256').update(JSON.stringify(version)).digest('base64url')}"`;
    res.setHeader('Cache-Control', cacheControl);
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': type }).end(text);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isJwks = url.pathname === '/api/v1/auth/jwks';
    const isRevocation = url.pathname === '/api/v1/auth/revoked-jtis';
    if (isJwks) requests.jwks += 1;
    if (isRevocation) requests.revocation += 1;
    if (!isJwks && !isRevocation) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found.","error":"not_found"}');
    if (mode === 'hang') return void hanging.add(res);
    if (mode === 'error') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"Down.","error":"service_unavailable"}');
    if (isJwks) return send(req, res, { keys: keys.map(toJwk) }, `public, max-age=${options.maxAgeSeconds ?? 60}`);
    if (options.revocationBearer !== undefined && req.headers.authorization !== `Bearer ${options.revocationBearer}`) {
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"Bearer required.","error":"missing_token"}');
    }
    const since = Number(url.searchParams.get('since') ?? '0');
    const live = revoked.filter((r) => r.revoked_at >= since);
    const limit = url.searchParams.get('limit');
    if (limit === null || options.revocationPageSize === false) return send(req, res, { items: live }, 'no-store');
    // Pages in the order entries were added (revocation time); the cursor is the last index sent.
    const cursor = url.searchParams.get('cursor');
    const start = cursor === null ? 0 : live.findIndex((r) => positionOf(r) === Buffer.from(cursor, 'base64url').toString()) + 1;
    const size = Math.min(Number(limit), options.revocationPageSize ?? Infinity);
    const items = live.slice(start, start + size);
    const more = start + size < live.length;
    const next = more ? Buffer.from(positionOf(items[items.length - 1]!)).toString('base64url') : null;
    // Packed when asked for (a plain substring test: this is a test server, not a negotiator).
    if (options.revocationPacked !== false && (req.headers.accept ?? '').includes(PACKED_REVOCATIONS_TYPE)) {
      requests.revocationPacked += 1;
      const { packed, plain } = packRevocations(items.map((i) => ({ ...i, revokedAt: i.revoked_at })));
      const body = { packed: packed.toString('base64'), items: plain.map(({ jti, revoked_at, exp }) => ({ jti, revoked_at, exp })), next_cursor: next, remaining: live.length - start };
      return send(req, res, body, 'no-store', live, PACKED_REVOCATIONS_TYPE);
    }
    send(req, res, { items, next_cursor: next, remaining: live.length - start }, 'no-store', live);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    jwksUrl: `${origin}/api/v1/auth/jwks`,
    revocationUrl: `${origin}/api/v1/auth/revoked-jtis`,
    requests,
    setKeys: (next) => void (keys = next),
    setMode: (next) => void (mode = next),
    revoke: (jti, exp) => void revoked.push({ jti, exp, revoked_at: Math.floor(Date.now() / 1000) }),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestIssuer {
  key: TestKeyPair;
  server: JwksServer;
  issuer: string;
  audience: string;
  /** Mints a token from this issuer for this audience; `claims` override the defaults. */
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
  /** Options for `createAuthClient` pointing at this issuer. */
  clientOptions(extra?: Partial<AuthClientOptions>): AuthClientOptions;
  close(): Promise<void>;
}

/** A keypair, a local JWKS server and a minting function in one: the usual test setup. */
export async function createTestIssuer(
  options: { audience?: string; alg?: TestAlgorithm; maxAgeSeconds?: number; revocationBearer?: string; revocationPageSize?: number | false; revocationPacked?: boolean } = {},
): Promise<TestIssuer> {
  const key = await createTestKeyPair(options.alg);
  const { maxAgeSeconds, revocationBearer, revocationPageSize, revocationPacked } = options;
  const server = await startJwksServer({ keys: [key], maxAgeSeconds, revocationBearer, revocationPageSize, revocationPacked });
  const audience = options.audience ?? 'test-api';
  return {
    key,
    server,
    issuer: server.url,
    audience,
    mint: (claims = {}, mintOptions) => mintToken(key, { iss: server.url, aud: audience, ...claims }, mintOptions),
    clientOptions: (extra = {}) => ({ issuer: server.url, audience, jwksUrl: server.jwksUrl, ...extra }),
    close: () => server.close(),
  };
}
