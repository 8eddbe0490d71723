#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the sources pinned in tools/kube/go.mod
# (fetched through the Go module proxy) and caches them under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/kube/<kubernetes version>/
# No cluster or release binary can be downloaded here, so the test control plane
# (test/kube/harness.ts) is compiled once and reused. Idempotent: exits at once
# when both binaries are already cached. Prints the cache folder on stdout.
#
# Knobs: KUBE_BUILD_JOBS (go build -p, default 2), GO (go binary).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
version=$(sed -nE 's#^(require)?[[:space:]]*k8s\.io/kubernetes (v[0-9.]+).*#\2#p' "$here/go.mod" | head -n1)
[ -n "$version" ] || { echo "build.sh: no k8s.io/kubernetes version in $here/go.mod" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/kube/$version
mkdir -p "$cache"

# A cached binary counts only if it reports the pinned version (helm checks charts' kubeVersion
# against it; a build without the version ldflags says v0.0.0).
cached() {
  [ -x "$cache/etcd" ] && [ -x "$cache/kube-apiserver" ] &&
    [ "$("$cache/kube-apiserver" --version 2>/dev/null)" = "Kubernetes $version" ]
}
if cached; then
  echo "$cache"
  exit 0
fi

# One build at a time: CI and a developer's shell may start it together.
exec 9>"$cache/.build.lock"
flock 9
if cached; then
  echo "$cache"
  exit 0
fi

jobs=${KUBE_BUILD_JOBS:-2}
build() { # <output name> <package> [ldflags]
  local out=$1 pkg=$2 ldflags="-s ${3:-}" start
  start=$(date +%s)
  echo "build.sh: building $pkg ($version) with -p $jobs ..." >&2
  # -mod=mod: go.sum is committed, but a missing line must not stop CI.
  (cd "$here" && GOFLAGS=-mod=mod GOMAXPROCS=$jobs nice -n 19 "$GO" build -p "$jobs" \
    -trimpath -ldflags="$ldflags" -o "$cache/$out.tmp" "$pkg")
  mv -f "$cache/$out.tmp" "$cache/$out"
  echo "build.sh: $out built in $(( $(date +%s) - start ))s, $(du -h "$cache/$out" | cut -f1)" >&2
}

[ -x "$cache/etcd" ] || build etcd go.etcd.io/etcd/server/v3
# What hack/lib/version.sh stamps into a release build: /version then reports the real release.
minor=${version#v1.}
minor=${minor%%.*}
vpkg=k8s.io/component-base/version
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
  "-X $vpkg.gitVersion=$version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
echo "$cache"
