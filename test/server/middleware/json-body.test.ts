import { request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/server/errors/index.js';
import { errorHandler } from '../../../src/server/middleware/error-handler.js';
import { isPlainJson, jsonObjectBody, jsonObjectBodyFull } from '../../../src/server/middleware/json-body.js';
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

/** A server answering POST / with `handlers` then echoing the body; records the error codes it sees. */
async function echoServer(handlers: typeof jsonObjectBody, logger: Parameters<typeof errorHandler>[0]) {
  const seen: string[] = [];
  const app = express();
  app.post('/', ...handlers, (req, res) => void res.json({ body: req.body as unknown }));
  app.use(((err, _req, _res, next) => {
    const e = err as { code?: string; type?: string };
    seen.push(e instanceof AuthError ? e.code : `${e.type}`);
    next(err);
  }) as express.ErrorRequestHandler);
  app.use(errorHandler(logger));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * The plain reader (plain UTF-8 JSON with a Content-Length) against the general step (body-parser)
 * on the same requests: every answer must be the same, for the bodies the reader takes and for
 * those it hands on.
 */
describe('jsonObjectBody: the plain reader answers as body-parser', () => {
  const logs = captureLogs('info');
  let lean: Awaited<ReturnType<typeof echoServer>>;
  let full: Awaited<ReturnType<typeof echoServer>>;
  beforeAll(async () => {
    lean = await echoServer(jsonObjectBody, logs.logger);
    full = await echoServer(jsonObjectBodyFull, logs.logger);
  });
  afterAll(() => Promise.all([lean, full].map(({ server }) => new Promise<void>((r) => server.close(() => r())))));

  const exactly = (body: Buffer | string, type = 'application/json') => ({ 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  const atLimit = `{"a":"${'x'.repeat(16 * 1024 - 8)}"}`;
  const bodies: [name: string, body: Buffer | string, type?: string][] = [
    ['an object', '{"address":"0xabc","n":[1,2,{"b":null}]}'],
    ['leading and trailing JSON whitespace', ' \t\r\n{"a":1} \n'],
    ['a UTF-8 byte order mark', '\uFEFF{"a":1}'],
    ['two byte order marks', '\uFEFF\uFEFF{"a":1}'],
    ['non-ASCII text', '{"name":"Zoë 東京 🚀"}'],
    ['invalid UTF-8 bytes', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')])],
    ['a __proto__ key', '{"__proto__":{"polluted":1},"a":1}'],
    ['duplicate keys', '{"a":1,"a":2}'],
    ['malformed JSON', '{"a":'],
    ['trailing garbage', '{"a":1}x'],
    ['two objects', '{}{}'],
    ['a JSON string', '"x"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
    ['whitespace then a number', '  7'],
    ['an array', '[{"a":1}]'],
    ['whitespace only', '   '],
    ['exactly 16 KiB', atLimit],
    ['one byte over 16 KiB', atLimit + ' '],
    ['charset utf-8 in quotes', '{"a":1}', 'application/json; charset="utf-8"'],
    ['charset UTF-8, upper case type', '{"a":1}', 'APPLICATION/JSON;CHARSET=UTF-8'],
    ['a space before the ; (handed on)', '{"a":1}', 'application/json ; charset=utf-8'],
    ['a tab after the ; (handed on)', '{"a":1}', 'application/json;\tcharset=utf-8'],
    ['spaces around = (handed on)', '{"a":1}', 'application/json; charset = utf-8'],
    ['a trailing space (handed on)', '{"a":1}', 'application/json '],
    ['charset utf-16 (handed on)', '{"a":1}', 'application/json; charset=utf-16'],
    ['a +json type (handed on)', '{"a":1}', 'application/vnd.x+json'],
  ];
  for (const [name, body, type] of bodies) {
    it(`${name}: the same answer from both`, async () => {
      const headers = exactly(body, type);
      const [a, b] = await Promise.all([post(lean.url, headers, body), post(full.url, headers, body)]);
      expect(a).toEqual(b);
    });
  }

  it('takes exactly the plain cases (the others go through body-parser)', () => {
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
    const plain = ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"'];
    for (const type of plain) expect(isPlainJson(req({ 'content-type': type, 'content-length': '7' })), type).toBe(true);
    expect(isPlainJson(req({ 'content-type': 'application/json', 'content-length': '16384' }))).toBe(true);
    const handedOn: Record<string, string>[] = [
      { 'content-type': 'application/json', 'content-length': '0' },
      { 'content-type': 'application/json', 'content-length': '16385' },
      { 'content-type': 'application/json', 'content-length': '007' },
      { 'content-type': 'application/json', 'content-length': '7', 'content-encoding': 'identity' },
      { 'content-type': 'application/json', 'content-length': '7', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      { 'content-type': 'application/json; charset=latin1', 'content-length': '7' },
      { 'content-type': 'application/json; charset=utf-8; x=1', 'content-length': '7' },
      { 'content-type': 'application/jsonx', 'content-length': '7' },
      { 'content-type': 'application/json ; charset=utf-8', 'content-length': '7' },
      { 'content-type': 'application/json;  charset=utf-8', 'content-length': '7' },
      { 'content-type': 'application/json ', 'content-length': '7' },
      { 'content-type': 'text/plain', 'content-length': '7' },
      { 'content-length': '7' },
    ];
    for (const headers of handedOn) expect(isPlainJson(req(headers)), JSON.stringify(headers)).toBe(false);
  });

  it('a client that goes away mid-body is request_aborted in both, and the server goes on serving', async () => {
    // body-parser's abort is the http-error `request.aborted`, which the error handler answers as request_aborted.
    for (const [target, error] of [[lean, 'request_aborted'], [full, 'request.aborted']] as const) {
      const { port } = target.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      await expect.poll(() => target.seen).toContain(error);
      expect(await post(target.url, exactly('{"a":1}'), '{"a":1}')).toEqual({ status: 200, json: { body: { a: 1 } } });
    }
  });
});
