import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir } from '../kube/chart.js';
import { ed25519Wallet, signIn } from '../helpers/service.js';
import { NodeCluster } from './cluster.js';
import { fingerprint, isReady, podsOf, readyPods, secondsToReady, serviceUrl, until } from './workload.js';

/**
 * The chart on a real node (tools/node/up.sh): our image, pods started by a kubelet through
 * containerd and runc, probes run by the kubelet, Services through kube-proxy, names through
 * CoreDNS. One release, in order, like an operator's first day. Traffic goes only to 198.18.0.0/15
 * (node bridge, pods, Services); every load loop is bounded in count and time.
 */
const NS = 'pico';
const RELEASE = 'auth';
const FULL = `${RELEASE}-pico-auth`;
const missing = NodeCluster.missing();
if (missing && process.env.CI) throw new Error(`[node tests] ${missing}; CI must run them`);
if (missing) console.warn(`\n[node tests] SKIPPED: ${missing}\n`);

let cluster: NodeCluster;
let valuesFile = '';
const figures: Record<string, string> = {};

describe.skipIf(!!missing)('the chart on a real node', () => {
  beforeAll(async () => {
    cluster = await NodeCluster.start();
    figures['node boot (up.sh, cold state)'] = `${cluster.bootSeconds.toFixed(1)} s`;
    valuesFile = join(cluster.dir, 'values.yaml');
    const [repo, tag] = cluster.images.app.split(':');
    const [redisRepo, redisTag] = cluster.images.redis.split(':');
    // Our image and Debian's Redis, already in containerd (no registry): IfNotPresent never pulls.
    writeFileSync(
      valuesFile,
      JSON.stringify({
        image: { repository: repo, tag, pullPolicy: 'IfNotPresent' },
        replicaCount: 2,
        // No volume provisioner on the test node: the bundled Redis keeps its append-only file in an emptyDir.
        redis: { bundled: { image: { repository: redisRepo, tag: redisTag, pullPolicy: 'IfNotPresent' }, persistence: { enabled: false } } },
        sample: { enabled: true },
        // Every request of the suite comes from one address (the node, 198.18.0.1): per-IP limits
        // that fit the load loop and the rotation's polling.
        config: {
          jwksMaxAgeSeconds: 5,
          accessTokenExpireMinutes: 5,
          keysReloadIntervalSeconds: 5,
          rateLimits: { challengePerIp: 5000, challengePerAddress: 100, signInPerIp: 5000 },
        },
        // The CronJob's schedule: 12 hours away, so only the test's own Jobs rotate.
        keys: { rotation: { enabled: true, intervalDays: 1, marginSeconds: 5, schedule: `${new Date().getUTCMinutes()} ${(new Date().getUTCHours() + 12) % 24} * * *` } },
      }),
    );
  }, 600_000);

  afterAll(async () => {
    console.log(`[node] figures: ${JSON.stringify(figures, null, 1)}`);
    if (!cluster) return;
    const diffs = await cluster.stop();
    // The host as it was: processes, mounts, bridge, routes, iptables, sysctls, host folders.
    expect(diffs).toEqual([]);
  }, 600_000);

  it('helm install: every pod Ready by the kubelet probing /api/v1/auth/jwks; the key hook Job ran as a pod with its own ServiceAccount', async () => {
    const t0 = Date.now();
    await cluster.core().createNamespace({ body: { metadata: { name: NS } } });
    const install = cluster.helm(['install', RELEASE, chartDir, '-n', NS, '-f', valuesFile, '--wait', '--timeout', '6m']);
    const firstReady = await until('a first Ready auth pod', 360_000, async () => {
      const pods = await podsOf(cluster, NS, 'server');
      return pods.some(isReady) ? Date.now() : undefined;
    }, 250);
    const res = await install;
    expect(res.code, `${res.stderr}\n${cluster.logs()}`).toBe(0);
    figures['helm install to first Ready auth pod'] = `${((firstReady - t0) / 1000).toFixed(1)} s`;
    figures['helm install --wait'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;

    const pods = await readyPods(cluster, NS, 'server', 2);
    for (const p of pods) {
      expect(p.spec?.nodeName).toBe(NodeCluster.NODE);
      const c = p.spec!.containers[0]!;
      expect(c.readinessProbe?.httpGet?.path).toBe('/api/v1/auth/jwks');
      expect(p.status?.containerStatuses?.[0]?.ready).toBe(true);
      expect(p.status?.podIP).toMatch(/^198\.18\.0\./);
      // the pod answers on its own IP what the kubelet probed
      const jwks = await fetch(`http://${p.status!.podIP}:8100/api/v1/auth/jwks`, { signal: AbortSignal.timeout(5000) });
      expect(jwks.status).toBe(200);
    }
    figures['auth pod creation to Ready (kubelet)'] = pods.map((p) => `${secondsToReady(p).toFixed(1)} s`).join(', ');

    // The hook Job ran as a real pod on the node: the scheduler placed it, the kubelet started it,
    // and the Job controller recorded it complete; its ServiceAccount's token wrote the key Secret.
    const events = (await cluster.core().listNamespacedEvent({ namespace: NS })).items;
    const hookPod = events.find((e) => e.involvedObject.kind === 'Pod' && /keys-init/.test(e.involvedObject.name ?? '') && e.reason === 'Scheduled');
    expect(hookPod?.message).toMatch(new RegExp(`to ${NodeCluster.NODE}`));
    expect(events.some((e) => e.involvedObject.kind === 'Job' && /keys-init/.test(e.involvedObject.name ?? '') && e.reason === 'Completed')).toBe(true);
    const secret = await cluster.core().readNamespacedSecret({ namespace: NS, name: `${FULL}-keys` });
    expect(Object.keys(secret.data ?? {})).toEqual(['active.pem']);
  });

  it('the sample pod reaches the auth service by its Service DNS name; a sign-in through the auth Service gives a token the sample accepts', async () => {
    const auth = await serviceUrl(cluster, NS, FULL);
    const sample = await serviceUrl(cluster, NS, `${FULL}-sample`);
    await readyPods(cluster, NS, 'sample', 1);
    // A Ready pod is not yet a programmed Service: wait (bounded) until kube-proxy routes the
    // sample's ClusterIP (a refused connection right after Ready was seen in CI).
    await until('the sample Service answers', 60_000, async () => ((await fetch(`${sample}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200 ? true : undefined));
    // The auth pods are Ready by their JWKS (which needs no Redis), and helm --wait saw the bundled
    // Redis pod Ready, but the auth pods reach Redis through its Service: until kube-proxy programs it
    // and ioredis reconnects (≤ 500 ms backoff), a challenge rightly answers 503 store_unavailable
    // (seen once in CI right after install). Wait for it, bounded, and record how long it took.
    const t0 = Date.now();
    const first = await until('a challenge through the auth Service answers other than 503 (Redis reachable)', 60_000, async () => {
      const res = await fetch(`${auth}/api/v1/auth/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ address: ed25519Wallet().address }),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status === 503 ? undefined : res.status;
    });
    expect(first).toBe(200);
    figures['install done to first challenge 200 through the Service'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const { access_token: token, address } = await signIn(`${auth}/api/v1/auth`);
    // The sample fetches the JWKS from http://auth-pico-auth.pico.svc.cluster.local:8100 (CoreDNS + kube-proxy).
    const me = await fetch(`${sample}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(JSON.stringify(await me.json())).toContain(address);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await fetch(`${sample}/api/me`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const [samplePod] = await podsOf(cluster, NS, 'sample');
    const env = samplePod!.spec!.containers[0]!.env ?? [];
    expect(env.find((e) => e.name === 'AUTH_CLIENT_JWKS_URL')?.value).toBe(`http://${FULL}.${NS}.svc.cluster.local:8100/api/v1/auth/jwks`);
  });

  it('a deleted pod is replaced by the Deployment and the new one becomes Ready through the kubelet probe', async () => {
    const pods = await readyPods(cluster, NS, 'server', 2);
    const victim = pods[0]!;
    const t0 = Date.now();
    await cluster.core().deleteNamespacedPod({ namespace: NS, name: victim.metadata!.name! });
    const now = await readyPods(cluster, NS, 'server', 2, 180_000);
    figures['deleted pod to 2 Ready again'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const fresh = now.filter((p) => !pods.some((q) => q.metadata!.uid === p.metadata!.uid));
    expect(fresh).toHaveLength(1);
    expect(now.some((p) => p.metadata!.uid === victim.metadata!.uid)).toBe(false);
    // Ready=True is written by the kubelet's prober: the pod's status says when, and the started probe passed first.
    const p = fresh[0]!;
    expect(p.status?.containerStatuses?.[0]?.started).toBe(true);
    expect(secondsToReady(p)).toBeGreaterThan(0);
    expect((await fetch(`http://${p.status!.podIP}:8100/api/v1/auth/jwks`)).status).toBe(200);
  });

  it('key rotation by the chart CronJob: the kubelet updates the mounted Secret, every pod publishes and then signs with the new key without a restart; the sample accepts tokens from before and after', async () => {
    const batch = cluster.kubeConfig().makeApiClient(BatchV1Api);
    const auth = await serviceUrl(cluster, NS, FULL);
    const sample = await serviceUrl(cluster, NS, `${FULL}-sample`);
    const pods = await readyPods(cluster, NS, 'server', 2);
    const print = fingerprint(pods);
    const oldKid = ((await (await fetch(`${auth}/api/v1/auth/jwks`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
    const before = await signIn(`${auth}/api/v1/auth`);
    expect(decodeProtectedHeader(before.access_token).kid).toBe(oldKid);

    // The key has been signing for two days (it is due: intervalDays 1).
    const secretName = `${FULL}-keys`;
    await cluster.core().patchNamespacedSecret(
      { namespace: NS, name: secretName, body: { metadata: { annotations: { 'pico-auth/active-since': new Date(Date.now() - 2 * 86_400_000).toISOString() } } } },
      setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const cron = (await batch.listNamespacedCronJob({ namespace: NS })).items.find((c) => /keys-rotation/.test(c.metadata!.name!))!;
    expect(cron).toBeDefined();
    let n = 0;
    const runJob = async () => {
      // what `kubectl create job --from=cronjob/...` does
      const name = `${cron.metadata!.name!.slice(0, 40)}-manual-${++n}`;
      await batch.createNamespacedJob({
        namespace: NS,
        body: { metadata: { name, annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' } }, spec: cron.spec!.jobTemplate.spec! },
      });
      return until(`Job ${name} complete`, 180_000, async () => {
        const job = await batch.readNamespacedJob({ namespace: NS, name });
        if (job.status?.failed) throw new Error(`Job ${name} failed`);
        return job.status?.succeeded ? job : undefined;
      }, 500);
    };
    const podJwks = async (ip: string) =>
      ((await (await fetch(`http://${ip}:8100/api/v1/auth/jwks`, { signal: AbortSignal.timeout(5000) })).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

    // 1. publish: next.pem reaches every pod through the kubelet's Secret volume update
    let t0 = Date.now();
    await runJob();
    const published = Object.keys((await cluster.core().readNamespacedSecret({ namespace: NS, name: secretName })).data ?? {}).sort();
    expect(published).toEqual(['active.pem', 'next.pem']);
    const newKid = await until('every pod publishes the next key', 120_000, async () => {
      const sets = await Promise.all(pods.map((p) => podJwks(p.status!.podIP!)));
      return sets.every((s) => s.length === 2) ? sets[0]!.find((k) => k !== oldKid) : undefined;
    }, 500);
    figures['Secret update (publish) to every pod serving it'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;

    // 2. promote, once the JWKS max-age + margin has passed: every pod signs with the new key
    await until('promotion due', 60_000, async () => {
      await runJob();
      const s = await cluster.core().readNamespacedSecret({ namespace: NS, name: secretName });
      return Object.keys(s.data ?? {}).some((f) => f.startsWith('retired-')) ? true : undefined;
    }, 2000);
    t0 = Date.now();
    await until('every pod signs with the new key', 120_000, async () => {
      for (const p of pods) {
        const { access_token: token } = await signIn(`http://${p.status!.podIP}:8100/api/v1/auth`);
        if (decodeProtectedHeader(token).kid !== newKid) return undefined;
      }
      return true;
    }, 1000);
    figures['Secret update (promote) to every pod signing with it'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    const after = await signIn(`${auth}/api/v1/auth`);
    expect(decodeProtectedHeader(after.access_token).kid).toBe(newKid);

    // The sample trusts both: the token from before (old key, still published as retired) and the new one.
    for (const token of [before.access_token, after.access_token]) {
      const me = await fetch(`${sample}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    }
    // No pod restarted or was replaced: same UIDs, same restart counts.
    expect(fingerprint(await readyPods(cluster, NS, 'server', 2))).toEqual(print);
  });
});
