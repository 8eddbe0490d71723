import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAnonymous, allowAnonymousParam, createAuthClient, type AuthClient } from '../../src/client/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/client/testing.js';

/**
 * router.param() loaders on auth.router() run only after authentication: without a token an
 * existing and a missing id both get 401 and the loader (the database lookup) never runs, so the
 * answer says nothing about which ids exist.
 */
describe('auth.router() guards router.param()', () => {
  let issuer: TestIssuer;
  let client: AuthClient;
  let url: string;
  let close: () => Promise<void>;
  const loads: string[] = [];
  const ITEMS = new Set(['1', '2']);

  beforeAll(async () => {
    issuer = await createTestIssuer();
    client = createAuthClient(issuer.clientOptions());
    const app = express();
    const api = client.router();
    const loader = (req: Request, _res: Response, next: NextFunction, id: string) => {
      loads.push(id);
      if (!ITEMS.has(id)) return void _res.status(404).json({ detail: 'No such item.', error: 'not_found' });
      (req as Request & { item?: string }).item = id;
      next();
    };
    api.param('id', loader);
    api.get('/items/:id', (req, res) => void res.json({ item: (req as Request & { item?: string }).item, sub: req.auth?.sub }));
    api.use('/boxes/:id', (req, res) => void res.json({ box: (req as Request & { item?: string }).item }));
    // A public route whose loader is explicitly anonymous.
    api.param('slug', allowAnonymousParam((req: Request, _res: Response, next: NextFunction, slug: string) => {
      loads.push(`slug:${slug}`);
      next();
    }));
    api.get('/pages/:slug', allowAnonymous, (req, res) => void res.json({ slug: req.params.slug, anonymous: req.auth === undefined }));
    app.use('/api', api);
    app.use(client.errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      client.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await issuer.close();
    };
  });
  afterAll(() => close());

  const get = async (path: string, token?: string) => {
    const res = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('without a token an existing and a missing id look the same (401) and the loader never runs', async () => {
    loads.length = 0;
    for (const path of ['/api/items/1', '/api/items/999', '/api/boxes/1', '/api/boxes/999']) {
      expect(await get(path), path).toMatchObject({ status: 401, body: { error: 'missing_token' } });
      expect(await get(path, 'not-a-jwt'), path).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    }
    expect(loads).toEqual([]);
  });

  it('with a valid token the loader runs after authentication: 200 for an existing id, its 404 for a missing one', async () => {
    loads.length = 0;
    const token = await issuer.mint({ sub: 'reader' });
    expect(await get('/api/items/1', token)).toEqual({ status: 200, body: { item: '1', sub: 'reader' } });
    expect(await get('/api/items/999', token)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await get('/api/boxes/2', token)).toEqual({ status: 200, body: { box: '2' } });
    expect(loads).toEqual(['1', '999', '2']);
  });

  it('a loader marked allowAnonymousParam runs without a token (for public routes)', async () => {
    loads.length = 0;
    expect(await get('/api/pages/about')).toEqual({ status: 200, body: { slug: 'about', anonymous: true } });
    expect(loads).toEqual(['slug:about']);
  });
});
