#!/usr/bin/env bash
# Boots the single-node cluster of the real-node suite (test/node/cluster.ts) from locally built
# binaries: etcd + kube-apiserver + kube-controller-manager + kube-scheduler, containerd 1.6 + runc
# with a CNI bridge, a kubelet registered as node `pico-node`, kube-proxy (iptables) and CoreDNS
# (cluster DNS). Every process is started in the background with its PID in <state>/pid/; down.sh
# stops them by PID and removes what was made on the host. Run as root.
#
# Addresses, all from 198.18.0.0/15 (reserved for network tests), nothing else is touched:
#   bridge piconode0 198.18.0.1/24 = the node IP, the API server (6443), CoreDNS (53)
#   pods 198.18.0.0/24 (CNI bridge + host-local), Services 198.18.128.0/24 (kubernetes = .1)
# Usage: up.sh <state dir> <binaries dir> <images dir>
# Recipe and the levers this VM needs: docs/kube-tests.md ("The node").
set -euo pipefail
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=${1:?usage: up.sh <state dir> <binaries dir> <images dir>}
KB=${2:?binaries dir}
IMAGES=${3:?images dir}
NODE_IP=198.18.0.1
BRIDGE=piconode0
API=https://$NODE_IP:6443
COREDNS=$(ls "$KB"/coredns-v* | sort -V | tail -n1)
. "$D/host-state.sh"
mkdir -p "$S"/{etc,logs,pid,containerd,cni/net.d,kubelet,cm-volume-plugins,before}
# What down.sh puts back or compares against: the sysctls the node's parts may write (the CNI bridge
# plugin turns on ip_forward; kube-proxy knows conntrack and route_localnet), the network
# namespaces and the host folders that containerd, libcni and the kubelet use.
for key in $SYSCTLS; do sysctl -n "$key" >"$S/before/sysctl.$key" 2>/dev/null || true; done
ls /run/netns 2>/dev/null >"$S/before/netns" || true
ls /run/containerd/s 2>/dev/null >"$S/before/shim-sockets" || true
for dir in $HOST_DIRS; do if [ -e "$dir" ]; then echo "$dir"; fi; done >"$S/before/dirs"
for save in iptables ip6tables; do $save-save 2>/dev/null | sed -nE "s/^:([A-Z0-9_-]+) .*/$save:\\1/p"; done | sort -u >"$S/before/chains"
t0=$(date +%s.%N)
el() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}'; }
say() { echo "up.sh: $* ($(el))" >&2; }
start() { # <name> <cmd...>: in the background, log to logs/<name>.log, PID to pid/<name>.pid
  local n=$1; shift
  "$@" >"$S/logs/$n.log" 2>&1 </dev/null &
  echo $! >"$S/pid/$n.pid"
}
k() { curl -sS --cacert "$S/pki/ca.crt" --cert "$S/pki/admin.crt" --key "$S/pki/admin.key" "$@"; }
apply() { # <api path> <yaml>: POST (409 = already there is fine)
  local code
  code=$(k -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/yaml' --data-binary "$2" "$API$1")
  case $code in 201|409) ;; *) echo "up.sh: POST $1 -> $code" >&2; return 1 ;; esac
}
wait_for() { # <what> <tries of 0.5 s> <command...>
  local what=$1 n=$2; shift 2
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "up.sh: $what not ready after $((n / 2)) s" >&2; return 1
}

# 1. PKI and kubeconfigs
[ -f "$S/pki/ca.crt" ] || "$D/pki.sh" "$S/pki"
for c in admin kubelet controller-manager scheduler kube-proxy coredns; do
  cat >"$S/etc/$c.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: pico-node, cluster: {server: "$API", certificate-authority: $S/pki/ca.crt}}]
users: [{name: $c, user: {client-certificate: $S/pki/$c.crt, client-key: $S/pki/$c.key}}]
contexts: [{name: pico-node, context: {cluster: pico-node, user: $c}}]
current-context: pico-node
KC
done

