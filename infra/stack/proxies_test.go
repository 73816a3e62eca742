package stack

import (
	"net/netip"
	"strings"
	"testing"
)

// The per-address sign-in limit counts the address X-Forwarded-For names
// only when the peer is a trusted proxy. On AWS the peer is an ALB node in
// the VPC's public subnets: if those addresses were not trusted, every
// shopper would share the balancer's few addresses and be locked out
// together.
func TestTrustedProxiesCoverTheALB(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	public, _, err := SubnetCidrs(specFor("vpcCidr").Default, 2) // baseConfig keeps the default VPC
	if err != nil {
		t.Fatal(err)
	}
	for _, color := range Colors {
		env := envOf(t, res.mocks.get(t, "flashscale-app-"+color+"-deployment"))
		v, _ := env["FLASHSCALE_TRUSTED_PROXIES"]["value"].(string)
		if v == "" {
			t.Fatalf("%s: no FLASHSCALE_TRUSTED_PROXIES on AWS", color)
		}
		for _, subnet := range public {
			alb := netip.MustParsePrefix(subnet).Addr().Next().Next().Next().Next() // an address AWS hands out in the subnet
			if !trusts(t, v, alb) {
				t.Errorf("%s: FLASHSCALE_TRUSTED_PROXIES=%q does not cover an ALB node at %s in public subnet %s", color, v, alb, subnet)
			}
		}
	}

	// Your own cluster: the ingress in front is yours, so nothing is trusted
	// unless you say which proxies; an explicit list is passed through.
	own := mustRunWith(t, byocConfig(), byocSecretKeys)
	if _, ok := envOf(t, own.mocks.get(t, "flashscale-app-blue-deployment"))["FLASHSCALE_TRUSTED_PROXIES"]; ok {
		t.Error("kubeconfig mode trusts proxies nobody configured")
	}
	set := mustRunWith(t, with(byocConfig(), "flashscale:trustedProxies", "10.244.0.0/16, 192.168.1.7"), byocSecretKeys)
	got, _ := envOf(t, set.mocks.get(t, "flashscale-app-green-deployment"))["FLASHSCALE_TRUSTED_PROXIES"]["value"].(string)
	if got != "10.244.0.0/16,192.168.1.7" {
		t.Errorf("trustedProxies passed as %q", got)
	}
	expectConfigError(t, with(baseConfig(), "flashscale:trustedProxies", "10.0.0.0/16,the-alb"), nil, "", "flashscale:trustedProxies", `"the-alb"`)
}

func mustRunWith(t *testing.T, cfg map[string]string, secrets []string) runResult {
	t.Helper()
	res := run(t, cfg, secrets, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res
}

// trusts parses list as the service does (addresses or CIDRs).
func trusts(t *testing.T, list string, addr netip.Addr) bool {
	t.Helper()
	for _, p := range strings.Split(list, ",") {
		if pre, err := netip.ParsePrefix(p); err == nil && pre.Contains(addr) {
			return true
		}
		if a, err := netip.ParseAddr(p); err == nil && a == addr {
			return true
		}
	}
	return false
}
