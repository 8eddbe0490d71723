import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import type { NodeCluster } from './cluster.js';

/** Polls `check` every `everyMs` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

export const isReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** The pods of one chart component (`app.kubernetes.io/component`), terminating ones included. */
export async function podsOf(cluster: NodeCluster, namespace: string, component: string): Promise<V1Pod[]> {
  const res = await cluster.core().listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/component=${component}` });
  return res.items;
}

/** Waits until exactly `n` pods of the component are Ready and none is terminating; returns them. */
export function readyPods(cluster: NodeCluster, namespace: string, component: string, n: number, timeoutMs = 180_000): Promise<V1Pod[]> {
  return until(`${n} Ready ${component} pods`, timeoutMs, async () => {
    const pods = await podsOf(cluster, namespace, component);
    const ready = pods.filter(isReady);
    return ready.length === n && pods.length === n ? ready : undefined;
  }, 500);
}

export async function serviceUrl(cluster: NodeCluster, namespace: string, name: string): Promise<string> {
  const svc = await cluster.core().readNamespacedService({ namespace, name });
  const ip = svc.spec?.clusterIP;
  const port = svc.spec?.ports?.[0]?.port;
  if (!ip?.startsWith('198.18.')) throw new Error(`Service ${name} has clusterIP ${ip}, outside 198.18.0.0/15`);
  return `http://${ip}:${port}`;
}

/** A (restart count, uid) fingerprint per pod name: equal before and after means no pod restarted or was replaced. */
export function fingerprint(pods: V1Pod[]): Record<string, string> {
  return Object.fromEntries(
    pods.map((p) => [p.metadata!.name!, `${p.metadata!.uid} restarts=${(p.status?.containerStatuses ?? []).map((c) => c.restartCount).join(',')}`]),
  );
}

/** Seconds from a pod's creation to its Ready condition, as the kubelet recorded them. */
export function secondsToReady(p: V1Pod): number {
  const created = new Date(p.metadata!.creationTimestamp!).getTime();
  const ready = (p.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
  return ready ? (new Date(ready).getTime() - created) / 1000 : NaN;
}
