import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** GET a path of the API server as the given identity; resolves to [status, parsed body]. */
export function getJson(kc: KubeConfig, path: string): Promise<[number, unknown]> {
  return requestJson(kc, 'GET', path);
}

/**
 * A raw JSON request to the API server. Used where client-node's typed models would drop fields
 * they do not model (e.g. `x-kubernetes-int-or-string` in CRD schemas).
 */
export async function requestJson(kc: KubeConfig, method: string, path: string, body?: unknown): Promise<[number, unknown]> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const opts: Parameters<typeof request>[1] = { method, headers, timeout: 10_000 };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolvePromise, reject) => {
    const req = request(url, opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolvePromise([res.statusCode ?? 0, text ? JSON.parse(text) : undefined]);
        } catch (err) {
          reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)} (${String(err)})`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** Every listable resource type the API server serves, from discovery (preferred versions). */
async function listableResources(kc: KubeConfig): Promise<{ base: string; group: string; res: ApiResource }[]> {
  const bases = ['/api/v1'];
  const [, groups] = (await getJson(kc, '/apis')) as [number, { groups: { name: string; preferredVersion: { groupVersion: string } }[] }];
  for (const g of groups.groups) bases.push(`/apis/${g.preferredVersion.groupVersion}`);
  const out: { base: string; group: string; res: ApiResource }[] = [];
  for (const base of bases) {
    const [, list] = (await getJson(kc, base)) as [number, { resources: ApiResource[] }];
    const group = base === '/api/v1' ? '' : (base.split('/')[2] ?? '');
    for (const res of list.resources) {
      if (!res.name.includes('/') && res.verbs.includes('list')) out.push({ base, group, res });
    }
  }
  return out;
}

// Written by the control plane itself while the tests run, not by anything under test.
const NOISE = new Set(['Event', 'Lease', 'Namespace', 'EndpointSlice', 'Endpoints']);

/**
 * Every object in `namespace` plus every cluster-scoped object, as `Kind group ns/name` strings,
 * so that two inventories taken before and after a helm install/uninstall can be compared.
 */
export async function inventory(kc: KubeConfig, namespace: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const { base, group, res } of await listableResources(kc)) {
    if (NOISE.has(res.kind)) continue;
    const path = res.namespaced ? `${base}/namespaces/${namespace}/${res.name}` : `${base}/${res.name}`;
    const [status, body] = await getJson(kc, path);
    if (status !== 200) throw new Error(`list ${path}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    for (const item of (body as { items?: { metadata: { name: string; namespace?: string } }[] }).items ?? []) {
      out.add(`${res.kind} ${group || 'core'} ${item.metadata.namespace ?? ''}/${item.metadata.name}`);
    }
  }
  return out;
}

/** Items in `after` that are not in `before`, sorted. */
export function added(before: Set<string>, after: Set<string>): string[] {
  return [...after].filter((x) => !before.has(x)).sort();
}
