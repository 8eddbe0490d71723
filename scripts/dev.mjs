#!/usr/bin/env node
// `npm run dev`: build once, then the auth service (port 8100) and the sample API with its sign-in
// page (port 8200), each with its development defaults (they trust each other: CORS, SIWE domain,
// issuer), output prefixed [auth] / [sample]; prints the page URL once both answer. Ctrl-C stops
// both; if one exits, the other is stopped too. Refuses NODE_ENV=production.
// Options: --no-build (use the existing dist/), --dist DIR. Ports: PICO_DEV_AUTH_PORT,
// PICO_DEV_SAMPLE_PORT (then the CORS origin, SIWE domain and issuer follow them).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const args = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
const distArg = args.indexOf('--dist');
const dist = resolve(root, distArg >= 0 ? args[distArg + 1] : 'dist');
const authPort = Number(process.env.PICO_DEV_AUTH_PORT || 8100);
const samplePort = Number(process.env.PICO_DEV_SAMPLE_PORT || 8200);

if (process.env.NODE_ENV && process.env.NODE_ENV !== 'development') {
  console.error(`npm run dev is for development; NODE_ENV=${process.env.NODE_ENV} is set. Run the service with npm start (or the image) instead.`);
  process.exit(2);
}

if (!args.includes('--no-build')) {
  console.log('pico-auth dev: building (tsc, sign-in page, bundle) once for both processes...');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
for (const file of ['bundle/server.mjs', 'sample/main.js']) {
  if (!existsSync(join(dist, file))) {
    console.error(`pico-auth dev: ${join(dist, file)} is missing: run npm run build (or npm run dev without --no-build)`);
    process.exit(1);
  }
}

// Only what differs from the embedded development defaults (ports other than 8100/8200).
const unless = (name, value) => (process.env[name] ? {} : { [name]: value });
const authEnv = {
  ...process.env,
  PORT: String(authPort),
  ...(authPort !== 8100 ? unless('AUTH_ISSUER', `http://localhost:${authPort}`) : {}),
  ...(samplePort !== 8200 ? { ...unless('AUTH_CORS_ORIGINS', `http://localhost:${samplePort},http://127.0.0.1:${samplePort}`), ...unless('AUTH_SIWE_DOMAINS', `localhost:${samplePort},127.0.0.1:${samplePort}`) } : {}),
};
const sampleEnv = {
  ...process.env,
  PORT: String(samplePort),
  ...(authPort !== 8100 ? unless('AUTH_CLIENT_ISSUER', `http://localhost:${authPort}`) : {}),
};

const children = [];
let stopping = false;
function start(name, file, env) {
  const child = spawn(process.execPath, [join(dist, file)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`pico-auth dev: ${name} exited (${signal ?? code}); stopping the other`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined))).then(() => process.exit(code));
  setTimeout(() => process.exit(code), 15_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

start('auth', 'bundle/server.mjs', authEnv);
start('sample', 'sample/main.js', sampleEnv);

async function ready(url) {
  const deadline = Date.now() + 60_000;
  while (!stopping && Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return true;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  return false;
}

const [authUp, sampleUp] = await Promise.all([ready(`http://127.0.0.1:${authPort}/api/v1/auth/jwks`), ready(`http://127.0.0.1:${samplePort}/readyz`)]);
if (!stopping) {
  if (authUp && sampleUp) {
    console.log(`
pico-auth dev: ready
  sign-in page (sample API):  http://localhost:${samplePort}/
  auth service:               http://localhost:${authPort}/api/v1/auth/jwks
  a token from the terminal:  npx pico-auth dev sign-in${authPort !== 8100 ? ` --url http://localhost:${authPort}` : ''}
Ctrl-C stops both.
`);
  } else {
    console.error(`pico-auth dev: ${authUp ? 'the sample API' : 'the auth service'} did not become ready within 60 s; see its output above`);
    stop(1);
  }
}
