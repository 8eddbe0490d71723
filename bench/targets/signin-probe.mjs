// Sign-in latency probe: `concurrency` loops, each doing POST /challenge then POST /sign-in with its
// own Ed25519 wallet, one after the other, for `seconds`. Prints {count, p50, p99, mean} in ms per
// sign-in (both requests), and its own CPU share.
//   node signin-probe.mjs <service url> <seconds> <concurrency>
import { generateKeyPairSync, sign } from 'node:crypto';
import { request } from 'node:http';

const [base, seconds = '3', concurrency = '2'] = process.argv.slice(2);
const agent = new (await import('node:http')).Agent({ keepAlive: true });

function post(path, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${base}/api/v1/auth${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString())) : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const latencies = [];
let failures = 0;
const until = performance.now() + Number(seconds) * 1000;
async function loop() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const address = Buffer.from(publicKey.export({ format: 'der', type: 'spki' })).subarray(-32).toString('hex');
  while (performance.now() < until) {
    const t = performance.now();
    try {
      const { challenge } = await post('/challenge', { address });
      const signature = sign(null, Buffer.from(challenge), privateKey).toString('hex');
      await post('/sign-in', { algorithm: 'Ed25519', address, public_key: address, signature, challenge });
      latencies.push(performance.now() - t);
    } catch {
      failures++;
    }
  }
}
const cpu = process.cpuUsage();
const wall = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, loop));
const used = process.cpuUsage(cpu);
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
process.stdout.write(
  `${JSON.stringify({ count: latencies.length, failures, p50: q(0.5), p99: q(0.99), mean: latencies.reduce((a, b) => a + b, 0) / latencies.length, clientCpu: (used.user + used.system) / 1000 / (performance.now() - wall) })}\n`,
);
agent.destroy();
