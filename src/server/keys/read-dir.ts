import { readdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';

/** How many times a plain folder is re-read when a listed file vanished before it was read. */
const ATTEMPTS = 5;

/**
 * Reads every `*.pem` of a key directory. When the directory is a kubelet Secret mount, the files
 * are symlinks through `..data`, which the kubelet swaps atomically on update: resolving `..data`
 * once and reading from its target keeps one read consistent (never old active + new next). A
 * plain folder (`pico-auth keys rotate --dir`, or a hand edit) changes file by file: a file that
 * was listed but is gone when read means a rename is in progress, so the whole read starts again.
 */
export async function readKeyDirectory(dir: string): Promise<Map<string, string>> {
  let base = dir;
  try {
    base = await realpath(join(dir, '..data'));
  } catch {
    // Not a kubelet mount: read the directory itself.
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const names = (await readdir(base)).filter((n) => n.endsWith('.pem') && !n.startsWith('.')).sort();
      const files = new Map<string, string>();
      for (const name of names) files.set(name, await readFile(join(base, name), 'utf8'));
      return files;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= ATTEMPTS || base !== dir) throw err;
    }
  }
}
