# shellcheck shell=bash
# Sourced by .ci/run: installs the pinned Kubernetes tools the chart tests need (test/helm/*),
# built from source with `go install` through the Go module proxy, cached between runs.
# Idempotent: a binary already built at the pinned version is reused.

PICO_HELM_VERSION="v3.22.0"              # helm.sh/helm/v3
PICO_KUBECTL_VALIDATE_VERSION="v0.0.4"   # sigs.k8s.io/kubectl-validate

pico_k8s_tools_dir="${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/k8s-tools"

pico_k8s_install() {
  # $1 package path, $2 version, $3 binary name
  local bin_dir="$pico_k8s_tools_dir/$3-$2"
  if [ -x "$bin_dir/$3" ]; then
    echo "30-k8s-tools: $3 $2 already cached in $bin_dir"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "30-k8s-tools: go is not installed, cannot build $3 $2" >&2
    return 1
  fi
  echo "30-k8s-tools: building $3 $2 with go install (first run only, a few minutes)"
  mkdir -p "$bin_dir"
  # -trimpath/-ldflags keep the binary small; CGO off gives a static binary that survives libc updates.
  if ! CGO_ENABLED=0 GOBIN="$bin_dir" GOFLAGS=-mod=mod go install -trimpath -ldflags="-s -w" "$1@$2"; then
    echo "30-k8s-tools: go install $1@$2 failed" >&2
    rm -rf "$bin_dir"
    return 1
  fi
}

pico_k8s_install helm.sh/helm/v3/cmd/helm "$PICO_HELM_VERSION" helm || return 1 2>/dev/null || exit 1
pico_k8s_install sigs.k8s.io/kubectl-validate "$PICO_KUBECTL_VALIDATE_VERSION" kubectl-validate || return 1 2>/dev/null || exit 1

export PATH="$pico_k8s_tools_dir/helm-$PICO_HELM_VERSION:$pico_k8s_tools_dir/kubectl-validate-$PICO_KUBECTL_VALIDATE_VERSION:$PATH"
unset -f pico_k8s_install
