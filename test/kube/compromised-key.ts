import { CoreV1Api, type V1CronJob, type V1Secret } from '@kubernetes/client-node';
import { createLocalJWKSet, SignJWT, jwtVerify, type JSONWebKeySet } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { expect } from 'vitest';
import { parseKeyEntry } from '../../src/server/keys/index.js';
import type { ControlPlane } from './harness.js';
import { runPodSpec } from './job-runner.js';
import { run } from './tools.js';

const pem = (s: V1Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64').toString('utf8');

/** A token as the service signs one (alg, kid), with `pemKey`. */
async function tokenSignedBy(pemKey: string): Promise<string> {
  const entry = await parseKeyEntry('active.pem', pemKey, 'active');
  return new SignJWT({ role: 'user' })
    .setProtectedHeader({ alg: entry.alg, kid: entry.kid, typ: 'JWT' })
    .setSubject('compromised-test')
    .setIssuer('https://auth.test')
    .setAudience('pico-platform')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(createPrivateKey(pemKey));
}

/**
 * The compromised-key procedure of docs/security.md on the real API server: `keys emergency-rotate`
 * run with the rotation CronJob's ServiceAccount (so its get/patch Role is all it needs), then
 * what a verifier sees: the JWKS printed from the Secret no longer holds the compromised key, a
 * token it signed is refused, and a token of the new active key verifies.
 */
export async function compromisedKeyProcedure(cp: ControlPlane, ns: string, cronJob: V1CronJob, cli: string, secretName: string, adminKubeconfig: string): Promise<void> {
  const core = cp.adminConfig().makeApiClient(CoreV1Api);
  const before = await core.readNamespacedSecret({ name: secretName, namespace: ns });
  const compromised = pem(before, 'active.pem');
  const compromisedKid = (await parseKeyEntry('active.pem', compromised, 'active')).kid;
  const jwks = async (): Promise<JSONWebKeySet> => {
    const r = await run(process.execPath, [cli, 'keys', 'jwks', '--kubeconfig', adminKubeconfig, '-n', ns, '--secret', secretName]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as JSONWebKeySet;
  };
  const forged = await tokenSignedBy(compromised);
  const verify = async (token: string, set: JSONWebKeySet) => jwtVerify(token, createLocalJWKSet(set), { issuer: 'https://auth.test', audience: 'pico-platform' });
  // Before: the stolen key's tokens verify (the situation to end).
  await verify(forged, await jwks());

  const pod = cronJob.spec?.jobTemplate.spec?.template.spec;
  if (!pod) throw new Error('the rotation CronJob has no pod template');
  const container = pod.containers[0]!;
  const emergency = { ...pod, initContainers: [], containers: [{ ...container, command: ['node'], args: ['dist/cli/main.js', 'keys', 'emergency-rotate', '--secret', secretName, '--yes'] }] };
  const res = await runPodSpec(cp, ns, cli, `${cronJob.metadata?.name}-emergency`, emergency);
  expect(res, `keys emergency-rotate failed:\n${res.stderr}`).toMatchObject({ code: 0, hadToken: true });
  expect(res.stderr).toContain(`removed the compromised key ${compromisedKid}`);

  const after = await core.readNamespacedSecret({ name: secretName, namespace: ns });
  const active = pem(after, 'active.pem');
  expect(active).not.toBe(compromised);
  expect(Object.values(after.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'))).not.toContain(compromised);
  expect(after.metadata?.annotations?.['pico-auth/compromised-key-removed-at']).toBeDefined();

  const set = await jwks();
  expect(set.keys.map((k) => k.kid)).not.toContain(compromisedKid);
  await expect(verify(forged, set)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  await verify(await tokenSignedBy(active), set);
}
