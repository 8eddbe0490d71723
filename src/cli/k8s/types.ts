/**
 * What the key commands need from Kubernetes: one Secret, read, created and patched. The rotation
 * runner is written against this interface, so its tests use an in-memory store with the same
 * optimistic-concurrency contract as the API server.
 */

/** The key Secret as the CLI sees it: decoded data, annotations, and the version it was read at. */
export interface KeySecret {
  name: string;
  namespace: string;
  /** metadata.resourceVersion: a patch carrying it fails with ConflictError if the Secret changed since. */
  resourceVersion: string;
  /** Every data key, decoded as UTF-8 (PEM files are text). */
  files: Map<string, string>;
  annotations: Record<string, string>;
}

/** One atomic change to the Secret. */
export interface SecretChange {
  /** Data keys to add or replace. */
  set?: Map<string, string>;
  /** Data keys to remove. */
  remove?: string[];
  /** Annotations to set (string) or remove (null). */
  annotations?: Record<string, string | null>;
}

export interface SecretStore {
  /** Namespace/name, for messages. */
  readonly ref: string;
  /** The Secret, or null when it does not exist. */
  read(): Promise<KeySecret | null>;
  /** Creates the Secret; 'exists' (and no change) when it already exists. */
  create(files: Map<string, string>, annotations: Record<string, string>, labels: Record<string, string>): Promise<'created' | 'exists'>;
  /**
   * Applies `change` only if the Secret is still at `resourceVersion`; otherwise throws
   * ConflictError and changes nothing. Two concurrent writers can therefore never both apply.
   */
  update(change: SecretChange, resourceVersion: string): Promise<void>;
}

/** The Secret changed between read and write (HTTP 409 from the API server). */
export class ConflictError extends Error {
  readonly code = 'conflict';
  constructor(ref: string) {
    super(`${ref} changed while this command was working on it`);
    this.name = 'ConflictError';
  }
}

/** A Kubernetes API failure other than a conflict, with the HTTP status and the server's message. */
export class KubernetesApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'KubernetesApiError';
    this.status = status;
    this.code = status === 404 ? 'not_found' : status === 403 ? 'forbidden' : status === 401 ? 'unauthorized' : 'kubernetes_api_error';
  }
}
