# shellcheck shell=bash
# Sourced by up.sh and down.sh: what of the host the node may change and down.sh restores.
SYSCTLS="net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes"
# Hard-coded in the kubelet (device plugins), libcni (results cache), containerd 1.6 (shim
# sockets), the flex-volume default; removed by down.sh when they did not exist before and are empty.
HOST_DIRS="/var/lib/kubelet/device-plugins /var/lib/kubelet /var/lib/cni/results /var/lib/cni
  /run/containerd/s /run/containerd /usr/libexec/kubernetes/kubelet-plugins/volume/exec
  /usr/libexec/kubernetes/kubelet-plugins/volume /usr/libexec/kubernetes/kubelet-plugins /usr/libexec/kubernetes"
