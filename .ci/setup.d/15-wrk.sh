# wrk (Debian's package): the bench's HTTP load generator (bench/lib/wrk.mjs). A C event loop that
# drives a Node server with CPU to spare, where autocannon (Node) used 89-96% of its core and
# became the limit (issue 16). Only `npm run bench` needs it; without it the bench falls back to
# autocannon and says so. Idempotent.
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
