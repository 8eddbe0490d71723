// `n` downstream pollers, each reading the whole revocation list page by page (limit 10000, as the
// library's first load does), again and again until SIGTERM; then prints {fullFetches, pages}.
//   node revocation-pollers.mjs <endpoint> <bearer> <n>
const [endpoint, bearer, n = '3'] = process.argv.slice(2);
let stopping = false;
let fullFetches = 0;
let pages = 0;
let errors = 0;

async function poller() {
  while (!stopping) {
    let cursor = null;
    try {
      do {
        const url = new URL(endpoint);
        url.searchParams.set('limit', '10000');
        if (cursor !== null) url.searchParams.set('cursor', cursor);
        const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
        if (res.status !== 200) throw new Error(String(res.status));
        const body = await res.json();
        pages++;
        cursor = body.next_cursor;
      } while (cursor !== null && !stopping);
      if (cursor === null) fullFetches++;
    } catch {
      errors++;
    }
  }
}
const running = Promise.all(Array.from({ length: Number(n) }, poller));
process.stdout.write('{"started":true}\n');
process.once('SIGTERM', async () => {
  stopping = true;
  await running;
  process.stdout.write(`${JSON.stringify({ fullFetches, pages, errors })}\n`);
  process.exit(0);
});
