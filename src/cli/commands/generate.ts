import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPem, parseKeyEntry, type SigningAlgorithm } from '../../server/keys/index.js';
import { ACTIVE, NEXT } from '../rotation/plan.js';

export interface GenerateOptions {
  dir: string;
  alg: SigningAlgorithm;
  /** Write next.pem (the first step of a manual rotation) instead of active.pem. */
  next?: boolean;
  /** Replace an existing file. */
  force?: boolean;
}

/**
 * Writes a fresh key into a local key directory in the contract's layout (AUTH_KEYS_DIR, or the
 * files of a Secret made with `kubectl create secret generic --from-file`). Refuses to replace a
 * key unless forced: replacing active.pem out of turn invalidates every token it signed.
 */
export async function generateKeyFile(options: GenerateOptions): Promise<{ file: string; kid: string }> {
  const name = options.next ? NEXT : ACTIVE;
  const pem = generateKeyPem(options.alg);
  const { kid } = await parseKeyEntry(name, pem, options.next ? 'next' : 'active');
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, name);
  try {
    await writeFile(file, pem, { mode: 0o600, flag: options.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${file} already exists; pass --force to replace it`);
    throw err;
  }
  return { file, kid };
}
