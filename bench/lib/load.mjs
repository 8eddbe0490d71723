// The load generator: a worker process pinned to the client core by run.mjs; each IPC message
// is one autocannon run, answered with its result.
//   { kind: 'get', url, headers?, connections, duration }
//   { kind: 'signin', url (service base), connections, duration }: POST /challenge then POST
//     /sign-in with an Ed25519 wallet, each challenge signed as it arrives (challenges are random).
import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import autocannon from 'autocannon';
import { ed25519 } from '@noble/curves/ed25519.js';

const BASE = '/api/v1/auth';

/** An Ed25519 wallet. */
function wallet() {
  const secret = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secret);
  // The same key as a node:crypto KeyObject (PKCS#8 DER = fixed prefix + 32-byte seed). Ed25519
  // signatures are deterministic (RFC 8032), so OpenSSL and @noble/curves produce the same bytes;
  // checked below. OpenSSL signs ~10x faster, which keeps the client off the critical path.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(secret)]);
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const pub = Buffer.from(createPublicKey(key).export({ format: 'der', type: 'spki' })).subarray(-32);
  if (!pub.equals(Buffer.from(publicKey))) throw new Error('Ed25519 key conversion mismatch');
  return { secret, key, publicHex: Buffer.from(publicKey).toString('hex') };
}

/** Signatures per second one signer achieves on this core (the client's own capacity). */
function signRate(signOnce, ms = 400) {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    signOnce();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

function signInRequests(config, counts) {
  const signer = config.signer ?? 'node';
  const wallets = Array.from({ length: config.connections }, wallet);
  for (const w of wallets.slice(0, 2)) {
    const msg = Buffer.from('ab'.repeat(32));
    if (!Buffer.from(ed25519.sign(msg, w.secret)).equals(nodeSign(null, msg, w.key))) throw new Error('noble and node:crypto Ed25519 signatures differ');
  }
  let next = 0;
  return [
    {
      method: 'POST',
      path: `${BASE}/challenge`,
      headers: { 'content-type': 'application/json' },
      setupRequest(req, context) {
        context.wallet = wallets[next++ % wallets.length];
        req.body = JSON.stringify({ address: context.wallet.publicHex });
        return req;
      },
      onResponse(status, body, context) {
        context.challenge = status === 200 ? JSON.parse(body).challenge : undefined;
      },
    },
    {
      method: 'POST',
      path: `${BASE}/sign-in`,
      headers: { 'content-type': 'application/json' },
      setupRequest(req, context) {
        if (context.challenge === undefined) return undefined; // challenge failed: start over
        const w = context.wallet;
        const message = Buffer.from(context.challenge, 'utf8');
        const signature = signer === 'noble' ? Buffer.from(ed25519.sign(message, w.secret)) : nodeSign(null, message, w.key);
        req.body = JSON.stringify({ algorithm: 'Ed25519', address: w.publicHex, public_key: w.publicHex, signature: signature.toString('hex'), challenge: context.challenge });
        return req;
      },
      onResponse(status) {
        if (status === 200) counts.signIns++;
        else counts.failures++;
      },
    },
  ];
}

async function run(config) {
  const counts = { signIns: 0, failures: 0 };
  let capacity;
  const opts = { url: config.url, connections: config.connections, duration: config.duration, timeout: 10 };
  if (config.kind === 'signin') {
    const w = wallet();
    const msg = Buffer.from('cd'.repeat(32));
    capacity = {
      nodeSignsPerSec: signRate(() => nodeSign(null, msg, w.key)),
      nobleSignsPerSec: signRate(() => ed25519.sign(msg, w.secret)),
    };
    opts.requests = signInRequests(config, counts);
  } else {
    opts.headers = config.headers ?? {};
  }
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const result = await autocannon(opts);
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  return {
    // Throughput: sign-ins/s for sign-in (2 requests each), 2xx requests/s otherwise.
    rps: config.kind === 'signin' ? counts.signIns / result.duration : (result['2xx'] ?? 0) / result.duration,
    duration: result.duration,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    signInFailures: counts.failures,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    // Share of its core the client used: near 1.0 means the client, not the server, was the limit.
    clientCpu: (cpu.user + cpu.system) / 1000 / wallMs,
    capacity,
  };
}

process.on('message', (config) => {
  run(config).then(
    (result) => process.send(result),
    (err) => process.send({ error: err.stack ?? String(err) }),
  );
});
