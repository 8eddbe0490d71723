# shellcheck shell=bash
# Sourced by .ci/run: what the real-node suite (test/node, `npm run test:node`) needs.
# - Debian packages: containerd + runc (the node's runtime), the CNI plugins (bridge, host-local,
#   loopback, portmap in /usr/lib/cni), buildah (builds our Dockerfile, no Docker engine), podman
#   (runs the image with the chart's securityContext), mmdebstrap (the stand-in base image).
#   The packaged containerd service is never started (policy-rc.d), the suite starts its own.
# - kubelet, kube-controller-manager, kube-scheduler, kube-proxy and CoreDNS built from pinned
#   sources by tools/kube/build-node.sh, cached next to kube-apiserver (needs 40-kube-apiserver.sh first).
# Idempotent: installs only what is missing; the binaries are built once per machine.
_pico_node_missing=()
for _pico_pair in containerd:containerd runc:runc buildah:buildah podman:podman mmdebstrap:mmdebstrap; do
  command -v "${_pico_pair%%:*}" >/dev/null 2>&1 || _pico_node_missing+=("${_pico_pair#*:}")
done
[ -x /usr/lib/cni/bridge ] || _pico_node_missing+=(containernetworking-plugins)
if [ "${#_pico_node_missing[@]}" -gt 0 ]; then
  echo "50-node: installing ${_pico_node_missing[*]}"
  _pico_policy_made=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && _pico_policy_made=1
  fi
  apt-get update -qq -o DPkg::Lock::Timeout=600 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
      "${_pico_node_missing[@]}" >/dev/null
  _pico_rc=$?
  [ -n "$_pico_policy_made" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$_pico_rc" != 0 ]; then
    echo "50-node: apt-get install failed" >&2
    unset _pico_node_missing _pico_pair _pico_policy_made _pico_rc
    return 1 2>/dev/null || exit 1
  fi
fi
unset _pico_node_missing _pico_pair _pico_policy_made _pico_rc

# The node's Kubernetes parts and CoreDNS, next to kube-apiserver (same cache folder, same Go
# build cache, so they come after 40-kube-apiserver.sh).
_pico_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
echo "50-node: building or reusing kubelet, kube-controller-manager, kube-scheduler, kube-proxy, CoreDNS (tools/kube/build-node.sh)"
if ! _pico_node_bins="$(bash "$_pico_node_root/tools/kube/build-node.sh")"; then
  echo "50-node: tools/kube/build-node.sh failed" >&2
  unset _pico_node_root _pico_node_bins
  return 1 2>/dev/null || exit 1
fi
echo "50-node: node binaries in $_pico_node_bins"
unset _pico_node_root _pico_node_bins
