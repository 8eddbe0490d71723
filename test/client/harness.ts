import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuthClient, getSecurityContext, requireGroup, requireRole, requireScope, allowAnonymous, type AuthClient, type AuthClientOptions } from '../../src/client/index.js';

export interface Harness {
  client: AuthClient;
  url: string;
  get(path: string, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** An Express app protected by a client, on 127.0.0.1, with a route per guard. */
export async function startProtectedApp(options: AuthClientOptions): Promise<Harness> {
  const client = createAuthClient(options);
  const app = express();
  const api = client.router();
  api.get('/public', allowAnonymous, (req, res) => void res.json({ anonymous: req.auth === undefined }));
  api.get('/data', (req, res) => void res.json({ sub: req.auth?.sub }));
  api.get('/me', async (_req, res) => {
    await new Promise((resolve) => setImmediate(resolve));
    const ctx = getSecurityContext();
    res.json({ ...ctx });
  });
  api.get('/operator', requireRole('operator'), (_req, res) => void res.json({ ok: true }));
  api.get('/group', requireGroup('admins', 'ops'), (_req, res) => void res.json({ ok: true }));
  api.get('/scope', requireScope('orders:read', 'orders:items:write'), (_req, res) => void res.json({ ok: true }));
  api.get('/wildcard', requireScope('orders:*'), (_req, res) => void res.json({ ok: true }));
  app.use('/api', api);
  app.use(client.errorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    client,
    url,
    async get(path, token, headers = {}) {
      const res = await fetch(url + path, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      client.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
