// The downstream library's revocation list, alone in a process: how long until its first full
// load is done (ready) and what it then holds. Prints one JSON line.
//   node --expose-gc revocation-client.mjs <endpoint> <bearer>
// BENCH_REVOCATION_CLIENT: another build of the library's revocation module (an A/B of two versions).
const { RevocationList } = await import(process.env.BENCH_REVOCATION_CLIENT ?? '../../dist/client/revocation.js');

const [endpoint, bearer] = process.argv.slice(2);
const settle = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
};
settle();
const before = process.memoryUsage();
const list = new RevocationList(
  { endpoint: new URL(endpoint), bearer, ttlSeconds: 3600, maxStaleSeconds: 7200, timeoutSeconds: 60, graceSeconds: 60 },
  { revocationPoll() {} },
);
const cpu = process.cpuUsage();
const start = performance.now();
await list.poll();
const readyMs = performance.now() - start;
const cpuMs = (() => {
  const c = process.cpuUsage(cpu);
  return (c.user + c.system) / 1000;
})();
settle();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    size: list.size,
    readyMs,
    cpuMs,
    heapUsedDelta: after.heapUsed - before.heapUsed,
    arrayBuffersDelta: after.arrayBuffers - before.arrayBuffers,
    heapUsed: after.heapUsed,
    rss: after.rss,
  })}\n`,
);
list.stop();
