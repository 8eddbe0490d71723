import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../../src/server/middleware/error-handler.js';
import { jsonObjectBody } from '../../../src/server/middleware/json-body.js';
import { captureLogs } from '../logs/capture.js';

/** Sends exactly these headers and bytes (node:http: no Content-Type or Content-Length added). */
function post(url: string, headers: Record<string, string>, body: Buffer | string | undefined, chunked = false): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    if (chunked && body !== undefined) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

const json = (s: string) => ({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(s)) });

/**
 * Every answer of the JSON body step (our 415 check, then body-parser): which bodies are parsed,
 * which are 415, 413 or 400. Pins the 4xx a replacement of body-parser on the hot routes would
 * have to keep (bench/PROFILING.md, fourth pass).
 */
describe('jsonObjectBody', () => {
  const logs = captureLogs('info');
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.post('/', ...jsonObjectBody, (req, res) => void res.json({ body: req.body as unknown }));
    app.use(errorHandler(logs.logger));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const error = (status: number, code: string) => ({ status, json: { detail: expect.any(String), error: code } });
  const cases: [name: string, headers: Record<string, string>, body: Buffer | string | undefined, expected: unknown, chunked?: boolean][] = [
    ['application/json', json('{"a":1}'), '{"a":1}', { status: 200, json: { body: { a: 1 } } }],
    ['a +json type', { ...json('{"a":1}'), 'content-type': 'application/vnd.x+json' }, '{"a":1}', { status: 200, json: { body: { a: 1 } } }],
    ['charset utf-8, upper case type', { ...json('{"a":1}'), 'content-type': 'Application/JSON; charset=UTF-8' }, '{"a":1}', { status: 200, json: { body: { a: 1 } } }],
    ['chunked JSON', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, '{"a":1}', { status: 200, json: { body: { a: 1 } } }, true],
    ['gzip-encoded JSON', { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gzipSync('{"a":1}').length) }, gzipSync('{"a":1}'), { status: 200, json: { body: { a: 1 } } }],
    ['text/plain', { ...json('{"a":1}'), 'content-type': 'text/plain' }, '{"a":1}', error(415, 'unsupported_media_type')],
    ['no content type', { 'content-length': '7' }, '{"a":1}', error(415, 'unsupported_media_type')],
    ['chunked text/plain', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, '{"a":1}', error(415, 'unsupported_media_type'), true],
    ['a malformed parameter list (type-is reads the type; the charset falls back to utf-8)', { ...json('{"a":1}'), 'content-type': 'application/json;;' }, '{"a":1}', { status: 200, json: { body: { a: 1 } } }],
    ['charset latin1', { ...json('{"a":1}'), 'content-type': 'application/json; charset=latin1' }, '{"a":1}', error(415, 'unsupported_media_type')],
    ['a utf- charset iconv does not know', { ...json('{"a":1}'), 'content-type': 'application/json; charset=utf-99' }, '{"a":1}', error(415, 'unsupported_media_type')],
    ['an unknown content encoding', { ...json('{"a":1}'), 'content-encoding': 'snappy' }, '{"a":1}', error(415, 'unsupported_media_type')],
    ['no body at all', {}, undefined, error(400, 'invalid_request')],
    ['an empty text/plain body', { 'content-type': 'text/plain', 'content-length': '0' }, '', error(400, 'invalid_request')],
    ['an empty JSON body', { 'content-type': 'application/json', 'content-length': '0' }, '', { status: 200, json: { body: {} } }],
    ['malformed JSON', json('{"a":'), '{"a":', error(400, 'invalid_json')],
    ['a JSON string (strict)', json('"x"'), '"x"', error(400, 'invalid_json')],
    ['a JSON array', json('[1]'), '[1]', error(400, 'invalid_request')],
    ['a body over 16 KiB', json(`{"a":"${'x'.repeat(17 * 1024)}"}`), `{"a":"${'x'.repeat(17 * 1024)}"}`, error(413, 'payload_too_large')],
    ['a chunked body over 16 KiB', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, `{"a":"${'x'.repeat(17 * 1024)}"}`, error(413, 'payload_too_large'), true],
  ];
  for (const [name, headers, body, expected, chunked] of cases) {
    it(`${name}`, async () => {
      expect(await post(url, headers, body, chunked)).toEqual(expected);
    });
  }
});
