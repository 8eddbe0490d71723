import { AuthorizationV1Api, CoreV1Api, KubeConfig, type V1ResourceAttributes, type V1ResourceRule } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { ControlPlane } from './harness.js';

/** A rule as a comparable string (sorted lists). */
const ruleKey = (r: V1ResourceRule) =>
  JSON.stringify([r.apiGroups, r.resources, r.resourceNames, r.verbs].map((l) => [...(l ?? [])].sort()));

/**
 * Proves that ServiceAccount `sa` may get and patch the Secret `secret` in `ns`, and nothing else:
 * SubjectAccessReviews for what it must and must not do, its complete rule list
 * (SelfSubjectRulesReview, minus what every authenticated identity gets) and real API calls made
 * with its token.
 */
export async function rbacChecks(cp: ControlPlane, ns: string, sa: string, secret: string): Promise<void> {
  const admin = cp.adminConfig();
  const authz = admin.makeApiClient(AuthorizationV1Api);
  const user = `system:serviceaccount:${ns}:${sa}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];
  const allowed = async (attrs: V1ResourceAttributes) => {
    const res = await authz.createSubjectAccessReview({ body: { spec: { user, groups, resourceAttributes: attrs } } });
    return res.status?.allowed === true;
  };
  const secretAttrs = (verb: string, name: string | undefined = secret, namespace = ns): V1ResourceAttributes => ({
    namespace, verb, resource: 'secrets', ...(name === undefined ? {} : { name }),
  });

  for (const verb of ['get', 'patch']) expect(await allowed(secretAttrs(verb)), `${verb} its Secret`).toBe(true);
  const denied: [string, V1ResourceAttributes][] = [
    ...['update', 'delete', 'watch'].map((verb): [string, V1ResourceAttributes] => [`${verb} its Secret`, secretAttrs(verb)]),
    ['list secrets', secretAttrs('list', undefined)],
    ['create secrets', secretAttrs('create', undefined)],
    ['deletecollection secrets', secretAttrs('deletecollection', undefined)],
    ['get another Secret', secretAttrs('get', `${secret}-other`)],
    ['patch another Secret', secretAttrs('patch', `${secret}-other`)],
    ['get a Secret of that name in another namespace', secretAttrs('get', secret, 'default')],
    ['get configmaps', { namespace: ns, verb: 'get', resource: 'configmaps' }],
    ['patch its Deployment', { namespace: ns, verb: 'patch', group: 'apps', resource: 'deployments' }],
    ['create pods', { namespace: ns, verb: 'create', resource: 'pods' }],
    ['exec into pods', { namespace: ns, verb: 'create', resource: 'pods', subresource: 'exec' }],
    ['create tokens', { namespace: ns, verb: 'create', resource: 'serviceaccounts', subresource: 'token' }],
    ['escalate via roles', { namespace: ns, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' }],
  ];
  for (const [what, attrs] of denied) expect(await allowed(attrs), `must not ${what}`).toBe(false);

  // Its complete rule list, as the API server computes it for its own token, minus the baseline
  // every ServiceAccount has (a fresh one in the same namespace).
  const token = await cp.serviceAccountToken(ns, sa);
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: `${sa}-baseline` } } });
  try {
    const rulesOf = async (kc: KubeConfig) =>
      (await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({ body: { spec: { namespace: ns } } })).status?.resourceRules ?? [];
    const baseline = new Set((await rulesOf(tokenConfig(cp, ns, `${sa}-baseline`, await cp.serviceAccountToken(ns, `${sa}-baseline`)))).map(ruleKey));
    const extra = (await rulesOf(tokenConfig(cp, ns, sa, token))).filter((r) => !baseline.has(ruleKey(r)));
    expect(extra.map(ruleKey)).toEqual([ruleKey({ apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get', 'patch'] })]);
  } finally {
    await core.deleteNamespacedServiceAccount({ namespace: ns, name: `${sa}-baseline` });
  }

  // And for real, with its token: it reads its Secret; listing and reading another are refused.
  const asSa = tokenConfig(cp, ns, sa, token).makeApiClient(CoreV1Api);
  await expect(asSa.readNamespacedSecret({ name: secret, namespace: ns })).resolves.toMatchObject({ metadata: { name: secret } });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `${secret}-other` }, stringData: { x: 'y' } } });
  try {
    await expect(asSa.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(asSa.readNamespacedSecret({ name: `${secret}-other`, namespace: ns })).rejects.toMatchObject({ code: 403 });
  } finally {
    await core.deleteNamespacedSecret({ namespace: ns, name: `${secret}-other` });
  }
}

function tokenConfig(cp: ControlPlane, ns: string, name: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.writeTokenKubeconfig(name, token, ns));
  return kc;
}
