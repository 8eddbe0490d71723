import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesSecretStore, loadKubeConfig, resolveNamespace } from '../../../src/cli/k8s/secret-store.js';
import { ConflictError, KubernetesApiError } from '../../../src/cli/k8s/types.js';
import { FakeApiServer } from './fake-apiserver.js';

let api: FakeApiServer;
beforeAll(async () => {
  api = await new FakeApiServer().start();
});
afterAll(async () => api.stop());

function store(name: string, token?: string) {
  const kc = loadKubeConfig({ kubeconfig: api.kubeconfig('auth', token) });
  return KubernetesSecretStore.fromKubeConfig(kc, resolveNamespace(kc, {}), name);
}

describe('KubernetesSecretStore', () => {
  it('takes the namespace from the kubeconfig context unless given', () => {
    const kc = loadKubeConfig({ kubeconfig: api.kubeconfig('team-a') });
    expect(resolveNamespace(kc, {})).toBe('team-a');
    expect(resolveNamespace(kc, { namespace: 'other' })).toBe('other');
  });

  it('reads null for a missing Secret, creates it once, and decodes its data', async () => {
    const s = store('keys-a');
    expect(await s.read()).toBeNull();
    expect(await s.create(new Map([['active.pem', 'PEM-A']]), { 'pico-auth/active-since': '2026-01-01T00:00:00.000Z' }, { app: 'x' })).toBe('created');
    expect(await s.create(new Map([['active.pem', 'OTHER']]), {}, {})).toBe('exists');
    const secret = await s.read();
    expect(secret?.files.get('active.pem')).toBe('PEM-A');
    expect(secret?.annotations['pico-auth/active-since']).toBe('2026-01-01T00:00:00.000Z');
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/api/v1/namespaces/auth/secrets');
    expect((post?.body as { data: Record<string, string> }).data['active.pem']).toBe(Buffer.from('PEM-A').toString('base64'));
  });

  it('patches with a JSON merge patch carrying resourceVersion, removing keys with null', async () => {
    const s = store('keys-b');
    await s.create(new Map([['active.pem', 'A'], ['old.pem', 'O']]), { 'pico-auth/retired-at': 'x' }, {});
    const before = (await s.read())!;
    await s.update({ set: new Map([['next.pem', 'N']]), remove: ['old.pem'], annotations: { 'pico-auth/retired-at': null, 'pico-auth/next-published-at': 't' } }, before.resourceVersion);
    const patch = api.requests.filter((r) => r.method === 'PATCH').at(-1)!;
    expect(patch.contentType).toBe('application/merge-patch+json');
    expect(patch.body).toEqual({
      metadata: { resourceVersion: before.resourceVersion, annotations: { 'pico-auth/retired-at': null, 'pico-auth/next-published-at': 't' } },
      data: { 'next.pem': Buffer.from('N').toString('base64'), 'old.pem': null },
    });
    const after = (await s.read())!;
    expect([...after.files.keys()].sort()).toEqual(['active.pem', 'next.pem']);
    expect(after.annotations).toEqual({ 'pico-auth/next-published-at': 't' });
    expect(after.resourceVersion).not.toBe(before.resourceVersion);
  });

  it('a patch planned on a stale read fails with ConflictError and changes nothing', async () => {
    const s = store('keys-c');
    await s.create(new Map([['active.pem', 'A']]), {}, {});
    const stale = (await s.read())!;
    await s.update({ annotations: { a: '1' } }, stale.resourceVersion);
    await expect(s.update({ set: new Map([['next.pem', 'N']]) }, stale.resourceVersion)).rejects.toBeInstanceOf(ConflictError);
    expect((await s.read())!.files.has('next.pem')).toBe(false);
  });

  it('reports a permission failure with the status and the server message', async () => {
    const s = store('keys-a', 'wrong-token');
    const err = await s.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect(err).toMatchObject({ status: 403, code: 'forbidden' });
    expect((err as Error).message).toMatch(/cannot get resource "secrets"/);
  });
});
