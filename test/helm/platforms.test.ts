import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { byKind, chartDir, helm, helmRun, one, podSpecs, render, renderError, renderNotes, renderText, skipWithout, type K8sObject } from './tools.js';

/**
 * The chart on the platforms people run (issue 18; chart README "On real platforms"): tainted and
 * dedicated node pools, service meshes, GitOps renders, Prometheus with and without the Operator,
 * LoadBalancer Services, node drains, restricted networks, and a bundled Redis that keeps its data.
 */
const ciFile = (name: string) => join(chartDir, 'ci', name);
const platform = ciFile('platform-values.yaml');

/** The pod template (metadata and spec) of every pod the chart can create, by owner. */
function podTemplates(objs: K8sObject[]): { owner: string; meta: any; spec: any }[] {
  return objs.flatMap((o) => {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Deployment' || o.kind === 'Job') return [{ owner, meta: o.spec.template.metadata, spec: o.spec.template.spec }];
    if (o.kind === 'CronJob') return [{ owner, meta: o.spec.jobTemplate.spec.template.metadata, spec: o.spec.jobTemplate.spec.template.spec }];
    if (o.kind === 'Pod') return [{ owner, meta: o.metadata, spec: o.spec }];
    return [];
  });
}

describe.skipIf(skipWithout({ helm }))('the chart on real platforms', () => {
  let platformObjs: K8sObject[];
  let defaults: K8sObject[];
  beforeAll(async () => {
    [platformObjs, defaults] = await Promise.all([render({ valuesFiles: [platform] }), render()]);
  }, 120_000);

  describe('1. tainted and dedicated node pools, service meshes', () => {
    it('every pod the chart creates (auth, key hook Job, rotation CronJob, Redis, sample, helm test) takes the scheduling settings', () => {
      const pods = podTemplates(platformObjs);
      expect(pods.map((p) => p.owner).sort()).toEqual([
        'CronJob/rel-pico-auth-keys-rotation', 'Deployment/rel-pico-auth', 'Deployment/rel-pico-auth-redis',
        'Deployment/rel-pico-auth-sample', 'Job/rel-pico-auth-keys-init', 'Pod/rel-pico-auth-test',
      ]);
      const toleration = { key: 'dedicated', operator: 'Equal', value: 'auth', effect: 'NoSchedule' };
      for (const { owner, meta, spec } of pods) {
        expect(spec.imagePullSecrets, owner).toEqual([{ name: 'regcred' }]);
        expect(spec.affinity?.nodeAffinity, owner).toBeDefined();
        expect(meta.annotations?.team, owner).toBe('identity');
        expect(meta.labels?.['cost-center'], owner).toBe('auth');
        if (owner === 'Deployment/rel-pico-auth-redis') {
          // Per-component override: Redis on the stateful pool, without the auth pool's toleration.
          expect(spec.nodeSelector, owner).toEqual({ pool: 'stateful' });
          expect(spec.tolerations, owner).toBeUndefined();
        } else {
          expect(spec.nodeSelector, owner).toEqual({ pool: 'auth' });
          expect(spec.tolerations, owner).toEqual([toleration]);
        }
      }
    });

    it('priorityClassName reaches every pod, and a component can override it', async () => {
      const objs = await render({ set: { priorityClassName: 'high', 'keys.rotation.enabled': true, 'sample.enabled': true, 'keys.generate.pod.priorityClassName': 'hooks' } });
      for (const { owner, spec } of podSpecs(objs)) expect(spec.priorityClassName, owner).toBe(owner === 'Job/rel-pico-auth-keys-init' ? 'hooks' : 'high');
    });

    it('the Jobs and the helm test pod opt out of sidecar injection (a classic sidecar never exits); long-running pods do not', () => {
      for (const { owner, meta } of podTemplates(platformObjs)) {
        const oneShot = /keys-init|keys-rotation|test/.test(owner);
        expect(meta.labels?.['sidecar.istio.io/inject'], owner).toBe(oneShot ? 'false' : undefined);
        expect(meta.annotations?.['linkerd.io/inject'], owner).toBe(oneShot ? 'disabled' : undefined);
      }
    });

    it('with native sidecars the opt-out can be turned off per component', async () => {
      // --set makes `true` a boolean: the chart still renders the string the API server wants.
      const objs = await render({ set: { 'keys.generate.pod.podLabels.sidecar\\.istio\\.io/inject': true, 'keys.generate.pod.podAnnotations.linkerd\\.io/inject': 'enabled' } });
      const meta = one(objs, 'Job', 'rel-pico-auth-keys-init').spec.template.metadata;
      expect(meta.labels['sidecar.istio.io/inject']).toBe('true');
      expect(meta.annotations['linkerd.io/inject']).toBe('enabled');
    });
  });

  describe('2. GitOps renders (Argo CD: helm template, no lookup)', () => {
    it('two renders of the same values are identical when the Redis password comes from redis.auth.existingSecret', async () => {
      const [a, b] = await Promise.all([renderText({ valuesFiles: [platform] }), renderText({ valuesFiles: [platform] })]);
      expect(a).toBe(b);
      // No chart-made password Secret; Redis and the auth pods read the user's.
      expect(platformObjs.filter((o) => o.kind === 'Secret')).toEqual([]);
      const ref = { name: 'auth-redis-password', key: 'password' };
      const redisEnv = one(platformObjs, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.containers[0].env;
      expect(redisEnv).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: ref } });
      const authEnv = one(platformObjs, 'Deployment', 'rel-pico-auth').spec.template.spec.containers[0].env;
      expect(authEnv).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: ref } });
    });

    it('a generated password: each render makes a new one, and every pod that reads it rolls with it', async () => {
      const texts = await Promise.all([renderText(), renderText()]);
      const [objsA, objsB] = texts.map((t) => parseAllDocuments(t).map((d) => d.toJS() as K8sObject).filter(Boolean));
      const pw = (objs: K8sObject[]) => one(objs, 'Secret', 'rel-pico-auth-redis').data.password as string;
      expect(pw(objsA!)).not.toBe(pw(objsB!));
      const sum = (objs: K8sObject[], name: string) => one(objs, 'Deployment', name).spec.template.metadata.annotations['checksum/redis-password'];
      for (const objs of [objsA!, objsB!]) {
        // The auth pods roll together with Redis: never the old password against the new Redis (NOAUTH, 503).
        expect(sum(objs, 'rel-pico-auth')).toMatch(/^[0-9a-f]{16}$/);
        expect(sum(objs, 'rel-pico-auth')).toBe(sum(objs, 'rel-pico-auth-redis'));
      }
      expect(sum(objsA!, 'rel-pico-auth')).not.toBe(sum(objsB!, 'rel-pico-auth'));
      // The sample never reads the password: it does not roll.
      const sample = one(await render({ set: { 'sample.enabled': true } }), 'Deployment', 'rel-pico-auth-sample');
      expect(sample.spec.template.metadata.annotations?.['checksum/redis-password']).toBeUndefined();
    });

    it('redis.auth.existingSecret is refused without the bundled Redis', async () => {
      expect(await renderError({ set: { 'redis.enabled': false, 'redis.existingSecret': 'r', 'redis.auth.existingSecret': 'p' } })).toMatch(/redis.auth.existingSecret is the password of the bundled Redis/);
    });
  });

  describe('3. Prometheus with and without the Operator', () => {
    it('the auth pods carry prometheus.io annotations for the metrics port (switchable)', async () => {
      const ann = one(defaults, 'Deployment', 'rel-pico-auth').spec.template.metadata.annotations;
      expect(ann).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100', 'prometheus.io/path': '/metrics' });
      const off = one(platformObjs, 'Deployment', 'rel-pico-auth').spec.template.metadata.annotations;
      expect(off['prometheus.io/scrape']).toBeUndefined();
      // Only the auth pods: Redis and the sample serve no /metrics there.
      for (const { owner, meta } of podTemplates(await render({ set: { 'sample.enabled': true } }))) {
        if (owner !== 'Deployment/rel-pico-auth') expect(meta.annotations?.['prometheus.io/scrape'], owner).toBeUndefined();
      }
    });

    it('monitoring.assumeOperatorApi renders the ServiceMonitor and PrometheusRule without --api-versions', async () => {
      const monitoring = ciFile('monitoring-values.yaml');
      const without = await render({ valuesFiles: [monitoring], monitoringApi: false });
      expect(without.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
      const assumed = await render({ valuesFiles: [monitoring], monitoringApi: false, set: { 'monitoring.assumeOperatorApi': true } });
      expect(assumed.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')).map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
    });

    it('NOTES names the switch when the Operator API is missing', async () => {
      const notes = await renderNotes({ valuesFiles: [ciFile('monitoring-values.yaml')], monitoringApi: false });
      expect(notes).toMatch(/does\s+not serve monitoring.coreos.com\/v1/);
      expect(notes).toMatch(/monitoring.assumeOperatorApi=true/);
      expect(await renderNotes({ valuesFiles: [ciFile('monitoring-values.yaml')] })).not.toMatch(/assumeOperatorApi/);
    });
  });

  describe('5. /metrics is never published by the HTTP Service', () => {
    it('the metrics port has its own ClusterIP Service; the HTTP Service (here a LoadBalancer) has only http', () => {
      for (const objs of [defaults, platformObjs]) {
        const http = one(objs, 'Service', 'rel-pico-auth');
        expect(http.spec.ports.map((p: any) => p.name)).toEqual(['http']);
        const metrics = one(objs, 'Service', 'rel-pico-auth-metrics');
        expect(metrics.spec.type).toBe('ClusterIP');
        expect(metrics.spec.ports).toEqual([{ name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' }]);
        expect(metrics.spec.selector).toEqual(http.spec.selector);
      }
      expect(one(platformObjs, 'Service', 'rel-pico-auth').spec.type).toBe('LoadBalancer');
      // No Service but the metrics one exposes the metrics port.
      for (const s of byKind(platformObjs, 'Service')) {
        if (s.metadata.name !== 'rel-pico-auth-metrics') expect(s.spec.ports.map((p: any) => p.port), s.metadata.name).not.toContain(9100);
      }
    });

    it('the ServiceMonitor selects only the metrics Service', () => {
      const sm = one(platformObjs, 'ServiceMonitor', 'rel-pico-auth');
      const matches = byKind(platformObjs, 'Service').filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
      expect(matches.map((s) => s.metadata.name)).toEqual(['rel-pico-auth-metrics']);
    });

    it('metrics off: no metrics Service', async () => {
      expect(byKind(await render({ set: { 'metrics.enabled': false } }), 'Service').map((s) => s.metadata.name).sort()).toEqual(['rel-pico-auth', 'rel-pico-auth-redis']);
    });
  });

  describe('7. drains, rollouts, restricted networks, storage, pinned images', () => {
    it('the PDB lets an unready pod be evicted (AlwaysAllow)', () => {
      expect(one(defaults, 'PodDisruptionBudget', 'rel-pico-auth').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    });

    it('the schema refuses podDisruptionBudget.maxUnavailable 0 (it would block every drain)', async () => {
      for (const v of ['0', '0%']) {
        const r = await helmRun(['template', 'rel', chartDir, '--kube-version', '1.30.0', '--set-string', `podDisruptionBudget.maxUnavailable=${v}`]);
        expect(r.code, v).not.toBe(0);
        expect(r.stderr, v).toMatch(/maxUnavailable/);
      }
      const zero = await helmRun(['template', 'rel', chartDir, '--kube-version', '1.30.0', '--set', 'podDisruptionBudget.maxUnavailable=0']);
      expect(zero.code).not.toBe(0);
      const ok = await render({ set: { 'podDisruptionBudget.maxUnavailable': '50%' } });
      expect(one(ok, 'PodDisruptionBudget', 'rel-pico-auth').spec.maxUnavailable).toBe('50%');
    });

    it('the default topology spread counts only the same ReplicaSet (matchLabelKeys: pod-template-hash)', async () => {
      const objs = await render({ set: { 'sample.enabled': true } });
      for (const name of ['rel-pico-auth', 'rel-pico-auth-sample']) {
        const tsc = one(objs, 'Deployment', name).spec.template.spec.topologySpreadConstraints;
        expect(tsc).toHaveLength(2);
        for (const c of tsc) expect(c.matchLabelKeys, name).toEqual(['pod-template-hash']);
      }
    });

    it('with networkPolicy.httpFrom set, the helm test pod and the sample API can still reach the HTTP port', () => {
      const np = one(platformObjs, 'NetworkPolicy', 'rel-pico-auth');
      const http = np.spec.ingress.find((r: any) => r.ports[0].port === 'http');
      const labels = (component: string) => ({ 'app.kubernetes.io/name': 'pico-auth', 'app.kubernetes.io/instance': 'rel', 'app.kubernetes.io/component': component });
      expect(http.from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
        { podSelector: { matchLabels: labels('test') } },
        { podSelector: { matchLabels: labels('sample') } },
      ]);
      // Those selectors match the pods the chart makes.
      expect(one(platformObjs, 'Pod', 'rel-pico-auth-test').metadata.labels).toMatchObject(labels('test'));
      expect(one(platformObjs, 'Deployment', 'rel-pico-auth-sample').spec.template.metadata.labels).toMatchObject(labels('sample'));
      // Without httpFrom the port stays open to every source.
      expect(one(defaults, 'NetworkPolicy', 'rel-pico-auth').spec.ingress[0].from).toBeUndefined();
    });

    it('every container requests ephemeral storage', () => {
      const pods = podSpecs(platformObjs);
      expect(pods.length).toBe(6);
      for (const { owner, spec } of pods) {
        for (const c of spec.containers) expect(c.resources?.requests?.['ephemeral-storage'], `${owner} ${c.name}`).toMatch(/^[0-9]+Mi$/);
      }
    });

    it('the bundled Redis image can be pinned by digest', () => {
      expect(one(defaults, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.containers[0].image).toBe('docker.io/library/redis:7.4-alpine');
      expect(one(platformObjs, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.containers[0].image)
        .toBe('docker.io/library/redis@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210');
    });
  });

  describe('bundled Redis keeps revocations across a pod restart (issue 19)', () => {
    it('by default: append-only file, fsync every second, on a PersistentVolumeClaim that helm uninstall keeps', () => {
      const redis = one(defaults, 'Deployment', 'rel-pico-auth-redis');
      const args = redis.spec.template.spec.containers[0].args as string[];
      expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
      expect(args[args.indexOf('--appendfsync') + 1]).toBe('everysec');
      expect(args[args.indexOf('--dir') + 1]).toBe('/data');
      expect(redis.spec.strategy.type).toBe('Recreate');
      const data = redis.spec.template.spec.volumes.find((v: any) => v.name === 'data');
      expect(data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'rel-pico-auth-redis' } });
      const pvc = one(defaults, 'PersistentVolumeClaim', 'rel-pico-auth-redis');
      expect(pvc.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
      expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
      expect(pvc.spec.storageClassName).toBeUndefined();
      expect(one(platformObjs, 'PersistentVolumeClaim', 'rel-pico-auth-redis').spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '2Gi' } } });
    });

    it('an existing claim is used as is; persistence off falls back to an emptyDir and NOTES says loudly what is lost', async () => {
      const existing = await render({ set: { 'redis.bundled.persistence.existingClaim': 'my-redis-data' } });
      expect(byKind(existing, 'PersistentVolumeClaim')).toEqual([]);
      expect(one(existing, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'my-redis-data' } });
      const off = await render({ set: { 'redis.bundled.persistence.enabled': false } });
      expect(byKind(off, 'PersistentVolumeClaim')).toEqual([]);
      expect(one(off, 'Deployment', 'rel-pico-auth-redis').spec.template.spec.volumes[0]).toMatchObject({ name: 'data', emptyDir: {} });
      const notes = await renderNotes({ set: { 'redis.bundled.persistence.enabled': false } });
      expect(notes).toMatch(/WARNING: redis.bundled.persistence.enabled=false/);
      expect(notes).toMatch(/LOSES EVERY REVOCATION/);
      const on = await renderNotes();
      expect(on).not.toMatch(/LOSES EVERY REVOCATION/);
      expect(on).toMatch(/append-only file on the PersistentVolumeClaim\s+rel-pico-auth-redis/);
    });
  });
});
