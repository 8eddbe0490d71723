# shellcheck shell=bash
# Sourced by .ci/run: a Prometheus server WITH the Kubernetes service discovery, for the real-node
# suite's scrape scenario (test/node: `kubernetes_sd_configs` against the node's API server).
# Debian's prometheus 2.42.0+ds (20-prometheus.sh, still used for promtool) is built without it:
# `field kubernetes_sd_configs not found in type config.ScrapeConfig`.
# Built from the pinned Go module through the Go module proxy with `go install` (its go.mod has no
# replace/exclude directives), with the build tags Prometheus provides to leave out every other
# service discovery (`remove_all_sd` + `enable_kubernetes_sd`: no cloud SDKs to compile), cached in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/prometheus/<version>/prometheus
# Idempotent: a cached binary reporting the pinned version is reused. Exports PICO_PROMETHEUS_K8S_BIN.
# No web UI assets (the `builtinassets` tag needs the npm-built UI): the suite uses the HTTP API only.
PICO_PROMETHEUS_MODULE_VERSION="v0.316.0"   # github.com/prometheus/prometheus (= Prometheus 3.16.0)
PICO_PROMETHEUS_VERSION="3.16.0"

pico_prom_dir="${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/prometheus/$PICO_PROMETHEUS_VERSION"
pico_prom_cached() {
  [ -x "$pico_prom_dir/prometheus" ] &&
    "$pico_prom_dir/prometheus" --version 2>/dev/null | head -n1 | grep -q "version $PICO_PROMETHEUS_VERSION "
}
if pico_prom_cached; then
  echo "22-prometheus-kubernetes-sd: prometheus $PICO_PROMETHEUS_VERSION already cached in $pico_prom_dir"
else
  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "22-prometheus-kubernetes-sd: go is not installed, cannot build prometheus" >&2
    return 1 2>/dev/null || exit 1
  fi
  echo "22-prometheus-kubernetes-sd: building prometheus $PICO_PROMETHEUS_VERSION with go install (first run only)"
  mkdir -p "$pico_prom_dir"
  pico_prom_start=$(date +%s)
  # The version ldflags as Prometheus' own release build (.promu.yml) sets them: `--version` and
  # the build_info metric then name the release. CGO off: a static binary, as the release's.
  if ! CGO_ENABLED=0 GOBIN="$pico_prom_dir" GOFLAGS=-mod=mod nice -n 19 go install -trimpath \
    -tags remove_all_sd,enable_kubernetes_sd \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=$PICO_PROMETHEUS_VERSION -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.Revision=$PICO_PROMETHEUS_MODULE_VERSION" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PICO_PROMETHEUS_MODULE_VERSION"; then
    echo "22-prometheus-kubernetes-sd: go install prometheus@$PICO_PROMETHEUS_MODULE_VERSION failed" >&2
    rm -rf "$pico_prom_dir"
    unset pico_prom_dir pico_prom_start; unset -f pico_prom_cached
    return 1 2>/dev/null || exit 1
  fi
  echo "22-prometheus-kubernetes-sd: built in $(( $(date +%s) - pico_prom_start ))s, $(du -h "$pico_prom_dir/prometheus" | cut -f1)"
fi
export PICO_PROMETHEUS_K8S_BIN="$pico_prom_dir/prometheus"
"$PICO_PROMETHEUS_K8S_BIN" --version 2>&1 | head -n1
unset pico_prom_dir pico_prom_start; unset -f pico_prom_cached
