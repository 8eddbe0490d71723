import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/server/config/settings.js';
import { byKind, chartDir, ciValueSets, helm, helmRun, one, podSpecs, render, renderError, repoRoot, skipWithout, type K8sObject } from './tools.js';

const JWKS = '/api/v1/auth/jwks';
const ciFile = (name: string) => join(chartDir, 'ci', name);
const envNames = new Set<string>(Object.values(SETTINGS).map((s) => s.env));

describe.skipIf(skipWithout({ helm }))('helm chart pico-auth', () => {
  let defaults: K8sObject[];
  beforeAll(async () => {
    defaults = await render();
    // Render every ci value set once, up front (cached for the tests below).
    await Promise.all(ciValueSets.map((f) => render({ valuesFiles: [ciFile(f)] })));
  }, 180_000);

  describe('lint', () => {
    it('passes helm lint --strict with the default values and every ci value set', { timeout: 120_000 }, async () => {
      const base = await helmRun(['lint', '--strict', '--kube-version', '1.30.0', chartDir]);
      expect(base.code, base.stdout + base.stderr).toBe(0);
      for (const f of ciValueSets) {
        const r = await helmRun(['lint', '--strict', '--kube-version', '1.30.0', chartDir, '-f', ciFile(f)]);
        expect(r.code, `${f}: ${r.stdout}${r.stderr}`).toBe(0);
      }
    });

    it('fails helm lint with the bad values file, naming each schema violation', async () => {
      const r = await helmRun(['lint', '--kube-version', '1.30.0', chartDir, '-f', join(repoRoot, 'test/helm/fixtures/bad-values.yaml')]);
      expect(r.code).not.toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/replicaCont/);
      expect(out).toMatch(/enabeld/);
      expect(out).toMatch(/accessTokenExpireMinutes/);
      expect(out).toMatch(/jwksMaxAgeSeconds/);
      expect(out).toMatch(/algorithm/);
    });
  });

  describe('the auth Deployment', () => {
    it('runs 2 replicas with a rolling update that never takes a pod away first', () => {
      const d = one(defaults, 'Deployment', 'rel-pico-auth');
      expect(d.spec.replicas).toBe(2);
      expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    });

    it('probes readiness and startup on the JWKS path, liveness on the metrics port (outside the connection cap)', async () => {
      const c = one(defaults, 'Deployment', 'rel-pico-auth').spec.template.spec.containers[0];
      for (const probe of ['readinessProbe', 'startupProbe']) {
        expect(c[probe].httpGet, probe).toEqual({ path: JWKS, port: 'http' });
      }
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c.ports.map((p: { name: string }) => p.name)).toContain('metrics');
      // Without a metrics port, liveness falls back to the service port (which answers /healthz too).
      const noMetrics = one(await render({ set: { 'metrics.enabled': false } }), 'Deployment', 'rel-pico-auth').spec.template.spec.containers[0];
      expect(noMetrics.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(noMetrics.livenessProbe.periodSeconds).toBe(10);
    });

    it('drains before SIGTERM: preStop sleep, and a grace period longer than preStop + shutdown grace', () => {
      const spec = one(defaults, 'Deployment', 'rel-pico-auth').spec.template.spec;
      const cm = one(defaults, 'ConfigMap', 'rel-pico-auth').data;
      const sleep = Number(spec.containers[0].lifecycle.preStop.exec.command[1]);
      expect(spec.containers[0].lifecycle.preStop.exec.command[0]).toBe('sleep');
      expect(sleep).toBeGreaterThan(0);
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(sleep + Number(cm.AUTH_SHUTDOWN_GRACE_SECONDS));
    });

    it('mounts the whole key Secret as the AUTH_KEYS_DIR directory, read-only, never with subPath', () => {
      const spec = one(defaults, 'Deployment', 'rel-pico-auth').spec.template.spec;
      const cm = one(defaults, 'ConfigMap', 'rel-pico-auth').data;
      const vol = spec.volumes.find((v: any) => v.name === 'keys');
      expect(vol.secret.secretName).toBe('rel-pico-auth-keys');
      const mount = spec.containers[0].volumeMounts.find((m: any) => m.name === 'keys');
      expect(mount.mountPath).toBe(cm.AUTH_KEYS_DIR);
      expect(mount.readOnly).toBe(true);
      expect(cm.NODE_ENV).toBe('production');
    });

    it('spreads pods by node and zone by default, and never mounts a ServiceAccount token', () => {
      const spec = one(defaults, 'Deployment', 'rel-pico-auth').spec.template.spec;
      expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(one(defaults, 'ServiceAccount', 'rel-pico-auth').automountServiceAccountToken).toBe(false);
    });

    it('sets only environment variables the service knows (src/server/config/settings.ts)', async () => {
      for (const f of ['default', ...ciValueSets]) {
        const objs = f === 'default' ? defaults : await render({ valuesFiles: [ciFile(f)] });
        const cm = one(objs, 'ConfigMap', 'rel-pico-auth').data as Record<string, string>;
        for (const name of Object.keys(cm)) expect(envNames.has(name), `${f}: ConfigMap ${name}`).toBe(true);
        const env = one(objs, 'Deployment', 'rel-pico-auth').spec.template.spec.containers[0].env as { name: string }[];
        // REDIS_PASSWORD only feeds $(REDIS_PASSWORD) in REDIS_URL for the bundled Redis.
        for (const { name } of env) expect(envNames.has(name) || name === 'REDIS_PASSWORD', `${f}: env ${name}`).toBe(true);
      }
    });
  });

  describe('security', () => {
    it('every pod of every value set runs restricted: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', async () => {
      for (const f of ['default', ...ciValueSets]) {
        const objs = f === 'default' ? defaults : await render({ valuesFiles: [ciFile(f)] });
        for (const { owner, spec } of podSpecs(objs)) {
          expect(spec.securityContext?.runAsNonRoot, `${f} ${owner}`).toBe(true);
          expect(spec.securityContext?.seccompProfile?.type, `${f} ${owner}`).toBe('RuntimeDefault');
          for (const c of spec.containers) {
            const sc = c.securityContext;
            expect(sc.readOnlyRootFilesystem, `${f} ${owner} ${c.name}`).toBe(true);
            expect(sc.allowPrivilegeEscalation, `${f} ${owner} ${c.name}`).toBe(false);
            expect(sc.capabilities.drop, `${f} ${owner} ${c.name}`).toEqual(['ALL']);
            expect(sc.runAsNonRoot, `${f} ${owner} ${c.name}`).toBe(true);
            for (const m of c.volumeMounts ?? []) expect(m.subPath, `${f} ${owner} ${c.name} ${m.name}: subPath`).toBeUndefined();
          }
          // Only the pods that call the Kubernetes API get a token.
          const needsToken = /keys-(init|rotation)/.test(owner);
          expect(spec.automountServiceAccountToken, `${f} ${owner}`).toBe(needsToken);
        }
      }
    });

    it('the rotation Role allows get/patch on the one key Secret and nothing else', async () => {
      const objs = await render({ set: { 'keys.rotation.enabled': true } });
      const role = one(objs, 'Role', 'rel-pico-auth-keys-rotation');
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['rel-pico-auth-keys'], verbs: ['get', 'patch'] }]);
      const binding = one(objs, 'RoleBinding', 'rel-pico-auth-keys-rotation');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'rel-pico-auth-keys-rotation' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rel-pico-auth-keys-rotation', namespace: 'auth' }]);
      const cron = one(objs, 'CronJob', 'rel-pico-auth-keys-rotation');
      expect(cron.spec.concurrencyPolicy).toBe('Forbid');
      const pod = cron.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe('rel-pico-auth-keys-rotation');
      const args = pod.containers[0].args as string[];
      expect(args.slice(0, 4)).toEqual(['node', 'dist/cli/main.js', 'keys', 'rotate']);
      expect(args[args.indexOf('--secret') + 1]).toBe('rel-pico-auth-keys');
      expect(args[args.indexOf('--jwks-max-age') + 1]).toBe('300');
      // 15 minutes of access token; fleet sessions off.
      expect(args[args.indexOf('--token-lifetime') + 1]).toBe('900');
      // No other Role or ClusterRole grants anything beyond the install hook's.
      expect(byKind(objs, 'ClusterRole')).toHaveLength(0);
      const roles = byKind(objs, 'Role').map((r) => r.metadata.name).sort();
      expect(roles).toEqual(['rel-pico-auth-keys-init', 'rel-pico-auth-keys-rotation']);
    });

    it('rotation keeps retired keys as long as a fleet service token lives when fleet sessions are on', async () => {
      const objs = await render({ set: { 'keys.rotation.enabled': true, 'fleet.existingSecret': 'f', 'fleet.maxTtlSeconds': 7200 } });
      const args = one(objs, 'CronJob', 'rel-pico-auth-keys-rotation').spec.jobTemplate.spec.template.spec.containers[0].args as string[];
      expect(args[args.indexOf('--token-lifetime') + 1]).toBe('7200');
    });

    it('the bundled Redis accepts connections from the auth pods only, and requires a password', () => {
      const np = one(defaults, 'NetworkPolicy', 'rel-pico-auth-redis');
      expect(np.spec.ingress).toEqual([
        {
          from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pico-auth', 'app.kubernetes.io/instance': 'rel', 'app.kubernetes.io/component': 'server' } } }],
          ports: [{ port: 6379, protocol: 'TCP' }],
        },
      ]);
      const redis = one(defaults, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.containers[0];
      expect(redis.args.slice(0, 3)).toEqual(['redis-server', '--requirepass', '$(REDIS_PASSWORD)']);
      expect(redis.args).toContain('noeviction');
    });
  });

  describe('keys', () => {
    it('generates the key Secret with a pre-install hook Job running `keys init`, never as a Helm-owned Secret', () => {
      const job = one(defaults, 'Job', 'rel-pico-auth-keys-init');
      expect(job.metadata.annotations!['helm.sh/hook']).toMatch(/pre-install/);
      const args = job.spec.template.spec.containers[0].args as string[];
      expect(args.slice(0, 4)).toEqual(['node', 'dist/cli/main.js', 'keys', 'init']);
      expect(args[args.indexOf('--secret') + 1]).toBe('rel-pico-auth-keys');
      // Helm renders no Secret of that name: upgrades cannot re-render (regenerate) it.
      expect(defaults.some((o) => o.kind === 'Secret' && o.metadata.name === 'rel-pico-auth-keys')).toBe(false);
      // Its RBAC exists before the Job (hook weights) and goes away after it.
      for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
        const o = one(defaults, kind, 'rel-pico-auth-keys-init');
        expect(o.metadata.annotations!['helm.sh/hook']).toBe(job.metadata.annotations!['helm.sh/hook']);
        expect(Number(o.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations!['helm.sh/hook-weight']));
        expect(o.metadata.annotations!['helm.sh/hook-delete-policy']).toMatch(/hook-succeeded/);
      }
      expect(one(defaults, 'Role', 'rel-pico-auth-keys-init').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['create'] }]);
    });

    it('with keys.existingSecret: no hook, the given Secret is mounted', async () => {
      const objs = await render({ valuesFiles: [ciFile('existing-secret-values.yaml')] });
      expect(byKind(objs, 'Job')).toHaveLength(0);
      const spec = one(objs, 'Deployment', 'rel-pico-auth').spec.template.spec;
      expect(spec.volumes.find((v: any) => v.name === 'keys').secret.secretName).toBe('my-pico-auth-keys');
    });
  });

  describe('scaling guards', () => {
    it('fails when more than one replica runs without Redis', async () => {
      expect(await renderError({ set: { 'redis.enabled': false, replicaCount: 3 } })).toMatch(/replicaCount=3 without Redis cannot work/);
    });

    it('fails when autoscaling is on without Redis', async () => {
      expect(await renderError({ set: { 'redis.enabled': false, 'autoscaling.enabled': true } })).toMatch(/autoscaling without Redis cannot work/);
    });

    it('fails with one replica and no Redis too (production refuses in-memory stores)', async () => {
      expect(await renderError({ set: { 'redis.enabled': false, replicaCount: 1 } })).toMatch(/no Redis configured/);
    });

    it('accepts several replicas with any kind of Redis', async () => {
      const externals: Record<string, string>[] = [{ 'redis.url': 'redis://r:6379' }, { 'redis.existingSecret': 'r' }, { 'redis.sentinel.nodes[0]': 's:26379' }, { 'redis.cluster.nodes[0]': 'c:6379' }];
      for (const set of externals) {
        const objs = await render({ set: { 'redis.enabled': false, replicaCount: 4, ...set } });
        expect(one(objs, 'Deployment', 'rel-pico-auth').spec.replicas).toBe(4);
      }
    });

    it('refuses a bundled and an external Redis at once', async () => {
      expect(await renderError({ set: { 'redis.url': 'redis://r:6379' } })).toMatch(/set redis.enabled=false/);
    });

    it('has a PodDisruptionBudget when more than one replica runs, and none for one', async () => {
      expect(one(defaults, 'PodDisruptionBudget', 'rel-pico-auth').spec.maxUnavailable).toBe(1);
      expect(byKind(await render({ set: { replicaCount: 1 } }), 'PodDisruptionBudget')).toHaveLength(0);
      const hpa = await render({ valuesFiles: [ciFile('autoscaling-values.yaml')] });
      expect(byKind(hpa, 'PodDisruptionBudget')).toHaveLength(1);
      const d = one(hpa, 'Deployment', 'rel-pico-auth');
      expect(d.spec.replicas).toBeUndefined();
      expect(one(hpa, 'HorizontalPodAutoscaler', 'rel-pico-auth').spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    });
  });

  describe('redis settings', () => {
    it('passes Sentinel and Cluster settings through, secrets by reference', async () => {
      const s = await render({ valuesFiles: [ciFile('sentinel-values.yaml')] });
      expect(one(s, 'ConfigMap', 'rel-pico-auth').data).toMatchObject({ REDIS_SENTINELS: 'sentinel-0.redis.svc:26379,sentinel-1.redis.svc:26379,sentinel-2.redis.svc:26379', REDIS_SENTINEL_NAME: 'auth' });
      const env = one(s, 'Deployment', 'rel-pico-auth').spec.template.spec.containers[0].env;
      expect(env).toContainEqual({ name: 'REDIS_SENTINEL_PASSWORD', valueFrom: { secretKeyRef: { name: 'my-redis', key: 'sentinel-password' } } });
      expect(env).toContainEqual({ name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'my-redis', key: 'redis-url' } } });
      const c = await render({ valuesFiles: [ciFile('cluster-values.yaml')] });
      expect(one(c, 'ConfigMap', 'rel-pico-auth').data.REDIS_CLUSTER_NODES).toBe('redis-cluster-0.redis.svc:6379,redis-cluster-1.redis.svc:6379,redis-cluster-2.redis.svc:6379');
    });

    it('never puts a secret into the ConfigMap', async () => {
      const objs = await render({ valuesFiles: [ciFile('external-redis-values.yaml')] });
      const cm = JSON.stringify(one(objs, 'ConfigMap', 'rel-pico-auth').data);
      expect(cm).not.toMatch(/s3cret|fleet-secret-at-least-16|\$scrypt\$/);
      const secret = one(objs, 'Secret', 'rel-pico-auth-settings');
      expect(Object.keys(secret.data).sort()).toEqual(['admin-password-hash', 'fleet-secret', 'redis-url']);
    });
  });

  describe('monitoring, ingress, sample, helm test', () => {
    it('scrapes the separate metrics port, which the Ingress never routes', async () => {
      const objs = await render({ valuesFiles: [ciFile('monitoring-values.yaml'), ciFile('external-redis-values.yaml')], set: { 'redis.enabled': false } });
      const sm = one(objs, 'ServiceMonitor', 'rel-pico-auth');
      expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
      expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
      const ing = one(objs, 'Ingress', 'rel-pico-auth');
      const ports = ing.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.port));
      expect(ports).toEqual([{ name: 'http' }]);
      // The issuer follows the ingress host, and the ingress controller's X-Forwarded-For is trusted.
      expect(one(objs, 'ConfigMap', 'rel-pico-auth').data).toMatchObject({ AUTH_ISSUER: 'https://auth.example.com', AUTH_TRUST_PROXY: '1' });
      // Without an ingress, no proxy is trusted (a client cannot spoof its address for the rate limits).
      expect(one(defaults, 'ConfigMap', 'rel-pico-auth').data.AUTH_TRUST_PROXY).toBe('0');
      expect(one(await render({ set: { 'config.trustProxy': 2 } }), 'ConfigMap', 'rel-pico-auth').data.AUTH_TRUST_PROXY).toBe('2');
    });

    it('ships a PrometheusRule (its alerts are unit-tested with promtool in alerts.test.ts) and the Grafana dashboard', async () => {
      const objs = await render({ valuesFiles: [ciFile('monitoring-values.yaml')] });
      expect(one(objs, 'PrometheusRule', 'rel-pico-auth').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
      const dash = one(objs, 'ConfigMap', 'rel-pico-auth-dashboard');
      expect(dash.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(JSON.parse(dash.data['pico-auth.json']).panels.length).toBeGreaterThan(3);
    });

    it('renders no ServiceMonitor/PrometheusRule on a cluster without the Prometheus Operator API (NOTES warns)', async () => {
      const objs = await render({ valuesFiles: [ciFile('monitoring-values.yaml')], monitoringApi: false });
      expect(objs.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toHaveLength(0);
      expect(byKind(objs, 'Deployment').length).toBeGreaterThan(0);
    });

    it('deploys the sample API pointing at the in-cluster JWKS URL, with its own probes', async () => {
      const objs = await render({ valuesFiles: [ciFile('sample-values.yaml')] });
      const c = one(objs, 'Deployment', 'rel-pico-auth-sample').spec.template.spec.containers[0];
      expect(c.args).toEqual(['node', 'dist/sample/main.js']);
      const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({
        PORT: '8200',
        AUTH_CLIENT_JWKS_URL: 'http://rel-pico-auth.auth.svc.cluster.local:8100/api/v1/auth/jwks',
        AUTH_CLIENT_ISSUER: one(objs, 'ConfigMap', 'rel-pico-auth').data.AUTH_ISSUER,
        AUTH_CLIENT_AUDIENCE: 'pico-platform',
      });
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(one(objs, 'Service', 'rel-pico-auth-sample').spec.ports[0].port).toBe(8200);
    });

    it('has a helm test pod that runs the sign-in smoke test against the service', () => {
      const pod = one(defaults, 'Pod', 'rel-pico-auth-test');
      expect(pod.metadata.annotations!['helm.sh/hook']).toBe('test');
      expect(pod.spec.containers[0].args).toEqual(['node', '/scripts/smoke-test.mjs']);
      expect(pod.spec.containers[0].env).toContainEqual({ name: 'AUTH_URL', value: 'http://rel-pico-auth.auth.svc.cluster.local:8100' });
      const cm = one(defaults, 'ConfigMap', 'rel-pico-auth-test');
      expect(cm.data['smoke-test.mjs']).toMatch(/POST', '\/sign-in'/);
    });
  });
});
