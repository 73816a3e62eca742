package stack

import (
	"fmt"
	"strings"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/flashscale/flashscale/dashboards/alerting"
)

// AlertmanagerConfigSecret is the Secret Alertmanager reads its whole
// configuration from (alertmanager.yaml), instead of the chart's default
// that routes every alert to a receiver named "null".
const AlertmanagerConfigSecret = "alertmanager-flashscale"

// AlertingConfig is where alerts go: the alert* config keys.
type AlertingConfig struct {
	SlackWebhookURL     pulumi.StringOutput // secret
	SlackChannel        string
	PagerDutyRoutingKey pulumi.StringOutput // secret; empty when unset
	HasPagerDuty        bool
	PagerDutyURL        string
}

// readAlerting reads and checks the alert* keys: a channel is required (an
// alert that reaches nobody is the failure this exists for), paging is
// optional, and every URL is HTTPS.
func readAlerting(r *configReader, required bool) AlertingConfig {
	var a AlertingConfig
	var slackURL, pdKey string
	a.SlackWebhookURL, slackURL, _ = r.secret("alertSlackWebhookUrl", required)
	a.PagerDutyRoutingKey, pdKey, a.HasPagerDuty = r.secret("alertPagerDutyRoutingKey", false)
	a.SlackChannel = r.str("alertSlackChannel")
	a.PagerDutyURL = r.str("alertPagerDutyUrl")
	if slackURL == "" {
		return a // reported as missing
	}
	rcv := alerting.Receivers{SlackWebhookURL: slackURL, SlackChannel: a.SlackChannel,
		PagerDutyRoutingKey: pdKey, PagerDutyURL: a.PagerDutyURL}
	if err := rcv.Validate(); err != nil {
		r.fail("invalid config %s/%s/%s/%s: %v", fullKey("alertSlackWebhookUrl"), fullKey("alertSlackChannel"),
			fullKey("alertPagerDutyRoutingKey"), fullKey("alertPagerDutyUrl"), err)
	}
	// Receivers reach other companies' services over the internet: never
	// in the clear (the test's local webhooks are not configured here).
	if !strings.HasPrefix(slackURL, "https://") {
		r.fail("invalid config %s: (allowed: an https:// incoming webhook URL)", fullKey("alertSlackWebhookUrl"))
	}
	if a.PagerDutyURL != "" && !strings.HasPrefix(a.PagerDutyURL, "https://") {
		r.fail("invalid config %s: %q (allowed: an https:// Events API v2 URL)", fullKey("alertPagerDutyUrl"), a.PagerDutyURL)
	}
	return a
}

// newAlertmanagerConfig renders dashboards/alerting with the stack's
// secrets into the Secret Alertmanager reads. The rendered file holds the
// webhook URL and routing key, so it is a secret output all the way.
func newAlertmanagerConfig(ctx *pulumi.Context, name string, cfg *Config, opts ...pulumi.ResourceOption) (*corev1.Secret, error) {
	a := cfg.Alerting
	if !a.HasPagerDuty {
		// Say so on every `pulumi up`: nothing wakes anyone at 3 a.m.
		_ = ctx.Log.Warn(fmt.Sprintf("%s is unset: critical alerts are posted to the Slack channel but page nobody",
			fullKey("alertPagerDutyRoutingKey")), nil)
	}
	rendered := pulumi.All(a.SlackWebhookURL, a.PagerDutyRoutingKey).ApplyT(func(v []any) (string, error) {
		return alerting.Config(alerting.Receivers{
			SlackWebhookURL:     v[0].(string),
			SlackChannel:        a.SlackChannel,
			PagerDutyRoutingKey: v[1].(string),
			PagerDutyURL:        a.PagerDutyURL,
		}, alerting.DefaultTiming)
	}).(pulumi.StringOutput)
	return corev1.NewSecret(ctx, name, &corev1.SecretArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.String(AlertmanagerConfigSecret),
			Namespace: pulumi.String(MonitoringNamespace),
			Labels:    pulumi.StringMap{"app.kubernetes.io/part-of": pulumi.String(cfg.Project)},
		},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"alertmanager.yaml": pulumi.ToSecret(rendered).(pulumi.StringOutput)},
	}, opts...)
}

// alertmanagerValues points the chart's Alertmanager at that Secret.
func alertmanagerValues() pulumi.Map {
	return pulumi.Map{
		"enabled": pulumi.Bool(true),
		"alertmanagerSpec": pulumi.Map{
			"resources":         requestsValues(alertmanagerRequests),
			"useExistingSecret": pulumi.Bool(true),
			"configSecret":      pulumi.String(AlertmanagerConfigSecret),
		},
	}
}

// readPrometheusStorage reads prometheusStorageSize: a Kubernetes quantity
// of at least 5Gi (a sale's worth of series at 10 days' retention needs more).
func readPrometheusStorage(r *configReader) (string, int64) {
	size := r.str("prometheusStorageSize")
	mi, err := ParseMemoryMi(size)
	switch {
	case err != nil:
		r.fail("invalid config %s: %v", fullKey("prometheusStorageSize"), err)
	case mi < 5*1024:
		r.fail("invalid config %s: %s (allowed: 5Gi or more)", fullKey("prometheusStorageSize"), size)
	}
	return size, mi
}