# 2. The bridge first: its address is the node IP (the kubelet refuses a loopback node IP), where
# the API server and CoreDNS listen. Host -> ClusterIP goes to the bridge (source 198.18.0.1), never eth0.
ip link add "$BRIDGE" type bridge
ip addr add "$NODE_IP/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
ip route replace 198.18.128.0/24 dev "$BRIDGE" src "$NODE_IP"

# 3. etcd (loopback) + kube-apiserver on the node IP, advertised there: the `kubernetes` Service
# (198.18.128.1:443) then leads pods (the key Jobs) to it.
start etcd "$KB/etcd" --name=pico-node --data-dir="$S/etcd-data" \
  --listen-client-urls=http://127.0.0.1:23790 --advertise-client-urls=http://127.0.0.1:23790 \
  --listen-peer-urls=http://127.0.0.1:23800 --initial-advertise-peer-urls=http://127.0.0.1:23800 \
  --initial-cluster=pico-node=http://127.0.0.1:23800 --unsafe-no-fsync --log-level=warn
start kube-apiserver "$KB/kube-apiserver" --etcd-servers=http://127.0.0.1:23790 \
  --bind-address=$NODE_IP --advertise-address=$NODE_IP --secure-port=6443 --cert-dir="$S/apiserver-certs" \
  --tls-cert-file="$S/pki/server.crt" --tls-private-key-file="$S/pki/server.key" --client-ca-file="$S/pki/ca.crt" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --anonymous-auth=false \
  --service-account-key-file="$S/pki/sa.pub" --service-account-signing-key-file="$S/pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=198.18.128.0/24 \
  --kubelet-client-certificate="$S/pki/apiserver-kubelet-client.crt" --kubelet-client-key="$S/pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP --profiling=false --v=1
readyz() { [ "$(k -m2 "$API/readyz")" = ok ]; }
wait_for "kube-apiserver /readyz" 240 readyz
say "kube-apiserver ready"
# apiserver -> kubelet (logs, exec), and CoreDNS's read access (the kubernetes plugin's watches)
apply /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"pico-node:apiserver-kubelet-client"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:kubelet-api-admin"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"kube-apiserver-kubelet-client"}]}'
apply /apis/rbac.authorization.k8s.io/v1/clusterroles '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"pico-node:coredns"},"rules":[{"apiGroups":[""],"resources":["services","namespaces"],"verbs":["list","watch"]},{"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["list","watch"]}]}'
apply /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"pico-node:coredns"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"pico-node:coredns"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"pico-node-coredns"}]}'

# 4. controller-manager + scheduler (loopback ports; no flex-volume dir on the host)
start kube-controller-manager "$KB/kube-controller-manager" --kubeconfig="$S/etc/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$S/etc/controller-manager.kubeconfig" --authorization-kubeconfig="$S/etc/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false --controllers='*' \
  --use-service-account-credentials=true --service-account-private-key-file="$S/pki/sa.key" --root-ca-file="$S/pki/ca.crt" \
  --cluster-signing-cert-file="$S/pki/ca.crt" --cluster-signing-key-file="$S/pki/ca.key" \
  --service-cluster-ip-range=198.18.128.0/24 --allocate-node-cidrs=false \
  --flex-volume-plugin-dir="$S/cm-volume-plugins" --v=1
start kube-scheduler "$KB/kube-scheduler" --kubeconfig="$S/etc/scheduler.kubeconfig" \
  --authentication-kubeconfig="$S/etc/scheduler.kubeconfig" --authorization-kubeconfig="$S/etc/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --v=1

# 5. containerd with its own root, state, socket and runc root; the CNI bridge; the images (no registry)
cat >"$S/etc/containerd.toml" <<TOML
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
oom_score = 0
[grpc]
  address = "$S/containerd/containerd.sock"
[ttrpc]
  address = "$S/containerd/containerd.sock.ttrpc"
[debug]
  address = "$S/containerd/debug.sock"
  level = "info"
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "localhost/pico-node-pause:1"
    # no CAP_SYS_RESOURCE here: the kubelet asks for oom_score_adj -998; clamp instead of failing
    restrict_oom_score_adj = true
    disable_apparmor = true
    enable_selinux = false
    disable_hugetlb_controller = true
    tolerate_missing_hugetlb_controller = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$S/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$(command -v runc)"
          SystemdCgroup = false
          Root = "$S/containerd/runc"
