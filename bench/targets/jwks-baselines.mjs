// Baselines for the JWKS benchmark, each serving the bytes the service serves.
// Usage: node jwks-baselines.mjs <bare|express> <jwks-file> <etag> <cache-control>
// Prints {"port": N} once listening on 127.0.0.1.
//   bare:    a node:http server writing the same bytes and headers (the platform's limit)
//   express: a plain Express 5 `res.json` route (what a naive implementation gets)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

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
} else {
  throw new Error(`unknown mode ${mode}`);
}
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
