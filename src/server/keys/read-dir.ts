import { readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Reads every `*.pem` of a key directory. When the directory is a kubelet Secret mount, the files
 * are symlinks through `..data`, which the kubelet swaps atomically on update: resolving `..data`
 * once and reading from its target keeps one read consistent (never old active + new next).
 */
export async function readKeyDirectory(dir: string): Promise<Map<string, string>> {
  let base = dir;
  try {
    base = await realpath(join(dir, '..data'));
  } catch {
    // Not a kubelet mount: read the directory itself.
  }
  const names = (await readdir(base)).filter((n) => n.endsWith('.pem') && !n.startsWith('.')).sort();
  const files = new Map<string, string>();
  for (const name of names) files.set(name, await readFile(join(base, name), 'utf8'));
  return files;
}
