package alerting

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const (
	slackURL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	pdKey    = "0123456789abcdef0123456789abcdef"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Receivers
		ok   bool
	}{
		{"slack only", Receivers{SlackWebhookURL: slackURL}, true},
		{"slack and pagerduty", Receivers{SlackWebhookURL: slackURL, PagerDutyRoutingKey: pdKey, SlackChannel: "#sale"}, true},
		{"nothing", Receivers{}, false},
		{"pagerduty only", Receivers{PagerDutyRoutingKey: pdKey}, false},
		{"relative url", Receivers{SlackWebhookURL: "hooks.slack.com/x"}, false},
		{"channel without #", Receivers{SlackWebhookURL: slackURL, SlackChannel: "sale"}, false},
		{"short key", Receivers{SlackWebhookURL: slackURL, PagerDutyRoutingKey: "abc"}, false},
		{"pagerduty url without key", Receivers{SlackWebhookURL: slackURL, PagerDutyURL: "https://events.eu.pagerduty.com/v2/enqueue"}, false},
	} {
		err := tc.r.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && (strings.Contains(err.Error(), slackURL) || strings.Contains(err.Error(), pdKey)) {
			t.Errorf("%s: the error shows a secret: %v", tc.name, err)
		}
	}
}

// The structure amtool cannot test: what mutes what.
func TestInhibitionNeverMutesAcrossAlerts(t *testing.T) {
	out, err := Config(Receivers{SlackWebhookURL: slackURL, PagerDutyRoutingKey: pdKey}, DefaultTiming)
	if err != nil {
		t.Fatal(err)
	}
	var c config
	if err := yaml.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.InhibitRules) == 0 {
		t.Fatal("no inhibit rules: the page would not mute its own ticket")
	}
	for _, r := range c.InhibitRules {
		// kube-prometheus-stack's InfoInhibitor rule muted every info alert
		// of a namespace; only a more severe alert of the same name may.
		if strings.Contains(strings.Join(r.SourceMatchers, ","), "InfoInhibitor") {
			t.Errorf("inhibit rule %+v: InfoInhibitor mutes FlashScale's notices", r)
		}
		if !contains(r.Equal, "namespace") || !contains(r.Equal, "alertname") {
			t.Errorf("inhibit rule %+v: must require the same namespace and alertname", r)
		}
	}
	if c.Route.Receiver != Channel || c.Route.GroupWait != "30s" || c.Route.RepeatInterval != "4h" {
		t.Errorf("root route %+v", c.Route)
	}
}

func TestDur(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "90m", 30 * time.Second: "30s", 1500 * time.Millisecond: "1500ms", 0: ""} {
		if got := dur(d); got != want {
			t.Errorf("dur(%v) = %q, want %q", d, got, want)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
