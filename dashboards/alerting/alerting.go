// Package alerting renders Alertmanager's configuration: who hears about
// which alert. kube-prometheus-stack's default sends every alert to a
// receiver named "null", so the seed system's alerts reached nobody; this
// routes them to people:
//
//   - severity=critical pages (PagerDuty, Events API v2) and is posted to
//     the team's channel too;
//   - warning and info go to the channel (Slack, or any Slack-compatible
//     incoming webhook);
//   - kube-prometheus-stack's Watchdog (always firing, by design) and
//     InfoInhibitor (a helper alert) go nowhere.
//
// Inhibition mutes an alert only for a more severe one of the same name in
// the same namespace (the checkout SLO's page mutes its own ticket). The
// chart's default rule that let InfoInhibitor mute every info alert of a
// namespace is gone: it muted FlashScaleProductSoldOut.
//
// infra/ renders this with the stack's secrets into the Kubernetes Secret
// Alertmanager reads; go test ./dashboards checks it with the real
// Alertmanager's amtool and delivers real alerts through it.
package alerting

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Receiver names, as `amtool config routes test` prints them.
const (
	Pager   = "pager"
	Channel = "channel"
	Null    = "null"
)

// Receivers are where alerts go. The values are secrets.
type Receivers struct {
	// SlackWebhookURL is an incoming webhook (https://hooks.slack.com/...):
	// every alert but Watchdog and InfoInhibitor is posted there.
	SlackWebhookURL string
	// SlackChannel overrides the webhook's default channel ("#flashscale").
	SlackChannel string
	// PagerDutyRoutingKey is an Events API v2 integration key; when set,
	// critical alerts page through it. Without it critical alerts only
	// reach the channel.
	PagerDutyRoutingKey string
	// PagerDutyURL is the Events API v2 endpoint; empty means PagerDuty's
	// default (set https://events.eu.pagerduty.com/v2/enqueue for an EU
	// account).
	PagerDutyURL string
}

// Timing is how long Alertmanager waits before it notifies.
type Timing struct {
	GroupWait      time.Duration // before the first notification of a new group
	GroupInterval  time.Duration // before notifying about alerts added to a group
	RepeatInterval time.Duration // before repeating a notification that still fires
	PageRepeat     time.Duration // RepeatInterval for pages
}

// DefaultTiming batches an alert storm into one message (30 s), and
// repeats a page that is still firing every hour, a channel post every 4.
var DefaultTiming = Timing{GroupWait: 30 * time.Second, GroupInterval: 5 * time.Minute,
	RepeatInterval: 4 * time.Hour, PageRepeat: time.Hour}

// GroupBy are the labels an alert group is made of: one message per alert
// name, severity and namespace, whatever the pods or colours involved.
var GroupBy = []string{"namespace", "alertname", "severity"}

// Validate reports what is missing or malformed, naming no secret value.
func (r Receivers) Validate() error {
	var errs []error
	if r.SlackWebhookURL == "" {
		errs = append(errs, errors.New("a Slack webhook URL is required: every alert is posted to the channel"))
	} else if err := checkURL(r.SlackWebhookURL); err != nil {
		errs = append(errs, fmt.Errorf("Slack webhook URL: %v", err))
	}
	if r.SlackChannel != "" && !strings.HasPrefix(r.SlackChannel, "#") && !strings.HasPrefix(r.SlackChannel, "@") {
		errs = append(errs, fmt.Errorf("Slack channel %q: want #channel or @user", r.SlackChannel))
	}
	if r.PagerDutyRoutingKey != "" && (len(r.PagerDutyRoutingKey) < 20 || strings.ContainsAny(r.PagerDutyRoutingKey, " \t\n")) {
		errs = append(errs, errors.New("PagerDuty routing key: want the 32-character Events API v2 integration key"))
	}
	if r.PagerDutyURL != "" {
		if r.PagerDutyRoutingKey == "" {
			errs = append(errs, errors.New("a PagerDuty URL without a routing key pages nobody"))
		} else if err := checkURL(r.PagerDutyURL); err != nil {
			errs = append(errs, fmt.Errorf("PagerDuty URL: %v", err))
		}
	}
	return errors.Join(errs...)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an absolute http(s) URL")
	}
	return nil
}

