// Baselines for the JWKS benchmark, each serving the bytes the service serves.
// Usage: node jwks-baselines.mjs <bare|express|ceiling> <jwks-file> <etag> <cache-control>
// Prints {"port": N} once listening on 127.0.0.1.
//   bare:    a node:http server writing the same bytes and headers (the platform's limit)
//   express: a plain Express 5 `res.json` route (what a naive implementation gets)
//   ceiling: a raw TCP server answering every request with a canned response (no HTTP parsing):
//            what the load generator can drive at most, to show the client is not the limit
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';

const [mode, file, etag, cacheControl] = process.argv.slice(2);
const body = readFileSync(file);
const headers = { 'Cache-Control': cacheControl, ETag: etag, Vary: 'Accept-Encoding', 'Content-Type': 'application/json', 'Content-Length': body.length };
const PATH = '/api/v1/auth/jwks';

let server;
if (mode === 'bare') {
  server = createServer((req, res) => {
    if (req.url === PATH) {
      res.writeHead(200, headers);
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
} else if (mode === 'express') {
  const { default: express } = await import('express'); // only here: the bare baseline loads nothing
  const jwks = JSON.parse(body.toString('utf8'));
  const app = express();
  app.disable('x-powered-by');
  app.get(PATH, (_req, res) => {
    res.set({ 'Cache-Control': cacheControl, ETag: etag, Vary: 'Accept-Encoding' }).json(jwks);
  });
  server = createServer(app);
} else if (mode === 'ceiling') {
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${head}Connection: keep-alive\r\n\r\n`), body]);
  server = createNetServer((socket) => {
    // One response per request head; good enough for a client that sends GETs without bodies.
    socket.on('data', (chunk) => {
      let count = 0;
      for (let i = chunk.indexOf('\r\n\r\n'); i !== -1; i = chunk.indexOf('\r\n\r\n', i + 4)) count++;
      for (let i = 0; i < count; i++) socket.write(response);
    });
    socket.on('error', () => socket.destroy());
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
