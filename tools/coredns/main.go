// CoreDNS with only the plugins the real-node suite's cluster DNS uses (test/node): the
// `kubernetes` plugin answers <svc>.<ns>.svc.cluster.local from the API server, nothing is
// forwarded anywhere (no `forward` plugin is even compiled in). A full CoreDNS build pulls the
// cloud providers' SDKs; this one needs client-go only. Built and cached by tools/kube/build-node.sh.
package main

import (
	_ "github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
