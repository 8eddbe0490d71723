import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { RevocationEntry, RevocationPage, RevocationQuery } from '../stores/types.js';

/** Reads one page of the list (the sessions service's `revocations`). */
export type ReadRevocations = (query: RevocationQuery, ifVersion?: string) => Promise<RevocationPage>;

/** A list entry as the wire has it. */
export const wire = (e: RevocationEntry) => ({ jti: e.jti, revoked_at: e.revokedAt, exp: e.exp });

/**
 * The whole list in one response, read from the store one bounded page at a time. The ETag is the
 * version before the first page: a change during the stream moves it, so the next conditional
 * poll reads again. A store failure after the first bytes aborts the response (never a truncated
 * list that parses).
 */
export async function streamRevocations(res: ServerResponse, list: ReadRevocations, since: number, cached: string | undefined, pageSize: number): Promise<void> {
  let page = await list({ since, limit: pageSize }, cached);
  res.setHeader('ETag', `"rv-${page.version}"`);
  res.setHeader('Cache-Control', 'private, no-cache');
  if (page.items === null) return void res.writeHead(304).end();
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  let text = '{"items":[';
  let first = true;
  try {
    for (;;) {
      for (const e of page.items!) {
        text += (first ? '' : ',') + JSON.stringify(wire(e));
        first = false;
      }
      if (page.next === null) break;
      if (!res.write(text)) await once(res, 'drain');
      text = '';
      page = await list({ since, after: page.next, limit: pageSize });
    }
    res.end(`${text}]}`);
  } catch (err) {
    res.destroy(err as Error);
  }
}