TOML
cat >"$S/cni/net.d/10-pico-node.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "pico-node",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$S/cni/ipam",
              "ranges": [[{"subnet": "198.18.0.0/24", "gateway": "$NODE_IP"}]],
              "routes": [{"dst": "198.18.0.0/15"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": false}
  ]
}
JSON
start containerd containerd --config "$S/etc/containerd.toml"
sock() { [ -S "$S/containerd/containerd.sock" ] && ctr -a "$S/containerd/containerd.sock" version; }
wait_for containerd 60 sock
for img in pause redis app; do
  ctr -a "$S/containerd/containerd.sock" -n k8s.io images import "$IMAGES/$img.oci.tar" >/dev/null
done
say "containerd up, images imported"

# 6. CoreDNS (cluster DNS) on the node IP: cluster.local from the API server; every other name is
# refused (no forward plugin is even built in), so no query leaves the machine.
cat >"$S/etc/Corefile" <<CF
cluster.local:53 {
  bind $NODE_IP
  errors
  ready $NODE_IP:8181
  kubernetes cluster.local {
    kubeconfig $S/etc/coredns.kubeconfig pico-node
    pods disabled
    ttl 5
  }
}
.:53 {
  bind $NODE_IP
  errors
}
CF
start coredns "$COREDNS" -conf "$S/etc/Corefile"

# 7. the kubelet, registered as pico-node
printf 'nameserver %s\n' "$NODE_IP" >"$S/etc/resolv.conf"
cat >"$S/etc/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# host quirks (cgroup v1+v2 hybrid, no CAP_SYS_RESOURCE, sysctls left alone): docs/kube-tests.md
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
protectKernelDefaults: true
makeIPTablesUtilChains: false
# Secret volumes are refreshed on the pod's periodic sync: syncFrequency (+ up to 1x jitter)
syncFrequency: 10s
configMapAndSecretChangeDetectionStrategy: Watch
nodeStatusUpdateFrequency: 10s
registerNode: true
containerRuntimeEndpoint: unix://$S/containerd/containerd.sock
imageServiceEndpoint: unix://$S/containerd/containerd.sock
podLogsDir: $S/logs/pods
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
clusterDNS: [$NODE_IP]
clusterDomain: cluster.local
resolvConf: $S/etc/resolv.conf
authentication:
  anonymous: {enabled: false}
  x509: {clientCAFile: $S/pki/ca.crt}
  webhook: {enabled: true}
authorization: {mode: Webhook}
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
volumePluginDir: $S/kubelet/volume-plugins
YAML
KUBELET="$KB/kubelet" start kubelet "$D/run-kubelet.sh" "$S"
node_ready() {
  k -m2 "$API/api/v1/nodes/pico-node" | jq -e '.status.conditions[]? | select(.type=="Ready" and .status=="True")'
}
wait_for "node pico-node Ready" 240 node_ready
say "node Ready"

# 8. kube-proxy (iptables), leaving the host's conntrack sysctls and route_localnet alone;
# NodePorts only on the node IP. down.sh runs `kube-proxy --cleanup`.
start kube-proxy "$KB/kube-proxy" --kubeconfig="$S/etc/kube-proxy.kubeconfig" --hostname-override=pico-node \
  --proxy-mode=iptables --cluster-cidr=198.18.0.0/24 --bind-address=$NODE_IP --nodeport-addresses=$NODE_IP/32 \
  --iptables-localhost-nodeports=false --healthz-bind-address=127.0.0.1:10256 --metrics-bind-address=127.0.0.1:10249 \
  --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 \
  --conntrack-udp-timeout=0 --conntrack-udp-timeout-stream=0 --v=1
wait_for kube-proxy 120 curl -sf -m1 http://127.0.0.1:10256/healthz
wait_for CoreDNS 120 curl -sf -m1 http://$NODE_IP:8181/ready
say "kube-proxy and CoreDNS ready"
cat >"$S/cluster.env" <<ENV
API=$API
KUBECONFIG=$S/etc/admin.kubeconfig
NODE_IP=$NODE_IP
BRIDGE=$BRIDGE
ENV
