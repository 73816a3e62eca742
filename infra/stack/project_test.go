package stack

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// The package runs in infra/stack; the project files are at the repo root.
var (
	projectFile  = filepath.Join("..", "..", "Pulumi.yaml")
	devStackFile = filepath.Join("..", "..", "Pulumi.dev.yaml")
)

func loadProject(t *testing.T) *workspace.Project {
	t.Helper()
	proj, err := workspace.LoadProject(projectFile)
	if err != nil {
		t.Fatalf("LoadProject: %v", err)
	}
	return proj
}

// devStackConfig loads Pulumi.dev.yaml with the SDK's loader and returns its
// config as the engine passes it to the program (full keys, string values).
func devStackConfig(t *testing.T) map[string]string {
	t.Helper()
	return stackConfig(t, "dev")
}

// stackConfig loads Pulumi.<stack>.yaml the same way.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	file := filepath.Join("..", "..", "Pulumi."+stack+".yaml")
	proj := loadProject(t)
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: "never"})
	ps, err := workspace.LoadProjectStack(sink, proj, file)
	if err != nil {
		t.Fatalf("LoadProjectStack: %v", err)
	}
	if len(ps.Config) == 0 {
		t.Fatalf("%s has no config", file)
	}
	out := map[string]string{}
	for k, v := range ps.Config {
		if v.Secure() {
			t.Errorf("%s holds a secret for %s: secrets stay out of git", file, k)
			continue
		}
		s, err := v.Value(config.NopDecrypter)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k.String()] = s
	}
	return out
}

func TestProjectFile(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	if proj.Name.String() != "flashscale" {
		t.Errorf("project name %q", proj.Name)
	}
	// LoadProject accepts a missing runtime and unknown fields: check them here.
	if proj.Runtime.Name() != "go" {
		t.Errorf("runtime %q, want go", proj.Runtime.Name())
	}
	if proj.Main != "infra/" {
		t.Errorf("main %q, want infra/", proj.Main)
	}
	if proj.Description == nil || *proj.Description == "" {
		t.Error("project needs a description")
	}
	if _, err := os.Stat(filepath.Join("..", "main.go")); err != nil {
		t.Errorf("main: infra/ must hold the main package: %v", err)
	}
	raw, err := os.ReadFile(projectFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"name:", "runtime:", "main:", "description:", "config:"} {
		if !strings.Contains(string(raw), "\n"+field) && !strings.HasPrefix(string(raw), field) {
			t.Errorf("Pulumi.yaml lacks top-level %s", field)
		}
	}

	declared := map[string]bool{}
	for _, key := range ConfigKeys {
		decl, ok := proj.Config[key.Name]
		if !key.Declared {
			if ok {
				t.Errorf("%s is optional without default and must not be declared (the CLI would require it)", key.Name)
			}
			continue
		}
		declared[key.Name] = true
		if !ok {
			t.Errorf("Pulumi.yaml does not declare config key %s", key.Name)
			continue
		}
		if decl.Type == nil || *decl.Type != key.Type {
			t.Errorf("%s: declared type %v, want %s", key.Name, decl.Type, key.Type)
		}
		if decl.Secret != key.Secret {
			t.Errorf("%s: declared secret=%v, want %v", key.Name, decl.Secret, key.Secret)
		}
		if decl.Description == "" {
			t.Errorf("%s: no description", key.Name)
		}
		switch {
		case key.Required && decl.Default != nil:
			t.Errorf("%s is required and must have no default, has %v", key.Name, decl.Default)
		case !key.Required && decl.Default == nil:
			t.Errorf("%s: Pulumi.yaml has no default, the program defaults to %q", key.Name, key.Default)
		case !key.Required && fmt.Sprint(decl.Default) != key.Default:
			t.Errorf("%s: Pulumi.yaml default %v differs from the program's %q", key.Name, decl.Default, key.Default)
		}
	}
	for name := range proj.Config {
		if !declared[name] {
			t.Errorf("Pulumi.yaml declares %s, which the program does not read", name)
		}
	}
}

