import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, DiscoveryV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/redis-server.js';
import { which } from '../prometheus/tools.js';
import { chartDir } from '../kube/chart.js';
import { signIn } from '../helpers/service.js';
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
        redis: { bundled: { image: { repository: redisRepo, tag: redisTag, pullPolicy: 'IfNotPresent' } } },
        sample: { enabled: true },
        config: { jwksMaxAgeSeconds: 5, accessTokenExpireMinutes: 5, keysReloadIntervalSeconds: 5 },
        keys: { rotation: { enabled: true, intervalDays: 1, marginSeconds: 5 } },
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

  it('helm upgrade to 3 replicas, then a settings change that rolls every pod: a bounded load loop through the Services sees zero failed requests', async () => {
    const auth = await serviceUrl(cluster, NS, FULL);
    const sample = await serviceUrl(cluster, NS, `${FULL}-sample`);
    const scale = await cluster.helm(['upgrade', RELEASE, chartDir, '-n', NS, '-f', valuesFile, '--set', 'replicaCount=3', '--wait', '--timeout', '4m']);
    expect(scale.code, scale.stderr).toBe(0);
    const before = await readyPods(cluster, NS, 'server', 3);
    await until('3 endpoints in the auth Service', 60_000, async () => {
      const slices = await cluster.kubeConfig().makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: NS, labelSelector: `kubernetes.io/service-name=${FULL}` });
      const ready = slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready);
      return ready.length === 3 ? true : undefined;
    });

    // The load: 4 workers, JWKS through the auth Service, and every 10th round a sign-in through
    // the auth Service whose token the sample (through its Service) must accept. It starts before
    // the change, runs until the rollout is over, and is bounded: 30,000 requests or 240 s.
    const MAX_REQUESTS = 30_000;
    const MAX_MS = 240_000;
    const started = Date.now();
    let requests = 0;
    let stop = false;
    const failures: string[] = [];
    const worker = async () => {
      for (let i = 0; !stop && requests < MAX_REQUESTS && Date.now() - started < MAX_MS; i++) {
        try {
          if (i % 10 === 9) {
            requests += 3;
            const { access_token: token } = await signIn(`${auth}/api/v1/auth`);
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
    const after = await readyPods(cluster, NS, 'server', 3);
    const rolloutSeconds = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await load;
    expect(roll.code, roll.stderr).toBe(0);
    figures['rollout of 3 pods (helm upgrade --wait, settings change)'] = `${rolloutSeconds.toFixed(1)} s`;
    figures['requests during the rollout'] = `${requests} (${failures.length} failed) in ${((Date.now() - started) / 1000).toFixed(0)} s`;
    // every pod was replaced
    const old = new Set(before.map((p) => p.metadata!.uid));
    expect(after.every((p) => !old.has(p.metadata!.uid))).toBe(true);
    expect(requests).toBeGreaterThan(100);
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('a deleted pod is replaced by the Deployment and the new one becomes Ready through the kubelet probe', async () => {
    const pods = await readyPods(cluster, NS, 'server', 3);
    const victim = pods[0]!;
    const t0 = Date.now();
    await cluster.core().deleteNamespacedPod({ namespace: NS, name: victim.metadata!.name! });
    const now = await readyPods(cluster, NS, 'server', 3, 180_000);
    figures['deleted pod to 3 Ready again'] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
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
    const pods = await readyPods(cluster, NS, 'server', 3);
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
    expect(fingerprint(await readyPods(cluster, NS, 'server', 3))).toEqual(print);
  });

  it('Prometheus (Debian) discovers every auth pod through the API server with the kubernetes-pods job: up == 1 for each, and the sign-in counter rises', async () => {
    const prom = which('prometheus');
    expect(prom, 'prometheus (Debian package, .ci/setup.d/20-prometheus.sh)').toBeDefined();
    const pods = await readyPods(cluster, NS, 'server', 3);
    const dir = join(cluster.dir, 'prometheus');
    mkdirSync(dir, { recursive: true });
    const job = parse(readFileSync(join(import.meta.dirname, 'fixtures/prometheus-kubernetes-pods.yaml'), 'utf8'));
    // Outside the cluster, Prometheus needs the API server's address and a client identity.
    const pki = join(cluster.dir, 'pki');
    job.kubernetes_sd_configs[0] = {
      ...job.kubernetes_sd_configs[0],
      api_server: cluster.api,
      tls_config: { ca_file: join(pki, 'ca.crt'), cert_file: join(pki, 'admin.crt'), key_file: join(pki, 'admin.key') },
      namespaces: { names: [NS] },
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify({ global: { scrape_interval: '2s', scrape_timeout: '1s' }, scrape_configs: [job] }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(prom!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const query = async (q: string) => {
      const res = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      return res.data.result;
    };
    try {
      const up = await until('every auth pod a target with up == 1', 90_000, async () => {
        const r = await query(`up{job="kubernetes-pods",app_kubernetes_io_component="server"}`);
        return r.length === 3 && r.every((s) => s.value[1] === '1') ? r : undefined;
      }, 1000);
      expect(up.map((s) => s.metric.pod).sort()).toEqual(pods.map((p) => p.metadata!.name).sort());
      expect(up.every((s) => s.metric.instance!.startsWith('198.18.0.') && s.metric.instance!.endsWith(':9100'))).toBe(true);

      const total = `sum(pico_auth_sign_ins_total{job="kubernetes-pods",outcome="success"})`;
      // Every sign-in so far (earlier tests) is counted once the series exists.
      const start = Number((await until('the sign-in counter scraped', 30_000, async () => (await query(total))[0], 1000)).value[1]);
      expect(start).toBeGreaterThan(0);
      const auth = await serviceUrl(cluster, NS, FULL);
      for (let i = 0; i < 3; i++) await signIn(`${auth}/api/v1/auth`);
      const after = await until('the sign-in counter to rise by 3', 30_000, async () => {
        const v = Number((await query(total))[0]?.value[1]);
        return v >= start + 3 ? v : undefined;
      }, 1000);
      expect(after - start).toBe(3);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (child.exitCode !== 0 && log) console.warn(`[node] prometheus: ${log.slice(-2000)}`);
    }
  });
});
