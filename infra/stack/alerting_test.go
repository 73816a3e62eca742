package stack

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flashscale/flashscale/dashboards/cloudwatch"
)

func dependsOn(r *record, name string) bool {
	return slices.ContainsFunc(r.Dependencies, func(urn string) bool { return strings.HasSuffix(urn, "::"+name) })
}

// Alertmanager reads the configuration rendered from the stack's secrets,
// not the chart's default that routes everything to "null".
func TestAlertmanagerConfiguration(t *testing.T) {
	t.Parallel()
	res := mustRun(t, with(baseConfig(), "flashscale:alertPagerDutyRoutingKey", testPDKey, "flashscale:alertSlackChannel", "#flashscale-sale"))
	m := res.mocks

	secret := m.get(t, "monitoring-alertmanager-config")
	if secret.str("metadata", "name") != AlertmanagerConfigSecret || secret.str("metadata", "namespace") != MonitoringNamespace {
		t.Errorf("secret metadata: %v", secret.get("metadata"))
	}
	if !secret.isSecret("stringData", "alertmanager.yaml") {
		t.Error("the rendered configuration holds the webhook URL and routing key: it must be a secret")
	}
	var am struct {
		Route struct {
			Receiver string `yaml:"receiver"`
			Routes   []struct {
				Receiver string   `yaml:"receiver"`
				Matchers []string `yaml:"matchers"`
				Continue bool     `yaml:"continue"`
			} `yaml:"routes"`
		} `yaml:"route"`
		Receivers []struct {
			Name  string `yaml:"name"`
			Slack []struct {
				APIURL  string `yaml:"api_url"`
				Channel string `yaml:"channel"`
			} `yaml:"slack_configs"`
			PagerDuty []struct {
				RoutingKey string `yaml:"routing_key"`
			} `yaml:"pagerduty_configs"`
		} `yaml:"receivers"`
	}
	if err := yaml.Unmarshal([]byte(secret.str("stringData", "alertmanager.yaml")), &am); err != nil {
		t.Fatalf("alertmanager.yaml: %v", err)
	}
	got := map[string]string{}
	for _, r := range am.Receivers {
		switch {
		case len(r.Slack) == 1:
			got[r.Name] = "slack " + r.Slack[0].APIURL + " " + r.Slack[0].Channel
		case len(r.PagerDuty) == 1:
			got[r.Name] = "pagerduty " + r.PagerDuty[0].RoutingKey
		default:
			got[r.Name] = "nothing"
		}
	}
	want := map[string]string{"channel": "slack " + testSlackURL + " #flashscale-sale", "pager": "pagerduty " + testPDKey, "null": "nothing"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("receiver %s = %q, want %q", k, got[k], v)
		}
	}
	if am.Route.Receiver != "channel" || !slices.ContainsFunc(am.Route.Routes, func(r struct {
		Receiver string   `yaml:"receiver"`
		Matchers []string `yaml:"matchers"`
		Continue bool     `yaml:"continue"`
	}) bool {
		return r.Receiver == "pager" && slices.Equal(r.Matchers, []string{`severity="critical"`}) && r.Continue
	}) {
		t.Errorf("routing: %+v", am.Route)
	}

	rel := m.get(t, "monitoring-release")
	if rel.get("values", "alertmanager", "alertmanagerSpec", "useExistingSecret") != true ||
		rel.str("values", "alertmanager", "alertmanagerSpec", "configSecret") != AlertmanagerConfigSecret {
		t.Errorf("the chart must use the rendered Secret: %v", rel.get("values", "alertmanager"))
	}
	if rel.get("values", "alertmanager", "config") != nil {
		t.Error("no routing may stay in plain Helm values")
	}
	// Alertmanager crash-loops when its config Secret is missing.
	if !dependsOn(rel, "monitoring-alertmanager-config") {
		t.Errorf("the release does not wait for the config Secret: %v", rel.Dependencies)
	}
	// Nothing in the Helm values carries a receiver's secret.
	values, _ := json.Marshal(rel.get("values"))
	if strings.Contains(string(values), testSlackURL) || strings.Contains(string(values), testPDKey) {
		t.Error("a receiver secret leaked into the Helm values")
	}
}