func TestDevStackFile(t *testing.T) {
	t.Parallel()
	cfg := devStackConfig(t)
	known := map[string]bool{"aws:region": true}
	for _, k := range ConfigKeys {
		known[fullKey(k.Name)] = !k.Secret
	}
	for k := range cfg {
		if !known[k] {
			t.Errorf("Pulumi.dev.yaml sets %s, which is unknown or a secret", k)
		}
	}
	raw, err := os.ReadFile(devStackFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"secure:", "encryptionsalt", "dbPassword:", "grafanaAdminPassword:", "adminToken:", "alertSlackWebhookUrl:", "alertPagerDutyRoutingKey:"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("Pulumi.dev.yaml contains %q: secrets are set per machine with `pulumi config set --secret`", secret)
		}
	}
	if cfg["flashscale:natGateways"] != "single" || cfg["flashscale:dbMultiAz"] != "false" {
		t.Errorf("dev must be cheap: natGateways=%q dbMultiAz=%q", cfg["flashscale:natGateways"], cfg["flashscale:dbMultiAz"])
	}
}

// devSecrets are what an operator sets with `pulumi config set --secret`.
func devSecrets(cfg map[string]string) map[string]string {
	return with(cfg, "flashscale:dbPassword", testDBPassword, "flashscale:grafanaAdminPassword", testGrafanaPass,
		"flashscale:alertSlackWebhookUrl", testSlackURL)
}

// TestDevStackRuns runs the program with exactly the dev stack's config (plus
// the secrets) and checks the dev sizing reaches the resources.
func TestDevStackRuns(t *testing.T) {
	t.Parallel()
	cfg := devStackConfig(t)
	res := run(t, devSecrets(cfg), nil, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatalf("dev stack: %v", res.err)
	}
	m := res.mocks
	if n := len(m.byType("aws:ec2/natGateway:NatGateway")); n != 1 {
		t.Errorf("dev: want one NAT gateway, got %d", n)
	}
	nodes := m.get(t, "cluster-nodes")
	if !reflect.DeepEqual(nodes.get("instanceTypes"), []any{"t3.medium"}) || nodes.get("scalingConfig", "maxSize") != 3.0 {
		t.Errorf("dev nodes: %v %v", nodes.get("instanceTypes"), nodes.get("scalingConfig"))
	}
	db := m.get(t, "database-postgres")
	if db.get("multiAz") != false || db.str("instanceClass") != "db.t4g.micro" || db.get("deletionProtection") != false || db.get("skipFinalSnapshot") != true {
		t.Errorf("dev database: %v", db.plainInputs())
	}
	if got := m.get(t, "flashscale-app-blue-hpa").get("spec", "maxReplicas"); got != 4.0 {
		t.Errorf("dev HPA max = %v", got)
	}
	if got := m.get(t, "flashscale-app-blue-deployment").str("spec", "template", "spec", "containers", "0", "image"); got != testRepoURL+":0.1.0" {
		t.Errorf("dev image = %q", got)
	}
}

// TestProjectDefaultsMatchProgram runs the dev stack twice: once as above and
// once with the Pulumi.yaml defaults merged in the way the CLI passes them; the
// resources must be identical, so the program's defaults equal Pulumi.yaml's.
func TestProjectDefaultsMatchProgram(t *testing.T) {
	t.Parallel()
	proj := loadProject(t)
	stack := devStackConfig(t)
	merged := with(stack)
	for name, decl := range proj.Config {
		if _, set := stack[fullKey(name)]; !set && decl.Default != nil {
			merged[fullKey(name)] = fmt.Sprint(decl.Default)
		}
	}
	root := writeMonitoringFiles(t)
	a := run(t, devSecrets(stack), nil, root)
	b := run(t, devSecrets(merged), nil, root)
	if a.err != nil || b.err != nil {
		t.Fatalf("runs: %v / %v", a.err, b.err)
	}
	for name, ra := range a.mocks.resources {
		rb, ok := b.mocks.resources[name]
		if !ok || !reflect.DeepEqual(ra.plainInputs(), rb.plainInputs()) {
			t.Errorf("%s differs between program defaults and Pulumi.yaml defaults", name)
		}
	}
	if len(a.mocks.resources) != len(b.mocks.resources) {
		t.Errorf("resource counts differ: %d vs %d", len(a.mocks.resources), len(b.mocks.resources))
	}
}

