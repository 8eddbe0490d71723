import { readFileSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { ConflictError, KubernetesApiError, type KeySecret, type SecretChange, type SecretStore } from './types.js';

const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface KubeTarget {
  /** Path of a kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount. */
  kubeconfig?: string;
  /** kubeconfig context to use instead of the current one. */
  context?: string;
  /** Namespace; default: the context's, then the pod's own (in-cluster), then `default`. */
  namespace?: string;
}

/** Loads credentials the way kubectl does, falling back to the pod's ServiceAccount in a cluster. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const kc = new KubeConfig();
  if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
  else kc.loadFromDefault();
  if (target.context) kc.setCurrentContext(target.context);
  return kc;
}

export function resolveNamespace(kc: KubeConfig, target: KubeTarget): string {
  if (target.namespace) return target.namespace;
  const fromContext = kc.getContextObject(kc.getCurrentContext())?.namespace;
  if (fromContext) return fromContext;
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

function decode(secret: V1Secret): Map<string, string> {
  const files = new Map<string, string>();
  for (const [k, v] of Object.entries(secret.data ?? {})) files.set(k, Buffer.from(v, 'base64').toString('utf8'));
  // stringData never comes back from the server, but a hand-made object may carry it.
  for (const [k, v] of Object.entries(secret.stringData ?? {})) files.set(k, v);
  return files;
}

/** Turns client errors into ours, keeping the API server's own message (it says which permission is missing). */
function translate(err: unknown, ref: string): Error {
  if (err instanceof ApiException) {
    const body = err.body as { message?: string } | string | undefined;
    const detail = typeof body === 'string' ? safeMessage(body) : body?.message;
    if (err.code === 409) return new ConflictError(ref);
    return new KubernetesApiError(err.code, `${ref}: HTTP ${err.code}${detail ? `: ${detail}` : ''}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

function safeMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message;
  } catch {
    return body.slice(0, 300) || undefined;
  }
}

/**
 * The key Secret on a Kubernetes API server: get, create and JSON-merge-patch of ONE Secret by
 * name (exactly what the rotation Role grants). Patches carry metadata.resourceVersion, so the API
 * server rejects one that was planned on a stale read with 409.
 */
export class KubernetesSecretStore implements SecretStore {
  readonly ref: string;
  readonly #api: CoreV1Api;

  constructor(
    api: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.#api = api;
    this.ref = `Secret ${namespace}/${name}`;
  }

  static fromKubeConfig(kc: KubeConfig, namespace: string, name: string): KubernetesSecretStore {
    return new KubernetesSecretStore(kc.makeApiClient(CoreV1Api), namespace, name);
  }

  async read(): Promise<KeySecret | null> {
    let secret: V1Secret;
    try {
      secret = await this.#api.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return null;
      throw translate(err, this.ref);
    }
    return {
      name: this.name,
      namespace: this.namespace,
      resourceVersion: secret.metadata?.resourceVersion ?? '',
      files: decode(secret),
      annotations: { ...(secret.metadata?.annotations ?? {}) },
    };
  }

  async create(files: Map<string, string>, annotations: Record<string, string>, labels: Record<string, string>): Promise<'created' | 'exists'> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, annotations, labels },
      type: 'Opaque',
      data: Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
    };
    try {
      await this.#api.createNamespacedSecret({ namespace: this.namespace, body });
      return 'created';
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return 'exists';
      throw translate(err, this.ref);
    }
  }

  async update(change: SecretChange, resourceVersion: string): Promise<void> {
    // RFC 7386 merge patch: null removes a key. resourceVersion makes it conditional.
    const data: Record<string, string | null> = {};
    for (const [k, v] of change.set ?? []) data[k] = Buffer.from(v, 'utf8').toString('base64');
    for (const k of change.remove ?? []) data[k] = null;
    const body = {
      metadata: { resourceVersion, ...(change.annotations ? { annotations: change.annotations } : {}) },
      ...(Object.keys(data).length ? { data } : {}),
    };
    try {
      await this.#api.patchNamespacedSecret(
        { name: this.name, namespace: this.namespace, body, fieldManager: 'pico-auth-keys' },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      throw translate(err, this.ref);
    }
  }
}
