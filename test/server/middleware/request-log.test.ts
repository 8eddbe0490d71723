import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLog } from '../../../src/server/middleware/request-log.js';
import { captureLogs } from '../logs/capture.js';

/** The request log on a bare node:http server: level per status, the aborted case, nothing built when the level is off. */
describe('request log', () => {
  const logs = captureLogs('debug');
  const quiet = captureLogs('info');
  let server: Server;
  let base: string;
  /** Request ids the hanging route has received (it never answers them). */
  const hanging: string[] = [];

  beforeAll(async () => {
    const log = requestLog(logs.logger);
    const quietLog = requestLog(quiet.logger);
    server = createServer((req, res) => {
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
      (req.url?.startsWith('/quiet') ? quietLog : log)(req, res, () => {
        if (req.url?.startsWith('/hang')) return void hanging.push(String(req.headers['x-request-id'])); // never answers: the client aborts
        res.statusCode = status;
        res.end('x');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const levelOf = (id: string) => logs.lines().find((l) => (l.req as { id?: string } | undefined)?.id === id);

  it('writes one line per request at a level following the status', async () => {
    for (const [status, level] of [[200, 20], [404, 30], [503, 40], [500, 50]] as const) {
      const id = `status-${status}`;
      const res = await fetch(`${base}/x?status=${status}`, { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
      await res.text();
      await expect.poll(() => levelOf(id)).toMatchObject({ level, res: { statusCode: status }, req: { id, method: 'GET' }, msg: `GET unmatched ${status}` });
    }
    expect(logs.lines().filter((l) => (l.req as { id?: string } | undefined)?.id === 'status-200')).toHaveLength(1);
  });

  it('logs a request the client abandoned, once, as aborted', async () => {
    const req = request(`${base}/hang`, { headers: { 'x-request-id': 'gone-1' } });
    req.on('error', () => undefined);
    req.end();
    await expect.poll(() => hanging).toContain('gone-1'); // the server is handling it
    req.destroy();
    await expect.poll(() => levelOf('gone-1')).toMatchObject({ level: 40, msg: 'GET unmatched aborted' });
    // A request made after the abort was logged, and logged itself: whatever the abort could still
    // have set off on the server (a second close or finish) came before it.
    const after = await fetch(`${base}/x`, { headers: { 'x-request-id': 'after-gone-1' } });
    await after.text();
    await expect.poll(() => levelOf('after-gone-1')).toBeDefined();
    expect(logs.lines().filter((l) => (l.req as { id?: string } | undefined)?.id === 'gone-1')).toHaveLength(1);
  });

  it('writes nothing for a 2xx when debug is off, but still answers with an id', async () => {
    const res = await fetch(`${base}/quiet`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await res.text();
    const bad = await fetch(`${base}/quiet?status=400`);
    await bad.text();
    await expect.poll(() => quiet.lines().length).toBe(1);
    expect(quiet.lines()[0]).toMatchObject({ level: 30, res: { statusCode: 400 } });
  });
});
