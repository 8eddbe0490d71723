import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A key directory laid out the way the kubelet mounts a Secret: the payload lives in a timestamped
 * `..<ts>` directory, `..data` is a symlink to it, and each visible `name.pem` is a symlink to
 * `..data/name.pem`. An update writes a new timestamped directory, points a temporary symlink at it
 * and renames that over `..data` (one atomic step), then adds/removes the visible links and deletes
 * the old payload, in the kubelet's order (pkg/volume/util/atomic_writer.go).
 */
export class KubeletKeyDir {
  readonly dir: string;
  #generation = 0;

  constructor(files: ReadonlyMap<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), 'pico-cluster-keys-'));
    this.write(files);
  }

  /** Replaces the whole payload atomically (what `kubectl apply` of the Secret leads to). */
  write(files: ReadonlyMap<string, string>): void {
    const previous = this.#currentPayload();
    const payload = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${++this.#generation}`;
    mkdirSync(join(this.dir, payload), { mode: 0o755 });
    for (const [name, pem] of files) writeFileSync(join(this.dir, payload, name), pem, { mode: 0o600 });
    const tmp = join(this.dir, '..data_tmp');
    rmSync(tmp, { force: true });
    symlinkSync(payload, tmp);
    renameSync(tmp, join(this.dir, '..data'));
    const visible = new Set(readdirSync(this.dir).filter((n) => !n.startsWith('..')));
    for (const name of files.keys()) if (!visible.has(name)) symlinkSync(join('..data', name), join(this.dir, name));
    for (const name of visible) if (!files.has(name)) rmSync(join(this.dir, name), { force: true });
    if (previous) rmSync(join(this.dir, previous), { recursive: true, force: true });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #currentPayload(): string | undefined {
    try {
      return readlinkSync(join(this.dir, '..data'));
    } catch {
      return undefined;
    }
  }
}