func TestAlertmanagerWithoutPagerDuty(t *testing.T) {
	t.Parallel()
	m := mustRun(t, baseConfig()).mocks
	cfg := m.get(t, "monitoring-alertmanager-config").str("stringData", "alertmanager.yaml")
	if strings.Contains(cfg, "pagerduty") || !strings.Contains(cfg, testSlackURL) {
		t.Errorf("without a routing key, only the channel: %s", cfg)
	}
}

func TestAlertingConfigErrors(t *testing.T) {
	t.Parallel()
	expectConfigError(t, with(baseConfig(), "flashscale:alertSlackWebhookUrl", "<unset>"), nil, "",
		"missing required secret config flashscale:alertSlackWebhookUrl", "pulumi config set --secret alertSlackWebhookUrl")
	expectConfigError(t, baseConfig(), []string{"flashscale:dbPassword", "flashscale:grafanaAdminPassword"}, "",
		"config flashscale:alertSlackWebhookUrl must be a secret")
	expectConfigError(t, with(baseConfig(), "flashscale:alertSlackWebhookUrl", "http://hooks.slack.com/services/x"), nil, "",
		"flashscale:alertSlackWebhookUrl", "https://")
	expectConfigError(t, with(baseConfig(), "flashscale:alertPagerDutyRoutingKey", "short"), nil, "",
		"flashscale:alertPagerDutyRoutingKey", "routing key")
	expectConfigError(t, with(baseConfig(), "flashscale:alertSlackChannel", "sale"), nil, "",
		"flashscale:alertSlackChannel", "#channel")
	res := run(t, with(baseConfig(), "flashscale:alertSlackWebhookUrl", "http://hooks.slack.com/services/x"), nil, writeMonitoringFiles(t))
	if res.err == nil || strings.Contains(res.err.Error(), "hooks.slack.com/services/x") {
		t.Errorf("the error must not show the secret: %v", res.err)
	}
}

// Prometheus keeps its data on a gp3 volume, sized by config, with
// retention by size below it.
func TestPrometheusStorage(t *testing.T) {
	t.Parallel()
	rel := mustRun(t, with(baseConfig(), "flashscale:prometheusStorageSize", "40Gi")).mocks.get(t, "monitoring-release")
	spec := []string{"values", "prometheus", "prometheusSpec"}
	vct := append(slices.Clone(spec), "storageSpec", "volumeClaimTemplate", "spec")
	if rel.str(append(vct, "storageClassName")...) != "gp3" ||
		rel.str(append(vct, "resources", "requests", "storage")...) != "40Gi" ||
		rel.str(append(vct, "accessModes", "0")...) != "ReadWriteOnce" {
		t.Errorf("storageSpec: %v", rel.get(append(spec, "storageSpec")...))
	}
	if got := rel.str(append(spec, "retentionSize")...); got != "34816MB" {
		t.Errorf("retentionSize %q, want 85%% of 40Gi (34816MB)", got)
	}
	// On your own cluster there is no gp3 class: the claim takes the
	// cluster's default StorageClass, or it would never bind.
	own := run(t, byocConfig(), byocSecretKeys, writeMonitoringFiles(t))
	if own.err != nil {
		t.Fatal(own.err)
	}
	ownRel := own.mocks.get(t, "monitoring-release")
	if got := ownRel.get(append(vct, "storageClassName")...); got != nil {
		t.Errorf("on your own cluster the Prometheus claim names StorageClass %v; it must take the cluster's default", got)
	}
	if ownRel.str(append(vct, "resources", "requests", "storage")...) != "20Gi" {
		t.Errorf("own cluster storageSpec: %v", ownRel.get(append(spec, "storageSpec")...))
	}
	expectConfigError(t, with(baseConfig(), "flashscale:prometheusStorageSize", "1Gi"), nil, "", "flashscale:prometheusStorageSize", "5Gi or more")
	expectConfigError(t, with(baseConfig(), "flashscale:prometheusStorageSize", "lots"), nil, "", "flashscale:prometheusStorageSize")
}