// TestConfigKeysDocumented checks every config key and output is documented
// in README.md.
func TestConfigKeysDocumented(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	var missing []string
	for _, k := range ConfigKeys {
		if !strings.Contains(text, "`"+k.Name+"`") {
			missing = append(missing, k.Name)
		}
	}
	for _, out := range []string{"siteUrl", "activeColor", "previewColor", "ecrRepositoryUrl", "clusterName", "kubeconfig", "databaseEndpoint"} {
		if !strings.Contains(text, "`"+out+"`") {
			missing = append(missing, "output "+out)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("undocumented in README.md: %v", missing)
	}
}

// TestRepoDashboardsAndRules runs the dev stack against the repository's own
// dashboards/ folder (when present): every dashboard becomes a ConfigMap and
// the real rule file becomes the PrometheusRule.
func TestRepoDashboardsAndRules(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	files, _ := filepath.Glob(filepath.Join(root, "dashboards", "*.json"))
	if len(files) == 0 {
		t.Skip("no dashboards/*.json in the repository yet")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, devSecrets(devStackConfig(t)), nil, abs)
	if res.err != nil {
		t.Fatalf("dev stack with the repo's dashboards: %v", res.err)
	}
	if got := len(dashboardConfigMaps(res.mocks)); got != len(files) {
		t.Errorf("%d dashboard ConfigMaps for %d dashboard files", got, len(files))
	}
	groups, _ := res.mocks.get(t, "flashscale-dashboards-alert-rules").get("spec", "groups").([]any)
	if len(groups) == 0 {
		t.Error("the PrometheusRule has no groups")
	}
}

// The account-specific values an operator sets per account (see the stack
// files' headers); the program requires them outside dev.
func accountValues(cfg map[string]string) map[string]string {
	return with(cfg,
		"flashscale:certificateArn", "arn:aws:acm:ap-south-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333",
		"flashscale:previewCidrs", `["198.51.100.7/32"]`,
		"flashscale:clusterPublicAccessCidrs", `["198.51.100.7/32"]`,
		"flashscale:clusterAdmins", `["arn:aws:iam::123456789012:role/flashscale-operators"]`,
		"flashscale:mailDomain", "mail.flashscale.example")
}

// TestEnvironmentStackFiles loads Pulumi.staging.yaml and Pulumi.prod.yaml
// with Pulumi's loaders and runs the program with each (plus the secrets and
// the account-specific values), as `pulumi up --stack <name>` would.
func TestEnvironmentStackFiles(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			cfg := stackConfig(t, stack)
			known := map[string]bool{"aws:region": true}
			for _, k := range ConfigKeys {
				known[fullKey(k.Name)] = !k.Secret
			}
			for k := range cfg {
				if !known[k] {
					t.Errorf("Pulumi.%s.yaml sets %s, which is unknown or a secret", stack, k)
				}
			}
			// Without the account's values the program stops, naming each.
			bare := runStack(t, newMocks(), stack, devSecrets(cfg), nil)
			if bare.err == nil {
				t.Fatal("ran without certificateArn, previewCidrs, clusterPublicAccessCidrs and mailDomain")
			}
			for _, key := range []string{"certificateArn", "previewCidrs", "clusterPublicAccessCidrs", "mailDomain"} {
				if !strings.Contains(bare.err.Error(), fullKey(key)) {
					t.Errorf("error does not name %s: %v", key, bare.err)
				}
			}
			res := runStack(t, newMocks(), stack, devSecrets(accountValues(cfg)), nil)
			if res.err != nil {
				t.Fatalf("%s stack: %v", stack, res.err)
			}
			m := res.mocks
			db := m.get(t, "database-postgres")
			if db.get("deletionProtection") != true || db.get("skipFinalSnapshot") != false {
				t.Errorf("%s database must be protected: %v", stack, db.plainInputs())
			}
			if !strings.HasPrefix(res.outputs["siteUrl"].Value.(string), "https://") {
				t.Errorf("%s siteUrl %v is not https", stack, res.outputs["siteUrl"].Value)
			}
			if stack != "prod" {
				return
			}
			// The seed's production sizing.
			hpa := m.get(t, "flashscale-app-blue-hpa")
			if hpa.get("spec", "minReplicas") != 2.0 || hpa.get("spec", "maxReplicas") != 10.0 ||
				hpa.get("spec", "metrics", "0", "resource", "target", "averageUtilization") != 60.0 {
				t.Errorf("prod HPA: %v", hpa.get("spec"))
			}
			if db.get("multiAz") != true {
				t.Error("prod database must be Multi-AZ")
			}
			if n := len(m.byType("aws:ec2/natGateway:NatGateway")); n != 3 {
				t.Errorf("prod: want a NAT gateway per AZ (3), got %d", n)
			}
		})
	}
}
