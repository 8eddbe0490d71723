# shellcheck shell=bash
# Sourced by .ci/run: the pinned kustomize that test/k8s builds the plain manifests with (k8s/base and
# k8s/overlays/example), to prove that a config change renames the generated ConfigMap and so rolls
# the pods. Built from source with `go install` through the Go module proxy, cached between runs.
# v5.8.1 uses sigs.k8s.io/kustomize/api v0.21.1, the version helm v3.22's build already fetched.
PICO_KUSTOMIZE_VERSION="v5.8.1"          # sigs.k8s.io/kustomize/kustomize/v5

pico_kustomize_dir="${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/k8s-tools/kustomize-$PICO_KUSTOMIZE_VERSION"
if [ -x "$pico_kustomize_dir/kustomize" ]; then
  echo "35-kustomize: kustomize $PICO_KUSTOMIZE_VERSION already cached in $pico_kustomize_dir"
elif ! command -v go >/dev/null 2>&1; then
  echo "35-kustomize: go is not installed, cannot build kustomize $PICO_KUSTOMIZE_VERSION" >&2
  return 1 2>/dev/null || exit 1
else
  echo "35-kustomize: building kustomize $PICO_KUSTOMIZE_VERSION with go install (first run only)"
  mkdir -p "$pico_kustomize_dir"
  if ! CGO_ENABLED=0 GOBIN="$pico_kustomize_dir" GOFLAGS=-mod=mod go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$PICO_KUSTOMIZE_VERSION"; then
    echo "35-kustomize: go install kustomize $PICO_KUSTOMIZE_VERSION failed" >&2
    rm -rf "$pico_kustomize_dir"
    return 1 2>/dev/null || exit 1
  fi
fi
export PATH="$pico_kustomize_dir:$PATH"
unset pico_kustomize_dir