// YACE may only read CloudWatch, is assumable only by its own service
// account, and exports exactly dashboards/cloudwatch's metrics for this
// stack's ALB and database.
func TestCloudWatchExporter(t *testing.T) {
	t.Parallel()
	m := mustRun(t, baseConfig()).mocks

	var trust struct {
		Statement []struct {
			Principal struct{ Federated string }
			Action    string
			Condition struct {
				StringEquals map[string]string
			}
		}
	}
	role := m.get(t, "monitoring-yace-role")
	if err := json.Unmarshal([]byte(role.str("assumeRolePolicy")), &trust); err != nil || len(trust.Statement) != 1 {
		t.Fatalf("trust policy %q: %v", role.str("assumeRolePolicy"), err)
	}
	issuer := strings.TrimPrefix(testIssuer, "https://")
	st := trust.Statement[0]
	if st.Action != "sts:AssumeRoleWithWebIdentity" || !strings.HasSuffix(st.Principal.Federated, issuer) ||
		st.Condition.StringEquals[issuer+":sub"] != "system:serviceaccount:monitoring:"+YACEServiceAccount ||
		st.Condition.StringEquals[issuer+":aud"] != "sts.amazonaws.com" {
		t.Errorf("trust policy: %+v", st)
	}

	var policy struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(m.get(t, "monitoring-yace-policy").str("policy")), &policy); err != nil || len(policy.Statement) != 1 {
		t.Fatalf("policy: %v", err)
	}
	actions := slices.Sorted(slices.Values(policy.Statement[0].Action))
	if !slices.Equal(actions, []string{"cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics", "tag:GetResources"}) ||
		policy.Statement[0].Effect != "Allow" {
		t.Errorf("YACE may read metrics and find tagged resources, nothing else: %+v", policy.Statement)
	}
	att := m.get(t, "monitoring-yace-policy-attachment")
	if att.str("role") != "monitoring-yace-role" {
		t.Errorf("policy attached to %q", att.str("role"))
	}

	rel := m.get(t, "monitoring-yace-release")
	if rel.str("chart") != YACEChart || rel.str("version") != YACEChartVersion || rel.str("namespace") != MonitoringNamespace {
		t.Errorf("YACE release: %v", rel.plainInputs())
	}
	if rel.str("values", "serviceAccount", "name") != YACEServiceAccount ||
		rel.str("values", "serviceAccount", "annotations", "eks.amazonaws.com/role-arn") != "arn:aws:iam::"+testAccount+":role/monitoring-yace-role" {
		t.Errorf("service account: %v", rel.get("values", "serviceAccount"))
	}
	want, err := cloudwatch.Config(cloudwatch.Stack{Region: testRegion, ClusterName: "flashscale-dev", Project: "flashscale", Stack: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if rel.str("values", "config") != want {
		t.Errorf("YACE config:\n%s\nwant:\n%s", rel.str("values", "config"), want)
	}
	if rel.get("values", "serviceMonitor", "enabled") != true || rel.str("values", "serviceMonitor", "labels", "release") != MonitoringRelease {
		t.Errorf("Prometheus must scrape YACE: %v", rel.get("values", "serviceMonitor"))
	}
	if rel.get("values", "securityContext", "readOnlyRootFilesystem") != true || rel.get("values", "podSecurityContext", "runAsNonRoot") != true {
		t.Errorf("YACE must run non-root on a read-only filesystem: %v %v", rel.get("values", "securityContext"), rel.get("values", "podSecurityContext"))
	}
	// Its ServiceMonitor needs the monitoring release's CRDs.
	if !dependsOn(rel, "monitoring-release") {
		t.Errorf("YACE does not wait for kube-prometheus-stack: %v", rel.Dependencies)
	}
	if !slices.ContainsFunc(PlatformWorkloads(), func(w Workload) bool { return w.Name == "yace" }) {
		t.Error("the capacity check does not count YACE's pod")
	}
}
