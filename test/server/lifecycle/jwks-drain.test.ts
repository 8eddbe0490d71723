import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createAuthService, type AuthService } from '../../../src/server/index.js';
import { makeKeyDir } from '../../helpers/service.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the request went out on a connection the agent had already used (keep-alive). */
  reused: boolean;
}

/** GET with node:http: `agent` a keep-alive Agent (connection reuse), or false for a fresh connection. */
function fetchOn(url: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

async function start(shutdownDelaySeconds: number): Promise<{ service: AuthService; jwks: string }> {
  const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', shutdownDelaySeconds, shutdownGraceSeconds: 5 } });
  const { url } = await service.listen(0, '127.0.0.1');
  return { service, jwks: `${url}/api/v1/auth/jwks` };
}

const kidsOf = (a: Answer) => (JSON.parse(a.body) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('the JWKS while shutting down: the readiness probe fails, pinned keep-alive clients keep their keys', () => {
  it('a connection open before the shutdown gets 200 with the keys and Connection: close; a new connection gets 503', async () => {
    const { service, jwks } = await start(2); // the listener keeps serving for 2 s (AUTH_SHUTDOWN_DELAY_SECONDS)
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    let closing: Promise<void> | undefined;
    try {
      const before = await fetchOn(jwks, keepAlive);
      expect(before.status).toBe(200);
      expect(before.headers.connection).not.toBe('close');
      const kids = kidsOf(before);
      expect(kids).toHaveLength(1);

      closing = service.close(); // SIGTERM
      // The client kube-proxy keeps pinned to this pod, on its established connection.
      const pinned = await fetchOn(jwks, keepAlive);
      expect(pinned.reused).toBe(true);
      expect(pinned.status).toBe(200);
      expect(kidsOf(pinned)).toEqual(kids);
      expect(pinned.headers.connection).toBe('close');

      // A new connection: the kubelet's next probe, or a client the Service should no longer route here.
      const probe = await fetchOn(jwks, false);
      expect(probe.status).toBe(503);
      expect(JSON.parse(probe.body)).toMatchObject({ error: 'shutting_down' });
      expect(probe.headers.connection).toBe('close');
      expect(probe.headers['cache-control']).toBe('no-store');

      // The pinned client's next request opens a new connection (the old one was closed): 503 too,
      // so it goes on with another replica.
      const reconnected = await fetchOn(jwks, keepAlive);
      expect(reconnected.reused).toBe(false);
      expect(reconnected.status).toBe(503);
      await closing;
    } finally {
      keepAlive.destroy();
      await service.close();
    }
  });

  it('with no drain delay (the chart: a preStop sleep instead), the request sent on the established connection right after SIGTERM still gets the keys', async () => {
    const { service, jwks } = await start(0);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await fetchOn(jwks, keepAlive)).status).toBe(200);
      const closing = service.close();
      const pinned = await fetchOn(jwks, keepAlive);
      expect(pinned.reused).toBe(true);
      expect(pinned.status).toBe(200);
      expect(kidsOf(pinned)).toHaveLength(1);
      expect(pinned.headers.connection).toBe('close');
      await closing;
    } finally {
      keepAlive.destroy();
      await service.close();
    }
  });

  it('a connection first opened after the shutdown began stays refused on every request it sends', async () => {
    const { service, jwks } = await start(2);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const closing = service.close();
      const first = await fetchOn(jwks, keepAlive);
      expect(first.status).toBe(503);
      expect(first.headers.connection).toBe('close');
      await closing;
    } finally {
      keepAlive.destroy();
      await service.close();
    }
  });
});
