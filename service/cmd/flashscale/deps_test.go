package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuildLeavesInfraOut: `make run` builds this command, and a first
// build must not compile the infra program or its Pulumi SDKs, which are
// most of the repository's compile time (README, "How long it takes").
func TestBuildLeavesInfraOut(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, p := range deps {
		if strings.Contains(p, "/pulumi/") || strings.Contains(p, "github.com/flashscale/flashscale/infra") {
			t.Errorf("cmd/flashscale depends on %s: make run would compile the infra program's dependencies", p)
		}
	}
	if len(deps) < 50 {
		t.Errorf("go list -deps gave %d packages; expected the service's whole dependency graph", len(deps))
	}
}
