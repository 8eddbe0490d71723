import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, DiscoveryV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir } from '../kube/chart.js';
import { ed25519Wallet, signIn } from '../helpers/service.js';
import { NodeCluster } from './cluster.js';
import { findPrometheusK8s, readmeScrapeConfigs, startPrometheus, type RunningPrometheus } from './prometheus.js';
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
const prometheusBin = findPrometheusK8s();
const prometheusMissing = prometheusBin ? undefined : 'no Prometheus with kubernetes_sd_configs: source .ci/setup.d/22-prometheus-kubernetes-sd.sh';
if (prometheusMissing && !missing && process.env.CI) throw new Error(`[node tests] ${prometheusMissing}; CI must run it`);
if (prometheusMissing && !missing) console.warn(`\n[node tests] the Prometheus scenario is SKIPPED: ${prometheusMissing}\n`);

let cluster: NodeCluster;
let prometheus: RunningPrometheus | undefined;
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
    await prometheus?.stop(); // before the node goes (it watches the API server)
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

  it.skipIf(!!prometheusMissing)('Prometheus with the scrape job of the chart README (kubernetes_sd_configs against this API server): every auth pod is a target with up == 1, and a sign-in through the Service raises the sign-in counter', async () => {
    const pods = await readyPods(cluster, NS, 'server', 2);
    const names = pods.map((p) => p.metadata!.name!).sort();
    // The README's job as written; Prometheus runs on the host, outside the cluster, so each
    // kubernetes_sd_configs entry gets a kubeconfig_file (the README says so): the admin's, for
    // https://198.18.0.1:6443. The scrapes go to the pod IPs (198.18.0.0/24) on the bridge.
    const jobs = readmeScrapeConfigs();
    expect(jobs.map((j) => j.job_name)).toEqual(['kubernetes-pods']);
    for (const job of jobs) {
      const sds = job.kubernetes_sd_configs as Array<Record<string, unknown>>;
      expect(sds.length).toBeGreaterThan(0);
      for (const sd of sds) sd.kubeconfig_file = cluster.kubeconfigPath;
    }
    const t0 = Date.now();
    prometheus = await startPrometheus(prometheusBin!, join(cluster.dir, 'prometheus'), jobs);
    const selector = `job="kubernetes-pods",namespace="${NS}",app_kubernetes_io_instance="${RELEASE}",app_kubernetes_io_component="server"`;
    try {
      const up = await until('every auth pod a target with up == 1', 90_000, async () => {
        const series = await prometheus!.query(`up{${selector}}`);
        const healthy = series.filter((s) => s.value[1] === '1').map((s) => s.metric.pod).sort();
        return JSON.stringify(healthy) === JSON.stringify(names) ? series : undefined;
      }, 1000).catch((err: Error) => {
        throw new Error(`${err.message}\n${prometheus!.log()}`);
      });
      figures['Prometheus start to every auth pod up == 1'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
      expect(up).toHaveLength(2);
      for (const p of pods) {
        const s = up.find((x) => x.metric.pod === p.metadata!.name)!;
        expect(s.value[1]).toBe('1');
        // the address and path the pod's prometheus.io annotations name: its metrics port
        expect(s.metric.instance).toBe(`${p.status!.podIP}:9100`);
        expect(s.metric.app_kubernetes_io_name).toBe('pico-auth');
      }
      // Only the pods that ask for it are scraped: no Redis, sample or Job pod among the targets.
      const targets = await prometheus.targets();
      expect(targets.map((t) => t.labels.pod).sort()).toEqual(names);
      expect(targets.every((t) => t.health === 'up' && t.scrapeUrl.endsWith(':9100/metrics'))).toBe(true);

      // The sign-in counter: Prometheus first agrees with the pods' own /metrics (so nothing earlier
      // is still to be scraped), then one sign-in through the Service raises the sum by exactly one.
      const success = `sum(pico_auth_sign_ins_total{${selector},outcome="success"})`;
      const scraped = async () => {
        const r = await prometheus!.query(success);
        return r.length ? Number(r[0]!.value[1]) : 0;
      };
      const direct = async () => (await Promise.all(pods.map((p) => signInsOf(p)))).reduce((a, b) => a + b, 0);
      const before = await until('Prometheus agrees with the pods own counters', 30_000, async () => {
        const [d, q] = [await direct(), await scraped()];
        return d === q ? d : undefined;
      }, 1000);
      const auth = await serviceUrl(cluster, NS, FULL);
      await signIn(`${auth}/api/v1/auth`);
      expect(await direct()).toBe(before + 1);
      const t1 = Date.now();
      const after = await until('the sign-in scraped', 30_000, async () => ((await scraped()) === before + 1 ? before + 1 : undefined), 500);
      expect(after).toBe(before + 1);
      figures['sign-in to its counter in Prometheus'] = `${((Date.now() - t1) / 1000).toFixed(1)} s`;
    } finally {
      await prometheus.stop();
      prometheus = undefined;
    }
  });

  it('helm upgrade to 3 replicas, then a settings change that rolls every pod: a bounded load loop through the Services (JWKS, challenge + sign-in, the sample) sees zero failed requests', async () => {
    const auth = await serviceUrl(cluster, NS, FULL);
    const sample = await serviceUrl(cluster, NS, `${FULL}-sample`);
    const scale = await cluster.helm(['upgrade', RELEASE, chartDir, '-n', NS, '-f', valuesFile, '--set', 'replicaCount=3', '--wait', '--timeout', '4m']);
    expect(scale.code, scale.stderr).toBe(0);
    const before = await readyPods(cluster, NS, 'server', 3);
    await until('3 ready endpoints in the auth Service', 60_000, async () => {
      const slices = await cluster.kubeConfig().makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: NS, labelSelector: `kubernetes.io/service-name=${FULL}` });
      const ready = slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready);
      return ready.length === 3 ? true : undefined;
    });

    // The load: 4 workers on keep-alive connections (fetch's pool), JWKS through the auth Service,
    // and every 10th round a challenge + sign-in through the auth Service whose token the sample
    // (through its Service) must accept. It starts before the change, runs until the rollout is
    // over, and is bounded: 100,000 requests or 300 s (it must end before either: the whole rollout under load).
    const MAX_REQUESTS = 100_000;
    const MAX_MS = 300_000;
    const started = Date.now();
    let requests = 0;
    let stop = false;
    const failures: string[] = [];
    const worker = async () => {
      for (let i = 0; !stop && requests < MAX_REQUESTS && Date.now() - started < MAX_MS; i++) {
        try {
          if (i % 10 === 9) {
            const wallet = ed25519Wallet();
            requests += 1;
            const ch = await postWithin(`${auth}/api/v1/auth/challenge`, { address: wallet.address });
            if (ch.status !== 200) {
              failures.push(`challenge ${ch.status} ${ch.text.slice(0, 120)}`);
              continue;
            }
            requests += 1;
            const si = await postWithin(`${auth}/api/v1/auth/sign-in`, wallet.body((JSON.parse(ch.text) as { challenge: string }).challenge));
            if (si.status !== 200) {
              failures.push(`sign-in ${si.status} ${si.text.slice(0, 120)}`);
              continue;
            }
            requests += 1;
            const token = (JSON.parse(si.text) as { access_token: string }).access_token;
            const me = await fetch(`${sample}/api/me`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
            if (me.status !== 200) failures.push(`sample /api/me ${me.status}`);
            await me.arrayBuffer();
          } else {
            requests += 1;
            const res = await fetch(`${auth}/api/v1/auth/jwks`, { signal: AbortSignal.timeout(10_000) });
            if (res.status !== 200) failures.push(`jwks ${res.status}`);
            await res.arrayBuffer();
          }
        } catch (err) {
          failures.push(`${(err as Error).message} ${String((err as Error).cause ?? '')}`);
        }
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await new Promise((r) => setTimeout(r, 3000));
    const t0 = Date.now();
    const roll = await cluster.helm(['upgrade', RELEASE, chartDir, '-n', NS, '-f', valuesFile, '--set', 'replicaCount=3', '--set', 'config.logLevel=warn', '--wait', '--timeout', '4m']);
    let after: V1Pod[] = [];
    let rolloutSeconds = NaN;
    try {
      after = await readyPods(cluster, NS, 'server', 3);
      rolloutSeconds = (Date.now() - t0) / 1000;
      // Past the last old pod's preStop sleep and drain, still under load.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      stop = true;
      await load;
    }
    const loadSeconds = (Date.now() - started) / 1000;
    expect(roll.code, roll.stderr).toBe(0);
    figures['rollout of 3 pods (settings change, helm upgrade --wait to 3 new Ready)'] = `${rolloutSeconds.toFixed(1)} s`;
    figures['requests during the rollout'] = `${requests} (${failures.length} failed) in ${loadSeconds.toFixed(0)} s`;
    // every pod was replaced, and the load ran all along (it stopped because we said so, not at its bounds)
    const old = new Set(before.map((p) => p.metadata!.uid));
    expect(after.every((p) => !old.has(p.metadata!.uid))).toBe(true);
    expect(requests).toBeGreaterThan(100);
    expect(requests).toBeLessThan(MAX_REQUESTS);
    expect(loadSeconds * 1000).toBeLessThan(MAX_MS);
    expect(failures.slice(0, 20), `${failures.length} failed of ${requests}`).toEqual([]);

    // Back to 2 replicas (same settings: no new roll) for the scenarios after this one.
    const down = await cluster.helm(['upgrade', RELEASE, chartDir, '-n', NS, '-f', valuesFile, '--set', 'replicaCount=2', '--set', 'config.logLevel=warn', '--wait', '--timeout', '4m']);
    expect(down.code, down.stderr).toBe(0);
    await readyPods(cluster, NS, 'server', 2);
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

/** The pod's own count of successful sign-ins, from its metrics port (what Prometheus scrapes). */
async function signInsOf(p: V1Pod): Promise<number> {
  const text = await (await fetch(`http://${p.status!.podIP}:9100/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('pico_auth_sign_ins_total{') && l.includes('outcome="success"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** A JSON POST that gives up after 10 s (every request of the load loop is bounded in time). */
async function postWithin(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}
