import type { ServerResponse } from 'node:http';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Writes `body` as JSON with `status` on a bare node:http response (Express's too), with the
 * headers Express's `res.json` would add (Content-Type with its charset, Content-Length) and those
 * already set (X-Request-Id, Cache-Control...). For the hot routes: `res.json` re-derives the
 * Content-Type through mime-types and content-type and checks freshness on every answer (~1% of a
 * sign-in's busy time beside the socket write; bench/PROFILING.md, fifth pass).
 */
export function writeJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
