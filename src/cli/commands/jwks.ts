import { buildKeyring, readKeyDirectory } from '../../server/keys/index.js';
import type { SecretStore } from '../k8s/types.js';

/** The public JWKS of a local key directory (exactly what the service would publish). */
export async function jwksOfDirectory(dir: string): Promise<{ keys: unknown[] }> {
  return (await buildKeyring(await readKeyDirectory(dir))).jwks;
}

/** The public JWKS of the key Secret: its `*.pem` data keys, as the mounted directory would show them. */
export async function jwksOfSecret(store: SecretStore): Promise<{ keys: unknown[] }> {
  const secret = await store.read();
  if (!secret) throw new Error(`${store.ref} does not exist`);
  const pems = new Map([...secret.files].filter(([name]) => name.endsWith('.pem')));
  return (await buildKeyring(pems)).jwks;
}
