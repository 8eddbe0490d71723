import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamRevocations } from '../../../src/server/routes/revocation-stream.js';
import { MemoryRevocationStore } from '../../../src/server/stores/memory/revocations.js';
import type { RevocationStore } from '../../../src/server/stores/types.js';

/** The unpaged GET /revoked-jtis: the whole list in one response, read from the store page by page. */
describe('streamRevocations', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = undefined;
  });

  async function serve(store: RevocationStore, pageSize: number): Promise<string> {
    server = createServer((req, res) => {
      const inm = req.headers['if-none-match']?.replace(/^"rv-|"$/g, '');
      void streamRevocations(res, (query, ifVersion) => store.list(query, ifVersion), 0, inm, pageSize);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async function filled(n: number): Promise<MemoryRevocationStore> {
    const store = new MemoryRevocationStore({ maxEntries: n });
    const t = Math.floor(Date.now() / 1000);
    for (let i = 0; i < n; i++) await store.revoke({ jti: `j-${String(i).padStart(5, '0')}`, revokedAt: t - 60 + (i % 7), exp: t + 600, reason: null, revokedBy: 'op' });
    return store;
  }

  it('returns every record once, in list order, as one JSON document, across many store pages', async () => {
    const store = await filled(2345);
    const url = await serve(store, 100);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { jti: string; revoked_at: number; exp: number }[] };
    const expected = (await store.list({ since: 0, limit: 10_000 })).items!.map((e) => ({ jti: e.jti, revoked_at: e.revokedAt, exp: e.exp }));
    expect(body.items).toHaveLength(2345);
    expect(body.items).toEqual(expected);
    expect(Object.keys(body)).toEqual(['items']);
    const etag = res.headers.get('etag')!;
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('an empty list and a list of exactly one page are valid JSON', async () => {
    for (const n of [0, 100]) {
      const url = await serve(await filled(n), 100);
      expect(((await (await fetch(url)).json()) as { items: unknown[] }).items).toHaveLength(n);
      server!.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
    server = undefined;
  });

  it('aborts the response when the store fails after the first bytes (never a truncated list that parses)', async () => {
    const inner = await filled(500);
    let calls = 0;
    const failing: RevocationStore = {
      revoke: (r) => inner.revoke(r),
      isRevoked: (j) => inner.isRevoked(j),
      list: async (q, v) => {
        if (++calls === 3) throw new Error('redis went away');
        return inner.list(q, v);
      },
    };
    const url = await serve(failing, 100);
    // Headers and the first page may or may not have left before the failure: either way the
    // client sees a broken response, not a complete-looking one.
    await expect(fetch(url).then((r) => r.text())).rejects.toThrow();
    expect(calls).toBe(3);
  });
});
