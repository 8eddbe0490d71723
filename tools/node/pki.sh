#!/usr/bin/env bash
# Throwaway PKI of the test node (EC P-256, valid 2 days): CA, API server serving certificate, a
# client certificate per component, the apiserver->kubelet client, and the ServiceAccount key pair.
# Usage: pki.sh <dir>
set -euo pipefail
P=${1:?usage: pki.sh <dir>}
mkdir -p "$P" && cd "$P"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 2 -subj /CN=pico-node-ca 2>/dev/null
leaf() { # name subject extensions
  printf '%b' "$3" >"$1.ext"
  openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$1.crt" -extfile "$1.ext" 2>/dev/null
}
# 198.18.0.1: the node (bridge) address the API server listens on; 198.18.128.1: the `kubernetes` Service.
leaf server /CN=kube-apiserver 'subjectAltName=IP:127.0.0.1,IP:198.18.0.1,IP:198.18.128.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n'
leaf admin '/O=system:masters/CN=pico-node-admin' 'extendedKeyUsage=clientAuth\n'
leaf kubelet '/O=system:nodes/CN=system:node:pico-node' 'extendedKeyUsage=clientAuth\n'
leaf controller-manager /CN=system:kube-controller-manager 'extendedKeyUsage=clientAuth\n'
leaf scheduler /CN=system:kube-scheduler 'extendedKeyUsage=clientAuth\n'
leaf kube-proxy /CN=system:kube-proxy 'extendedKeyUsage=clientAuth\n'
leaf coredns /CN=pico-node-coredns 'extendedKeyUsage=clientAuth\n'
leaf apiserver-kubelet-client /CN=kube-apiserver-kubelet-client 'extendedKeyUsage=clientAuth\n'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sa.key 2>/dev/null
openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
chmod 600 ./*.key
