#!/usr/bin/env bash
# Builds the node side of the real-node suite (test/node) from pinned sources, next to the
# kube-apiserver and etcd of build.sh, and caches them under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/kube/<kubernetes version>/
#   kubelet, kube-controller-manager, kube-scheduler, kube-proxy  (tools/kube/go.mod, `tool` block)
#   coredns-<version>                                             (tools/coredns: CoreDNS with the
#                                                                  kubernetes plugin only)
# Run build.sh first: these reuse its Go build cache (kubelet ~140 s, the others 5-80 s on 2 idle
# cores with a warm cache). Idempotent; prints the cache folder on stdout.
# Knobs: KUBE_BUILD_JOBS (go build -p, default 2), GO (go binary).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
version=$(sed -nE 's#^(require)?[[:space:]]*k8s\.io/kubernetes (v[0-9.]+).*#\2#p' "$here/go.mod" | head -n1)
coredns_version=$(sed -nE 's#^require github\.com/coredns/coredns (v[0-9.]+).*#\1#p' "$here/../coredns/go.mod")
[ -n "$version" ] && [ -n "$coredns_version" ] || { echo "build-node.sh: no pinned versions found" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth/kube/$version
mkdir -p "$cache"
components=(kubelet kube-controller-manager kube-scheduler kube-proxy)

cached() {
  local c
  for c in "${components[@]}"; do
    [ -x "$cache/$c" ] && [ "$("$cache/$c" --version 2>/dev/null)" = "Kubernetes $version" ] || return 1
  done
  [ -x "$cache/coredns-$coredns_version" ]
}
if cached; then echo "$cache"; exit 0; fi

# Same lock as build.sh: one Kubernetes build at a time on a machine.
exec 9>"$cache/.build.lock"
flock 9
if cached; then echo "$cache"; exit 0; fi

jobs=${KUBE_BUILD_JOBS:-2}
minor=${version#v1.}
minor=${minor%%.*}
vpkg=k8s.io/component-base/version
ldflags="-s -X $vpkg.gitVersion=$version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
build() { # <module dir> <output name> <package> <ldflags>
  local start
  start=$(date +%s)
  echo "build-node.sh: building $3 with -p $jobs ..." >&2
  # The same environment as build.sh (cgo as the machine's go has it): a different CGO_ENABLED
  # would rebuild every package that imports net instead of reusing build.sh's cache.
  (cd "$1" && GOFLAGS=-mod=mod GOMAXPROCS=$jobs nice -n 19 "$GO" build -p "$jobs" \
    -trimpath -ldflags="$4" -o "$cache/$2.tmp" "$3")
  mv -f "$cache/$2.tmp" "$cache/$2"
  echo "build-node.sh: $2 built in $(( $(date +%s) - start ))s, $(du -h "$cache/$2" | cut -f1)" >&2
}
for c in "${components[@]}"; do
  [ -x "$cache/$c" ] && [ "$("$cache/$c" --version 2>/dev/null)" = "Kubernetes $version" ] && continue
  build "$here" "$c" "k8s.io/kubernetes/cmd/$c" "$ldflags"
done
[ -x "$cache/coredns-$coredns_version" ] || build "$here/../coredns" "coredns-$coredns_version" . "-s"
echo "$cache"
