package dashboards

import (
	"os/exec"
	"strings"
	"testing"
)

// promtool is Prometheus's own checker: check rules validates the file as
// the server would load it (syntax, PromQL, templates); test rules runs the
// unit tests in alerts/flashscale-rules.test.yaml on its rule engine.
func TestRulesWithPromtool(t *testing.T) {
	promtool := prometheusTool(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", "flashscale-rules.yaml"},
		{"test", "rules", "flashscale-rules.test.yaml"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			cmd := exec.Command(promtool, args...)
			cmd.Dir = "alerts"
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if !strings.Contains(string(out), "SUCCESS") {
				t.Fatalf("promtool %s reported no SUCCESS:\n%s", strings.Join(args, " "), out)
			}
			t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
		})
	}
}
