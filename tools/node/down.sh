#!/usr/bin/env bash
# Stops what up.sh started, by PID, and leaves the host as up.sh found it: kube-proxy's rules
# (`kube-proxy --cleanup`, then any KUBE-* chain that was not there before), the kubelet's and
# containerd's mounts, the pods' network namespaces, the bridge and its route, the sysctls up.sh
# recorded, the host folders the parts create. Keeps nothing running; the state dir is left for
# the logs (the caller deletes it). Idempotent. Usage: down.sh <state dir> <binaries dir>
set -uo pipefail
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=${1:?usage: down.sh <state dir> <binaries dir>}
KB=${2:?binaries dir}
. "$D/host-state.sh"
API=https://198.18.0.1:6443
BRIDGE=piconode0
t0=$(date +%s)
k() { curl -sS -m5 --cacert "$S/pki/ca.crt" --cert "$S/pki/admin.crt" --key "$S/pki/admin.key" "$@"; }
stop() { # <name>: SIGTERM the PID in pid/<name>.pid, SIGKILL after 15 s
  local pid
  pid=$(cat "$S/pid/$1.pid" 2>/dev/null) || return 0
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { echo "down.sh: $1 ($pid) ignored SIGTERM, SIGKILL" >&2; kill -9 "$pid" 2>/dev/null; sleep 0.5; }
  fi
  rm -f "$S/pid/$1.pid"
}
CTR=(ctr -a "$S/containerd/containerd.sock" -n k8s.io)

# 1. While everything runs, let the kubelet stop the pods: it unmounts their volumes and runs CNI DEL.
if [ -f "$S/pki/admin.crt" ] && k -o /dev/null "$API/readyz" 2>/dev/null; then
  for ns in $(k "$API/api/v1/namespaces" | jq -r '.items[].metadata.name' | grep -vE '^(default|kube-system|kube-public|kube-node-lease)$'); do
    k -o /dev/null -X DELETE "$API/api/v1/namespaces/$ns"
  done
  k -o /dev/null -X DELETE "$API/api/v1/namespaces/default/pods?gracePeriodSeconds=0" 2>/dev/null
  for _ in $(seq 120); do
    [ "$(k "$API/api/v1/pods" | jq '.items|length')" = 0 ] && break; sleep 0.5
  done
fi
# 2. kube-proxy, then its rules
stop kube-proxy
[ -x "$KB/kube-proxy" ] && "$KB/kube-proxy" --cleanup --proxy-mode=iptables >"$S/logs/kube-proxy-cleanup.log" 2>&1
# 3. the node: kubelet, then whatever containers are left, then containerd
stop kubelet
if [ -S "$S/containerd/containerd.sock" ]; then
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
  sleep 1
  for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do
    "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1; "${CTR[@]}" containers delete "$id" >/dev/null 2>&1
  done
fi
stop containerd
# Containers that outlived all that (the API server was gone, a step failed): runc's own state
# root under $S lists exactly ours; `delete -f` kills them and removes their cgroups.
if [ -d "$S/containerd/runc/k8s.io" ]; then
  for id in $(runc --root "$S/containerd/runc/k8s.io" list -q 2>/dev/null); do
    runc --root "$S/containerd/runc/k8s.io" delete -f "$id" >/dev/null 2>&1
    rm -f "/var/lib/cni/results/cni-loopback-$id-lo"
  done
fi
# then their shims (ours: started with our containerd's address), by PID
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $S/" 2>/dev/null); do kill "$pid" 2>/dev/null; done
sleep 0.5
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $S/" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
# 4. the control plane and DNS
for n in coredns kube-scheduler kube-controller-manager kube-apiserver etcd; do stop "$n"; done
# 5. mounts under the state dir (deepest first), then the pods' network namespaces made after up.sh
for _ in 1 2 3; do
  grep -o " $S/[^ ]*" /proc/self/mountinfo | sort -r | uniq | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
done
for ns in $(ls /run/netns 2>/dev/null); do
  grep -qx "$ns" "$S/before/netns" 2>/dev/null && continue
  case $ns in cni-*) umount "/run/netns/$ns" 2>/dev/null; rm -f "/run/netns/$ns" ;; esac
done
[ -s "$S/before/netns" ] || rmdir /run/netns 2>/dev/null
# 6. network: route, bridge (the veths went with the namespaces), chains nobody had before
ip route del 198.18.128.0/24 dev "$BRIDGE" 2>/dev/null
ip link del "$BRIDGE" 2>/dev/null
for save in iptables ip6tables; do
  for table in filter nat mangle; do
    for chain in $($save-save -t "$table" 2>/dev/null | sed -nE 's/^:(KUBE-[A-Z0-9_-]+) .*/\1/p'); do
      grep -qx "$save:$chain" "$S/before/chains" 2>/dev/null && continue
      # jumps to it from other chains, then the chain itself
      $save-save -t "$table" | grep -E "^-A [A-Z0-9_-]+ .*-j $chain( |$)" | sed 's/^-A /-D /' | while read -r rule; do
        eval "$save -t $table $rule" 2>/dev/null
      done
      $save -t "$table" -F "$chain" 2>/dev/null
    done
    for chain in $($save-save -t "$table" 2>/dev/null | sed -nE 's/^:(KUBE-[A-Z0-9_-]+) .*/\1/p'); do
      grep -qx "$save:$chain" "$S/before/chains" 2>/dev/null || $save -t "$table" -X "$chain" 2>/dev/null
    done
  done
done
# 7. sysctls back to what up.sh recorded
for f in "$S"/before/sysctl.*; do
  [ -e "$f" ] || continue
  key=${f##*/sysctl.}
  [ "$(sysctl -n "$key" 2>/dev/null)" = "$(cat "$f")" ] || sysctl -q -w "$key=$(cat "$f")" >/dev/null
done
# 8. host folders the parts created (only when absent before, and empty but for our files)
rm -f /var/lib/cni/results/pico-node-* 2>/dev/null
# shim sockets that appeared during the run (a killed shim leaves its socket)
for f in /run/containerd/s/*; do
  [ -e "$f" ] || continue
  grep -qx "${f##*/}" "$S/before/shim-sockets" 2>/dev/null || rm -f "$f"
done
for dir in $HOST_DIRS; do
  grep -qx "$dir" "$S/before/dirs" 2>/dev/null && continue
  [ "$dir" = /var/lib/kubelet/device-plugins ] && rm -f "$dir/kubelet.sock" "$dir/DEPRECATION" 2>/dev/null
  rmdir "$dir" 2>/dev/null
done
for cg in /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/k8s.io; do [ -d "$cg" ] && rmdir "$cg" 2>/dev/null; done
echo "down.sh: done in $(( $(date +%s) - t0 ))s" >&2
true
