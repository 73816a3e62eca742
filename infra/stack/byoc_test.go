package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: own
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: own
  context: {cluster: own, user: admin}
current-context: own
users:
- name: admin
  user: {token: not-a-real-token}
`
	testOwnDatabaseURL = "postgres://shop:own-db-secret@db.internal.example:5432/flashscale?sslmode=verify-full"
	testOwnImageRepo   = "ghcr.io/acme/flashscale"
)

var byocSecretKeys = []string{"flashscale:kubeconfig", "flashscale:databaseUrl", "flashscale:grafanaAdminPassword", "flashscale:adminToken",
	"flashscale:alertSlackWebhookUrl"}

// byocConfig is a bring-your-own-cluster stack: no AWS key at all.
func byocConfig() map[string]string {
	return map[string]string{
		"flashscale:kubeconfig":           testKubeconfig,
		"flashscale:databaseUrl":          testOwnDatabaseURL,
		"flashscale:imageRepository":      testOwnImageRepo,
		"flashscale:activeColor":          "blue",
		"flashscale:blueVersion":          "1.4.2",
		"flashscale:greenVersion":         "1.5.0",
		"flashscale:grafanaAdminPassword": testGrafanaPass,
		"flashscale:alertSlackWebhookUrl": testSlackURL,
	}
}

// assertNoAWS fails on any AWS or EKS resource, provider or invoke.
func assertNoAWS(t *testing.T, m *mocks) {
	t.Helper()
	for _, name := range m.order {
		r := m.resources[name]
		if strings.HasPrefix(r.Type, "aws:") || strings.HasPrefix(r.Type, "eks:") ||
			strings.HasPrefix(r.Type, "pulumi:providers:aws") || strings.HasPrefix(r.Type, "pulumi:providers:eks") {
			t.Errorf("bring-your-own-cluster created %s (%s)", name, r.Type)
		}
	}
	for _, call := range m.calls {
		if strings.HasPrefix(call, "aws:") || strings.HasPrefix(call, "eks:") {
			t.Errorf("bring-your-own-cluster called %s", call)
		}
	}
}

func TestBringYourOwnCluster(t *testing.T) {
	t.Parallel()
	res := run(t, byocConfig(), byocSecretKeys, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	m := res.mocks
	assertNoAWS(t, m)

	provider := m.get(t, "own-cluster-k8s")
	if provider.Type != "pulumi:providers:kubernetes" || provider.str("kubeconfig") != testKubeconfig || !provider.isSecret("kubeconfig") {
		t.Errorf("the provider must be built from the kubeconfig config, as a secret: %v", provider.Type)
	}
	k8s := 0
	for _, name := range m.order {
		r := m.resources[name]
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		k8s++
		if !strings.Contains(r.Provider, "pulumi:providers:kubernetes::own-cluster-k8s::") {
			t.Errorf("%s does not use the cluster's provider (provider %q)", name, r.Provider)
		}
	}
	if k8s < 15 {
		t.Errorf("only %d Kubernetes resources: the cluster layer is incomplete", k8s)
	}
	for _, color := range Colors {
		d := m.get(t, "flashscale-app-"+color+"-deployment")
		want := testOwnImageRepo + ":" + map[string]string{"blue": "1.4.2", "green": "1.5.0"}[color]
		if got := d.str("spec", "template", "spec", "containers", "0", "image"); got != want {
			t.Errorf("%s image = %q, want %q", color, got, want)
		}
	}
	secret := m.get(t, "flashscale-app-database-secret")
	if secret.str("stringData", "DATABASE_URL") != testOwnDatabaseURL || !secret.isSecret("stringData", "DATABASE_URL") {
		t.Error("DATABASE_URL must be the databaseUrl config, as a secret")
	}
	// Addons any cluster can run: metrics-server and kube-prometheus-stack;
	// never the AWS-only ones (they need IAM roles).
	var charts []string
	for _, r := range m.byType("kubernetes:helm.sh/v3:Release") {
		charts = append(charts, r.str("chart"))
	}
	if strings.Join(charts, ",") != "metrics-server,kube-prometheus-stack" {
		t.Errorf("releases %v, want metrics-server and kube-prometheus-stack", charts)
	}
	// Not awaited: nothing says this cluster runs the AWS Load Balancer Controller.
	ing := m.get(t, "flashscale-traffic-ingress")
	if ing.str("metadata", "annotations", "pulumi.com/skipAwait") != "true" || ing.str("metadata", "annotations", "pulumi.com/waitFor") != "" {
		t.Errorf("the Ingress must not wait for an ALB on an arbitrary cluster: %v", ing.get("metadata", "annotations"))
	}

	if kc := res.outputs["kubeconfig"]; !kc.Secret || kc.Value != testKubeconfig {
		t.Errorf("kubeconfig output must be the cluster's kubeconfig, as a secret (flashscale-release reads it)")
	}
	for _, awsOnly := range []string{"ecrRepositoryUrl", "clusterName", "databaseEndpoint"} {
		if _, ok := res.outputs[awsOnly]; ok {
			t.Errorf("output %s exported without AWS", awsOnly)
		}
	}
	for _, want := range []string{"siteUrl", "activeColor", "previewColor", "imageRepository"} {
		if _, ok := res.outputs[want]; !ok {
			t.Errorf("output %s missing", want)
		}
	}
	for k, v := range res.outputs {
		if s, _ := v.Value.(string); !v.Secret && (strings.Contains(s, "own-db-secret") || strings.Contains(s, "not-a-real-token")) {
			t.Errorf("output %s leaks a secret", k)
		}
	}
}

func TestBringYourOwnClusterWithoutAddons(t *testing.T) {
	t.Parallel()
	cfg := with(byocConfig(), "flashscale:installAddons", "false", "flashscale:grafanaAdminPassword", "<unset>",
		"flashscale:alertSlackWebhookUrl", "<unset>")
	res := run(t, cfg, byocSecretKeys, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	assertNoAWS(t, res.mocks)
	if n := len(res.mocks.byType("kubernetes:helm.sh/v3:Release")); n != 0 {
		t.Errorf("installAddons=false installed %d releases", n)
	}
	// The cluster's own Prometheus operator serves these kinds.
	for _, name := range []string{"flashscale-app-service-monitor", "flashscale-dashboards-alert-rules"} {
		if res.mocks.get(t, name).Custom != true {
			t.Errorf("%s missing", name)
		}
	}
}

func TestBringYourOwnClusterKubeconfigPath(t *testing.T) {
	t.Parallel()
	root := writeMonitoringFiles(t)
	if err := os.WriteFile(filepath.Join(root, "own.kubeconfig"), []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	res := run(t, with(byocConfig(), "flashscale:kubeconfig", "own.kubeconfig"), byocSecretKeys, root)
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	if got := res.mocks.get(t, "own-cluster-k8s").str("kubeconfig"); got != testKubeconfig {
		t.Errorf("a kubeconfig path must be read (relative to the project root): provider got %q", got)
	}
	assertNoAWS(t, res.mocks)
}

func TestBringYourOwnClusterConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		kv        []string
		secrets   []string
		fragments []string
	}{
		{"no database", []string{"flashscale:databaseUrl", "<unset>"}, nil, []string{"missing required secret config flashscale:databaseUrl"}},
		{"not postgres", []string{"flashscale:databaseUrl", "mysql://a@b/c"}, nil, []string{"flashscale:databaseUrl", "PostgreSQL URL"}},
		{"no image", []string{"flashscale:imageRepository", "<unset>"}, nil, []string{"missing required config flashscale:imageRepository"}},
		{"image with tag", []string{"flashscale:imageRepository", "ghcr.io/acme/flashscale:1.0"}, nil, []string{"flashscale:imageRepository", "without tag"}},
		{"missing file", []string{"flashscale:kubeconfig", "nowhere/kubeconfig"}, nil, []string{"flashscale:kubeconfig", "neither kubeconfig contents nor a readable file"}},
		{"kubeconfig in plain text", nil, []string{"flashscale:databaseUrl", "flashscale:grafanaAdminPassword"}, []string{"config flashscale:kubeconfig must be a secret"}},
		{"grafana password with addons", []string{"flashscale:grafanaAdminPassword", "<unset>"}, nil, []string{"missing required secret config flashscale:grafanaAdminPassword"}},
		{"alert webhook with addons", []string{"flashscale:alertSlackWebhookUrl", "<unset>"}, nil, []string{"missing required secret config flashscale:alertSlackWebhookUrl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secrets := tc.secrets
			if secrets == nil {
				secrets = byocSecretKeys
			}
			expectConfigError(t, with(byocConfig(), tc.kv...), secrets, "", tc.fragments...)
		})
	}
	t.Run("installAddons=false on AWS", func(t *testing.T) {
		t.Parallel()
		expectConfigError(t, with(baseConfig(), "flashscale:installAddons", "false"), nil, "", "flashscale:installAddons", "only with flashscale:kubeconfig")
	})
}

// TestClusterLayerAlone builds the cluster layer the way a test against a
// local API server does: a Kubernetes provider, a config from LoadConfig,
// no add-ons, and nothing else.
func TestClusterLayerAlone(t *testing.T) {
	t.Parallel()
	m := newMocks()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		cfg, err := LoadConfig(ctx)
		if err != nil {
			return err
		}
		prov, err := kubernetes.NewProvider(ctx, "local", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String(testKubeconfig)})
		if err != nil {
			return err
		}
		_, err = NewClusterLayer(ctx, "flashscale", &ClusterLayerArgs{
			Config:          cfg,
			Provider:        prov,
			DatabaseURL:     pulumi.String(testOwnDatabaseURL),
			ImageRepository: pulumi.String(testOwnImageRepo),
		})
		return err
	}, pulumi.WithMocks("flashscale", "dev", m), func(info *pulumi.RunInfo) {
		info.Config = byocConfig()
		info.ConfigSecretKeys = byocSecretKeys
		info.RootDirectory = writeMonitoringFiles(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	assertNoAWS(t, m)
	for _, name := range []string{"flashscale-app-namespace", "flashscale-app-blue-deployment", "flashscale-app-green-hpa",
		"flashscale-app-blue-pdb", "flashscale-traffic-green-service", "flashscale-traffic-ingress",
		"flashscale-app-service-monitor", "flashscale-dashboards-alert-rules"} {
		r := m.get(t, name)
		if !strings.Contains(r.Provider, "::local::") {
			t.Errorf("%s does not use the given provider: %q", name, r.Provider)
		}
	}
}

// Before the load balancer controller writes the ALB's address, the API
// server returns the Ingress with `status: {loadBalancer: {}}`. The program
// must say "pending", not panic on a missing first entry (the real-engine
// test met exactly that).
func TestSiteUrlBeforeTheALBHasAnAddress(t *testing.T) {
	t.Parallel()
	m := newMocks()
	m.albPending = true
	res := runWithMocks(t, m, byocConfig(), byocSecretKeys, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	if got, _ := res.outputs["siteUrl"].Value.(string); !strings.HasPrefix(got, "pending:") {
		t.Errorf("siteUrl = %q, want a pending message", got)
	}
}
