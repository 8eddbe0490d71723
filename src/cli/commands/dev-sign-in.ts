import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * `pico-auth dev sign-in`: the wallet sign-in a client does (challenge, Ed25519 signature over it,
 * sign-in), with a throwaway development wallet, against a running service; returns its answer
 * (access and refresh token). For trying the service and for local development only: the wallet's
 * key never leaves this process unless --wallet FILE keeps it for the next run.
 */
export interface DevSignInOptions {
  /** The service's base URL, e.g. http://localhost:8100. */
  url: string;
  /** Keep the wallet's private key in this PEM file (created 0600 if missing) to sign in as the same address again. */
  walletFile?: string;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
}

export interface SignInResult {
  address: string;
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  [key: string]: unknown;
}

export class DevSignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevSignInError';
  }
}

async function loadWallet(file: string | undefined): Promise<{ key: KeyObject; created: boolean }> {
  if (file) {
    try {
      const key = createPrivateKey(await readFile(file, 'utf8'));
      if (key.asymmetricKeyType !== 'ed25519') throw new DevSignInError(`${file} is not an Ed25519 private key`);
      return { key, created: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  if (file) await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return { key: privateKey, created: true };
}

async function post(url: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new DevSignInError(`cannot reach the auth service at ${url} (${cause}): is it running? \`npm start\` serves it on http://localhost:8100; --url URL points elsewhere`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const detail = typeof json.detail === 'string' ? `${json.error ?? ''}: ${json.detail}` : text.slice(0, 200);
    throw new DevSignInError(`POST ${url} answered ${res.status} ${detail}`);
  }
  return json;
}

export async function devSignIn(options: DevSignInOptions): Promise<{ result: SignInResult; walletCreated: boolean }> {
  // Relative to the URL given, so a service behind a path prefix works too.
  const base = new URL('api/v1/auth/', options.url.endsWith('/') ? options.url : `${options.url}/`).href;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { key, created } = await loadWallet(options.walletFile);
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const publicKeyHex = Buffer.from(jwk.x!, 'base64url').toString('hex');
  const { challenge } = await post(`${base}challenge`, { address: publicKeyHex }, timeoutMs);
  if (typeof challenge !== 'string') throw new DevSignInError(`POST ${base}challenge answered without a challenge`);
  const signature = sign(null, Buffer.from(challenge, 'utf8'), key).toString('hex');
  const result = await post(`${base}sign-in`, { algorithm: 'Ed25519', address: publicKeyHex, public_key: publicKeyHex, challenge, signature }, timeoutMs);
  return { result: result as SignInResult, walletCreated: created };
}
