import { hashPassword } from '../../../src/lib/password.js';
import type { ServerAuthSettings } from '../../../src/server/index.js';
import { postJson, readResponse } from '../../helpers/service.js';

export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const FLEET_SECRET = 'fleet-secret-0123456789abcdef';

// The cheapest parameters the hash parser accepts, so tests stay fast; made once per file.
let adminHash: Promise<string> | undefined;

/** Settings that enable the admin login (role `operator`). */
export async function adminSettings(): Promise<ServerAuthSettings> {
  adminHash ??= hashPassword(ADMIN_PASSWORD, { ln: 10, r: 8, p: 1 });
  return { adminEmail: ADMIN_EMAIL, adminPasswordHash: await adminHash };
}

/** Logs in as the admin and returns the access token. */
export async function operatorToken(api: string): Promise<string> {
  const res = await postJson(`${api}/login`, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.json.access_token as string;
}

/** A service token from the fleet endpoint (the service must have `fleetSecret` and the role allowed). */
export async function serviceToken(api: string, role = 'agent', extra: Record<string, unknown> = {}) {
  const res = await postJson(`${api}/fleet/sessions`, { session_id: 's-1', agent_id: 'agent-1', role, ttl: 600, scopes: ['jobs:read'], ...extra }, { 'x-fleet-secret': FLEET_SECRET });
  if (res.status !== 200) throw new Error(`fleet session failed: ${res.status} ${res.text}`);
  return res.json as { access_token: string; jti: string; expires_in: number; expires_at: number };
}

export async function getJson(url: string, token?: string, headers: Record<string, string> = {}) {
  return readResponse(await fetch(url, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } }));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The payload of a JWT, decoded without verification (for assertions). */
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
