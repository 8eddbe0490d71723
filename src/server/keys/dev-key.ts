import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKeyPem } from './generate.js';

/**
 * The embedded default for development: a key generated once into `<dataDir>/keys/active.pem` and
 * reused on the next start (so restarts keep tokens valid). Never used in production: one key per
 * process breaks every multi-replica deployment. Returns the key directory.
 */
export function ensureDevKeyDirectory(dataDir: string): { dir: string; created: boolean } {
  const dir = resolve(dataDir, 'keys');
  const file = join(dir, 'active.pem');
  if (existsSync(file)) return { dir, created: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, generateKeyPem('RS256'), { mode: 0o600, flag: 'wx' });
  return { dir, created: true };
}
