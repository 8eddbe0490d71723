import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createAuthService, type AuthService, type Clock, type ServerAuthSettings } from '../../src/server/index.js';
import { generateKeyPem, type SigningAlgorithm } from '../../src/server/keys/index.js';
import { deleteByPrefix, redisUrl, uniquePrefix } from './redis.js';

/** A key directory with a fresh active key (plain layout; see key-manager tests for the kubelet one). */
export function makeKeyDir(alg: SigningAlgorithm = 'RS256', extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pico-keys-'));
  writeFileSync(join(dir, 'active.pem'), generateKeyPem(alg));
  for (const [name, pem] of Object.entries(extra)) writeFileSync(join(dir, name), pem);
  return dir;
}

export interface RunningService {
  service: AuthService;
  url: string;
  /** `${url}/api/v1/auth` */
  api: string;
  close(): Promise<void>;
}

/**
 * Starts a real service on 127.0.0.1 with a fresh key dir. `store: 'redis'` uses the harness's
 * Redis under a unique prefix (deleted on close). `clock` (a FakeClock) dates everything the service does.
 */
export async function startService(settings: ServerAuthSettings = {}, store: 'memory' | 'redis' = 'memory', options: { clock?: Clock } = {}): Promise<RunningService> {
  const prefix = uniquePrefix('svc');
  const redis = store === 'redis' ? { redisUrl: redisUrl(), redisKeyPrefix: prefix } : {};
  const service = await createAuthService({
    serverAuth: { keysDir: makeKeyDir(), logLevel: 'silent', issuer: 'https://auth.test', audience: 'test-platform', shutdownGraceSeconds: 1, ...redis, ...settings },
    clock: options.clock,
  });
  const { url } = await service.listen(0, '127.0.0.1');
  return {
    service,
    url,
    api: `${url}/api/v1/auth`,
    close: async () => {
      await service.close();
      if (store === 'redis') await deleteByPrefix(redisUrl(), prefix);
    },
  };
}

/** An Ed25519 wallet made with @noble/curves (independent of the node:crypto code under test). */
export function ed25519Wallet() {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  const address = Buffer.from(publicKey).toString('hex');
  return {
    address,
    publicKey: address,
    sign: (challenge: string) => Buffer.from(ed25519.sign(new TextEncoder().encode(challenge), secretKey)).toString('hex'),
    /** The sign-in body for `challenge`. */
    body(challenge: string) {
      return { algorithm: 'Ed25519', address, public_key: address, signature: this.sign(challenge), challenge };
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return readResponse(res);
}

/** Status, headers, raw text and (when it parses) the JSON body of a response. */
export async function readResponse(res: Response) {
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Challenge + sign-in for a fresh (or given) Ed25519 wallet; returns the sign-in response body. */
export async function signIn(api: string, wallet = ed25519Wallet()) {
  const ch = await postJson(`${api}/challenge`, { address: wallet.address });
  if (ch.status !== 200) throw new Error(`challenge failed: ${ch.status} ${ch.text}`);
  const res = await postJson(`${api}/sign-in`, wallet.body(ch.json.challenge));
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  return { ...res.json, wallet } as { access_token: string; refresh_token: string; expires_in: number; address: string; algorithm: string; wallet: ReturnType<typeof ed25519Wallet> };
}
