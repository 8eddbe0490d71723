# shellcheck shell=bash
# Sourced by .ci/run: Debian's `prometheus` package, which provides `promtool` (the exposition
# check in test/prometheus/) and `prometheus` (the real server that scrapes a running service).
# Idempotent: nothing is installed when both binaries are already on PATH. The package enables a
# system service we do not want running; the tests start their own server on a loopback port.
# It has no Kubernetes service discovery: 22-prometheus-kubernetes-sd.sh builds the one the node suite uses.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "20-prometheus: installing Debian's prometheus package (promtool, prometheus)"
  apt-get update -qq
  # policy-rc.d exit 101 keeps apt from starting the packaged prometheus service (port 9090).
  pico_prom_policy_made=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && pico_prom_policy_made=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [ -n "$pico_prom_policy_made" ]; then rm -f /usr/sbin/policy-rc.d; fi
  unset pico_prom_policy_made
fi
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  echo "20-prometheus: $(promtool --version 2>&1 | head -n1)"
else
  echo "20-prometheus: promtool/prometheus still missing after install" >&2
  return 1 2>/dev/null || exit 1
fi
