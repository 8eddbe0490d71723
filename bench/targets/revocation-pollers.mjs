// `n` downstream library instances, each doing full loads of the revocation list (a fresh
// `RevocationList`, as a starting pod has: every page, in the form the library negotiates), again
// and again until SIGTERM; then prints {fullFetches, pages, errors, cpu} (cpu: share of one core).
//   node revocation-pollers.mjs <endpoint> <bearer> <n>
import { RevocationList } from '../../dist/client/revocation.js';

const [endpoint, bearer, n = '3'] = process.argv.slice(2);
let stopping = false;
let fullFetches = 0;
let pages = 0;
let errors = 0;
// Counts the library's page requests.
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => {
  pages++;
  return realFetch(...args);
};

async function poller() {
  while (!stopping) {
    const list = new RevocationList(
      { endpoint: new URL(endpoint), bearer, ttlSeconds: 3600, maxStaleSeconds: 7200, timeoutSeconds: 60, graceSeconds: 60 },
      { revocationPoll() {} },
    );
    try {
      await list.poll();
      if (!stopping) fullFetches++;
    } catch {
      if (!stopping) errors++;
    } finally {
      list.stop();
    }
  }
}
const cpu = process.cpuUsage();
const wall = performance.now();
const running = Promise.all(Array.from({ length: Number(n) }, poller));
process.stdout.write('{"started":true}\n');
process.once('SIGTERM', async () => {
  stopping = true;
  const used = process.cpuUsage(cpu);
  const share = (used.user + used.system) / 1000 / (performance.now() - wall);
  // A full load in progress is not waited for (at 1M it takes seconds): report now, then exit.
  process.stdout.write(`${JSON.stringify({ fullFetches, pages, errors, cpu: share })}\n`);
  process.exit(0);
});
void running;
