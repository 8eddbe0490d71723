#!/usr/bin/env bash
# Starts the kubelet so that it leaves the host's kernel settings alone: in a private mount
# namespace in which the six sysctls it checks (protectKernelDefaults: true) read the values it
# wants, so it neither rewrites them on the host nor refuses to start. Its --root-dir is an rshared
# bind mount, so the volume mounts it makes (Secrets, emptyDirs, tokens) propagate to the host's
# namespace, where containerd and runc see them. Usage: run-kubelet.sh <state dir> [kubelet flags]
set -euo pipefail
S=${1:?usage: run-kubelet.sh <state dir>}
shift
if ! grep -q " $S/kubelet " /proc/self/mountinfo; then
  mount --bind "$S/kubelet" "$S/kubelet"
  mount --make-rshared "$S/kubelet"
fi
exec unshare --mount --propagation unchanged /bin/bash -c '
  set -euo pipefail
  S=$1; shift
  mount --make-rprivate /proc
  mkdir -p "$S/sysctl-shim"
  while read -r key val; do
    f=$S/sysctl-shim/$key; echo "$val" >"$f"
    mount --bind "$f" "/proc/sys/${key//.//}"
  done <<EOT
vm.overcommit_memory 1
vm.panic_on_oom 0
kernel.panic 10
kernel.panic_on_oops 1
kernel.keys.root_maxkeys 1000000
kernel.keys.root_maxbytes 25000000
EOT
  exec "$KUBELET" --config="$S/etc/kubelet-config.yaml" --root-dir="$S/kubelet" --cert-dir="$S/kubelet/pki" \
    --kubeconfig="$S/etc/kubelet.kubeconfig" --hostname-override=pico-node --node-ip=198.18.0.1 --v=1 "$@"
' kubelet "$S" "$@"
