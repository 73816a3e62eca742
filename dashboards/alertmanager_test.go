package dashboards

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flashscale/flashscale/dashboards/alerting"
)

// Stand-ins for the stack's secrets: shaped like the real ones.
const (
	testSlackURL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	testPDKey    = "0123456789abcdef0123456789abcdef"
)

// writeAlertmanagerConfig renders the configuration infra/ deploys and
// writes it to a file for amtool or Alertmanager.
func writeAlertmanagerConfig(t *testing.T, r alerting.Receivers, timing alerting.Timing) string {
	t.Helper()
	out, err := alerting.Config(r, timing)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// amtool is Alertmanager's own checker: check-config loads the file as the
// server would, and `config routes test` walks the routing tree for a set
// of labels and prints the receivers an alert with them reaches.
func TestAlertmanagerConfigWithAmtool(t *testing.T) {
	amtool := requireTool(t, "amtool")
	full := writeAlertmanagerConfig(t, alerting.Receivers{SlackWebhookURL: testSlackURL, PagerDutyRoutingKey: testPDKey, SlackChannel: "#flashscale"}, alerting.DefaultTiming)
	slackOnly := writeAlertmanagerConfig(t, alerting.Receivers{SlackWebhookURL: testSlackURL}, alerting.DefaultTiming)

	for _, path := range []string{full, slackOnly} {
		out, err := exec.Command(amtool, "check-config", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Fatalf("amtool check-config: %v\n%s", err, out)
		}
	}

	routes := func(config string, labels ...string) string {
		t.Helper()
		cmd := exec.Command(amtool, append([]string{"config", "routes", "test", "--config.file=" + config}, labels...)...)
		out, err := cmd.Output() // stderr only warns that --config.file wins over --alertmanager.url
		if err != nil {
			t.Fatalf("amtool config routes test %v: %v", labels, err)
		}
		return strings.TrimSpace(string(out))
	}
	pageAndChannel := alerting.Pager + "," + alerting.Channel
	for _, tc := range []struct {
		config string
		labels []string
		want   string
	}{
		// critical pages, and is posted in the channel too
		{full, []string{"alertname=FlashScaleCheckoutErrorBudgetBurn", "severity=critical", "namespace=flashscale"}, pageAndChannel},
		{full, []string{"alertname=FlashScaleCheckoutErrorBudgetBurn", "severity=warning", "namespace=flashscale"}, alerting.Channel},
		// the notice that InfoInhibitor used to mute reaches the channel
		{full, []string{"alertname=FlashScaleProductSoldOut", "severity=info", "namespace=flashscale", "product=mi-power-bank-20k"}, alerting.Channel},
		// the chart's own alerts are routed by severity like ours
		{full, []string{"alertname=KubeHpaMaxedOut", "severity=warning", "namespace=flashscale"}, alerting.Channel},
		{full, []string{"alertname=KubePodCrashLooping", "severity=warning", "namespace=flashscale"}, alerting.Channel},
		{full, []string{"alertname=KubeNodeNotReady", "severity=warning"}, alerting.Channel},
		// helpers go nowhere
		{full, []string{"alertname=Watchdog", "severity=none"}, alerting.Null},
		{full, []string{"alertname=InfoInhibitor", "severity=none", "namespace=flashscale"}, alerting.Null},
		// an alert without severity still reaches a person
		{full, []string{"alertname=Unlabelled"}, alerting.Channel},
		// without a PagerDuty key, critical alerts still reach the channel
		{slackOnly, []string{"alertname=FlashScaleMetricsAbsent", "severity=critical", "namespace=flashscale"}, alerting.Channel},
	} {
		if got := routes(tc.config, tc.labels...); got != tc.want {
			t.Errorf("%v routes to %q, want %q", tc.labels, got, tc.want)
		}
	}

	// Every FlashScale alert, with the labels its rule gives it, reaches a
	// person; the critical ones page.
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		labels := []string{"alertname=" + r.Alert, "namespace=flashscale"}
		for k, v := range r.Labels {
			labels = append(labels, k+"="+v)
		}
		want := alerting.Channel
		if r.Labels["severity"] == "critical" {
			want = pageAndChannel
		}
		if got := routes(full, labels...); got != want {
			t.Errorf("alert %s (severity %s) routes to %q, want %q", r.Alert, r.Labels["severity"], got, want)
		}
	}
}
