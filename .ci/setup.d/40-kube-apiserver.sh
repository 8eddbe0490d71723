# shellcheck shell=bash
# Sourced by .ci/run: builds the test control plane (kube-apiserver and etcd, from the Kubernetes
# sources pinned in tools/kube/go.mod, through the Go module proxy) that test/kube/* starts on
# loopback. The binaries are cached under ${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/kube/<version>/,
# so only the first run on a machine compiles (about 15-25 minutes on 2 cores); later runs reuse them.
# Exports PICO_KUBE_BIN_DIR for the harness. Sourced, so it never calls `exit` on success.

pico_kube_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "40-kube-apiserver: go is not installed, cannot build kube-apiserver" >&2
  return 1 2>/dev/null || exit 1
fi
echo "40-kube-apiserver: building or reusing kube-apiserver and etcd (tools/kube/build.sh)"
if ! PICO_KUBE_BIN_DIR="$(bash "$pico_kube_root/tools/kube/build.sh")"; then
  echo "40-kube-apiserver: tools/kube/build.sh failed" >&2
  return 1 2>/dev/null || exit 1
fi
export PICO_KUBE_BIN_DIR
echo "40-kube-apiserver: control plane binaries in $PICO_KUBE_BIN_DIR"
unset pico_kube_root
