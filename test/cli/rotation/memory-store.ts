import { ConflictError, type KeySecret, type SecretChange, type SecretStore } from '../../../src/cli/k8s/types.js';

/**
 * An in-memory key Secret with the API server's optimistic-concurrency rule: an update names the
 * resourceVersion it was planned on and fails with ConflictError if the Secret moved since.
 * `beforeUpdate` lets a test slip a concurrent writer in between a read and a write.
 */
export class MemorySecretStore implements SecretStore {
  readonly ref = 'Secret test/keys';
  secret: KeySecret | null = null;
  version = 0;
  updates = 0;
  beforeUpdate?: () => Promise<void> | void;

  async read(): Promise<KeySecret | null> {
    if (!this.secret) return null;
    return { ...this.secret, files: new Map(this.secret.files), annotations: { ...this.secret.annotations } };
  }

  async create(files: Map<string, string>, annotations: Record<string, string>): Promise<'created' | 'exists'> {
    if (this.secret) return 'exists';
    this.secret = { name: 'keys', namespace: 'test', resourceVersion: String(++this.version), files: new Map(files), annotations: { ...annotations } };
    return 'created';
  }

  async update(change: SecretChange, resourceVersion: string): Promise<void> {
    const hook = this.beforeUpdate;
    this.beforeUpdate = undefined;
    await hook?.();
    if (!this.secret) throw new Error('no secret');
    if (this.secret.resourceVersion !== resourceVersion) throw new ConflictError(this.ref);
    for (const [k, v] of change.set ?? []) this.secret.files.set(k, v);
    for (const k of change.remove ?? []) this.secret.files.delete(k);
    for (const [k, v] of Object.entries(change.annotations ?? {})) {
      if (v === null) delete this.secret.annotations[k];
      else this.secret.annotations[k] = v;
    }
    this.secret.resourceVersion = String(++this.version);
    this.updates++;
  }
}
