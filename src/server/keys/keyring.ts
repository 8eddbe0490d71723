import { systemClock } from '../clock.js';
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { type KeyEntry, KeyParseError, parseKeyEntry } from './key-entry.js';

/**
 * An immutable set of keys read from one version of the key directory, with the JWKS response
 * computed once: the JWKS is the readiness probe and every downstream refresh hits it.
 */
export interface Keyring {
  /** The key that signs. */
  active: KeyEntry;
  /** Every published key: active first, then next, then retired ones by file name. */
  entries: KeyEntry[];
  jwks: { keys: JWK[] };
  /** The exact response bytes of GET /jwks. */
  body: Buffer;
  /** Strong ETag of `body`. */
  etag: string;
  /** SHA-256 (hex, first 16) of the sorted kids: equal on replicas serving the same key set. */
  fingerprint: string;
  /** When this keyring was built (epoch ms). */
  loadedAt: number;
}

/**
 * Builds a keyring from the files of a key directory (name -> PEM). `active.pem` is required;
 * `next.pem` and every other `*.pem` are published. A key present twice (e.g. next == active
 * mid-rotation) is published once, in its most significant state.
 */
export async function buildKeyring(files: Map<string, string>, now = systemClock.now()): Promise<Keyring> {
  const activePem = files.get('active.pem');
  if (activePem === undefined) throw new KeyParseError('active.pem', 'missing: the key directory must contain active.pem');
  const active = await parseKeyEntry('active.pem', activePem, 'active');
  const entries: KeyEntry[] = [active];
  const nextPem = files.get('next.pem');
  if (nextPem !== undefined) entries.push(await parseKeyEntry('next.pem', nextPem, 'next'));
  const retired = [...files.keys()].filter((f) => f !== 'active.pem' && f !== 'next.pem').sort();
  for (const file of retired) entries.push(await parseKeyEntry(file, files.get(file)!, 'retired'));

  const seen = new Set<string>();
  const unique = entries.filter((e) => (seen.has(e.kid) ? false : (seen.add(e.kid), true)));
  const jwks = { keys: unique.map((e) => e.publicJwk) };
  const body = Buffer.from(JSON.stringify(jwks));
  const digest = createHash('sha256').update(body).digest('base64url');
  const fingerprint = createHash('sha256').update(unique.map((e) => e.kid).sort().join(',')).digest('hex').slice(0, 16);
  return { active, entries: unique, jwks, body, etag: `"${digest.slice(0, 27)}"`, fingerprint, loadedAt: now };
}
