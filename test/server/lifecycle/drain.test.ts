import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createAuthService } from '../../../src/server/index.js';
import { makeKeyDir } from '../../helpers/service.js';

/** One raw keep-alive connection: send a request, read one whole answer (headers + Content-Length body). */
function keepAliveConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let buffer = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => ((buffer += chunk), wake()));
  socket.on('close', () => ((ended = true), wake()));
  socket.on('error', () => undefined); // a reset shows as `ended` without an answer
  async function answer(): Promise<{ status: number; headers: string } | null> {
    for (;;) {
      const head = buffer.indexOf('\r\n\r\n');
      if (head >= 0) {
        const headers = buffer.slice(0, head);
        const length = Number(/content-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
        if (buffer.length >= head + 4 + length) {
          buffer = buffer.slice(head + 4 + length);
          return { status: Number(headers.split(' ')[1]), headers: headers.toLowerCase() };
        }
      }
      if (ended) return null;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  return {
    async get(path: string) {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      return answer();
    },
    closed: () => ended,
    waitClosed: () => new Promise<void>((resolve) => (ended ? resolve() : socket.once('close', () => resolve()))),
    destroy: () => socket.destroy(),
  };
}

describe('graceful drain of keep-alive connections', () => {
  it('a client reusing its keep-alive connection right after close() begins gets an answer with Connection: close, not a reset', async () => {
    const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', shutdownGraceSeconds: 5 } });
    const { port } = await service.listen(0, '127.0.0.1');
    const conn = keepAliveConnection(port);
    try {
      const first = await conn.get('/healthz');
      expect(first?.status).toBe(200);
      expect(first?.headers).not.toContain('connection: close');
      // The connection is idle now; the replica starts draining (SIGTERM), and the client sends its
      // next request on the same connection, as a load balancer's pooled connection does.
      const closing = service.close();
      const second = await conn.get('/healthz');
      expect(second?.status).toBe(200);
      expect(second?.headers).toContain('connection: close');
      await conn.waitClosed(); // the server ends the connection after that answer
      await closing;
    } finally {
      conn.destroy();
      await service.close();
    }
  });

  it('with no grace at all, idle connections are still closed and close() resolves', async () => {
    const service = await createAuthService({ serverAuth: { keysDir: makeKeyDir('EdDSA'), logLevel: 'silent', shutdownGraceSeconds: 0 } });
    const { port } = await service.listen(0, '127.0.0.1');
    const conn = keepAliveConnection(port);
    try {
      expect((await conn.get('/healthz'))?.status).toBe(200);
      await service.close();
      await conn.waitClosed();
      expect(conn.closed()).toBe(true);
    } finally {
      conn.destroy();
    }
  });
});