// The subset of Alertmanager's configuration file this writes.
type (
	config struct {
		Global       global        `yaml:"global"`
		Route        route         `yaml:"route"`
		InhibitRules []inhibitRule `yaml:"inhibit_rules"`
		Receivers    []receiver    `yaml:"receivers"`
		Templates    []string      `yaml:"templates"`
	}
	global struct {
		ResolveTimeout string `yaml:"resolve_timeout"`
	}
	route struct {
		Receiver       string   `yaml:"receiver"`
		Matchers       []string `yaml:"matchers,omitempty"`
		GroupBy        []string `yaml:"group_by,omitempty"`
		GroupWait      string   `yaml:"group_wait,omitempty"`
		GroupInterval  string   `yaml:"group_interval,omitempty"`
		RepeatInterval string   `yaml:"repeat_interval,omitempty"`
		Continue       bool     `yaml:"continue,omitempty"`
		Routes         []route  `yaml:"routes,omitempty"`
	}
	inhibitRule struct {
		SourceMatchers []string `yaml:"source_matchers"`
		TargetMatchers []string `yaml:"target_matchers"`
		Equal          []string `yaml:"equal"`
	}
	receiver struct {
		Name             string            `yaml:"name"`
		SlackConfigs     []slackConfig     `yaml:"slack_configs,omitempty"`
		PagerdutyConfigs []pagerdutyConfig `yaml:"pagerduty_configs,omitempty"`
	}
	slackConfig struct {
		SendResolved bool   `yaml:"send_resolved"`
		APIURL       string `yaml:"api_url"`
		Channel      string `yaml:"channel,omitempty"`
		Title        string `yaml:"title"`
		TitleLink    string `yaml:"title_link"`
		Text         string `yaml:"text"`
	}
	pagerdutyConfig struct {
		SendResolved bool              `yaml:"send_resolved"`
		RoutingKey   string            `yaml:"routing_key"`
		URL          string            `yaml:"url,omitempty"`
		Severity     string            `yaml:"severity"`
		Description  string            `yaml:"description"`
		Details      map[string]string `yaml:"details"`
	}
)

// Message texts, in Alertmanager's template language. Every FlashScale
// alert carries summary, description and runbook_url annotations.
const (
	slackTitle = `[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }}, {{ .CommonLabels.namespace }})`
	slackText  = `{{ range .Alerts }}*{{ .Annotations.summary }}*
{{ .Annotations.description }}
{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}
{{ end }}{{ end }}`
	pageDescription = `{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}`
)

// Config renders alertmanager.yaml.
func Config(r Receivers, t Timing) (string, error) {
	if err := r.Validate(); err != nil {
		return "", fmt.Errorf("alerting: %w", err)
	}
	channel := receiver{Name: Channel, SlackConfigs: []slackConfig{{
		SendResolved: true,
		APIURL:       r.SlackWebhookURL,
		Channel:      r.SlackChannel,
		Title:        slackTitle,
		TitleLink:    `{{ (index .Alerts 0).Annotations.runbook_url }}`,
		Text:         slackText,
	}}}
	receivers := []receiver{{Name: Null}, channel}
	routes := []route{
		// Watchdog fires always (a dead man's switch for an external
		// checker) and InfoInhibitor is a helper: neither is news.
		{Receiver: Null, Matchers: []string{`alertname=~"Watchdog|InfoInhibitor"`}},
	}
	if r.PagerDutyRoutingKey != "" {
		receivers = append(receivers, receiver{Name: Pager, PagerdutyConfigs: []pagerdutyConfig{{
			SendResolved: true,
			RoutingKey:   r.PagerDutyRoutingKey,
			URL:          r.PagerDutyURL,
			Severity:     "critical",
			Description:  pageDescription,
			Details: map[string]string{
				"summary":     `{{ .CommonAnnotations.summary }}`,
				"description": `{{ .CommonAnnotations.description }}`,
				"runbook_url": `{{ .CommonAnnotations.runbook_url }}`,
				"namespace":   `{{ .CommonLabels.namespace }}`,
				"firing":      `{{ .Alerts.Firing | len }}`,
			},
		}}})
		// continue: a page is also posted in the channel, so whoever is
		// not on call sees what woke the one who is.
		routes = append(routes, route{Receiver: Pager, Matchers: []string{`severity="critical"`},
			RepeatInterval: dur(t.PageRepeat), Continue: true})
	}
	routes = append(routes, route{Receiver: Channel})

	c := config{
		Global: global{ResolveTimeout: "5m"},
		Route: route{
			Receiver:       Channel,
			GroupBy:        GroupBy,
			GroupWait:      dur(t.GroupWait),
			GroupInterval:  dur(t.GroupInterval),
			RepeatInterval: dur(t.RepeatInterval),
			Routes:         routes,
		},
		InhibitRules: []inhibitRule{
			{SourceMatchers: []string{`severity="critical"`}, TargetMatchers: []string{`severity=~"warning|info"`},
				Equal: []string{"namespace", "alertname"}},
			{SourceMatchers: []string{`severity="warning"`}, TargetMatchers: []string{`severity="info"`},
				Equal: []string{"namespace", "alertname"}},
		},
		Receivers: receivers,
		Templates: []string{},
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// dur writes a duration as Alertmanager parses it (Prometheus durations:
// no fractions, units up to hours).
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
