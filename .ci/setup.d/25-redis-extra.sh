# Redis tools for the multi-replica scenarios (test/cluster): redis-server and redis-cli (Cluster
# creation with `redis-cli --cluster create`) and Debian's redis-sentinel for the failover scenario.
# Idempotent: installs only what is missing.
_pico_redis_missing=()
command -v redis-server >/dev/null || _pico_redis_missing+=(redis-server)
command -v redis-cli >/dev/null || _pico_redis_missing+=(redis-tools)
command -v redis-sentinel >/dev/null || _pico_redis_missing+=(redis-sentinel)
if [ "${#_pico_redis_missing[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${_pico_redis_missing[@]}" >/dev/null
  # The package starts a system-wide Sentinel on 26379; the scenarios start their own on free ports.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-sentinel 2>/dev/null; then systemctl stop redis-sentinel || true; fi
fi
unset _pico_redis_missing
redis-sentinel --version >/dev/null
