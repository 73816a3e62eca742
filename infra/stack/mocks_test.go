package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

const (
	testRegion      = "us-east-1"
	testAccount     = "123456789012"
	testIssuer      = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	testClusterSG   = "sg-0eksclustersg00001"
	testRepoURL     = testAccount + ".dkr.ecr.us-east-1.amazonaws.com/flashscale-dev"
	testDBAddress   = "flashscale-dev.abcdefghijkl.us-east-1.rds.amazonaws.com"
	testALBHostname = "k8s-flashsca-flashsca-0123456789-987654321.us-east-1.elb.amazonaws.com"
	testDBPassword  = "s3cret-Db-pass"
	testGrafanaPass = "grafana-pass-123"
	testSlackURL    = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
	testPDKey       = "0123456789abcdef0123456789abcdef"
	// What the mocks answer for the SES identity and the SMTP user's key.
	testSESVerification = "ses-verification-token"
	testSMTPUser        = "AKIATESTSMTPUSER0001"
	testSMTPPassword    = "BTestSmtpPasswordV4derived"
)

// record is what the mock saw for one registered resource.
type record struct {
	Type          string
	Name          string
	Inputs        resource.PropertyMap
	Custom        bool
	Remote        bool
	IgnoreChanges []string
	Provider      string
	Parent        string
	Dependencies  []string
}

// plainInputs converts the inputs to plain Go values (secrets unwrapped).
func (r *record) plainInputs() map[string]any { return plainMap(r.Inputs) }

// get walks a path of object keys and array indexes in the plain inputs.
func (r *record) get(path ...string) any {
	var cur any = r.plainInputs()
	for _, p := range path {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[p]
		case []any:
			var i int
			if _, err := fmt.Sscanf(p, "%d", &i); err != nil || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

func (r *record) str(path ...string) string {
	s, _ := r.get(path...).(string)
	return s
}

// isSecret reports whether the input at a path (or a value above it) is marked secret.
func (r *record) isSecret(path ...string) bool {
	cur := resource.NewObjectProperty(r.Inputs)
	for _, p := range path {
		if cur.IsSecret() {
			return true
		}
		if !cur.IsObject() {
			return false
		}
		cur = cur.ObjectValue()[resource.PropertyKey(p)]
	}
	return cur.ContainsSecrets()
}

func plainMap(m resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[string(k)] = plain(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsComputed():
		return "<computed>"
	case v.IsOutput():
		if !v.OutputValue().Known {
			return "<unknown>"
		}
		return plain(v.OutputValue().Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsArray():
		arr := []any{}
		for _, e := range v.ArrayValue() {
			arr = append(arr, plain(e))
		}
		return arr
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsNull():
		return nil
	default:
		return v.V
	}
}

// mocks records every resource and answers the few invokes the program makes.
type mocks struct {
	// dbVersion is the engine version of an RDS instance that already runs
	// (empty: none yet).
	dbVersion string
	// albPending answers for the Ingress as the API server does before the
	// load balancer controller has written the ALB's address.
	albPending bool

	mu        sync.Mutex
	resources map[string]*record // by logical name
	order     []string
	dupes     []string
	calls     []string
}

func newMocks() *mocks { return &mocks{resources: map[string]*record{}} }

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rec := &record{
		Type:     args.TypeToken,
		Name:     args.Name,
		Inputs:   args.Inputs,
		Custom:   args.Custom,
		Provider: args.Provider,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		rec.Remote = rpc.GetRemote()
		rec.IgnoreChanges = rpc.GetIgnoreChanges()
		rec.Parent = rpc.GetParent()
		rec.Dependencies = rpc.GetDependencies()
	}
	m.mu.Lock()
	if _, dup := m.resources[args.Name]; dup {
		m.dupes = append(m.dupes, args.Name)
	}
	m.resources[args.Name] = rec
	m.order = append(m.order, args.Name)
	m.mu.Unlock()

	outs := args.Inputs.Copy()
	id := args.Name + "-id"
	set := func(k string, v any) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	switch args.TypeToken {
	case "aws:ecr/repository:Repository":
		set("repositoryUrl", testRepoURL)
		set("arn", "arn:aws:ecr:us-east-1:"+testAccount+":repository/flashscale-dev")
	case "aws:rds/instance:Instance":
		set("address", testDBAddress)
		set("endpoint", testDBAddress+":5432")
		set("port", 5432)
	case "aws:iam/role:Role":
		set("arn", "arn:aws:iam::"+testAccount+":role/"+args.Name)
		set("name", args.Name)
	case "aws:iam/policy:Policy":
		set("arn", "arn:aws:iam::"+testAccount+":policy/"+args.Name)
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		set("arn", "arn:aws:iam::"+testAccount+":oidc-provider/"+strings.TrimPrefix(testIssuer, "https://"))
	case "aws:rds/subnetGroup:SubnetGroup":
		set("name", args.Name)
	case "eks:index:Cluster":
		id = ""
		set("kubeconfigJson", `{"apiVersion":"v1","kind":"Config","clusters":[{"name":"flashscale-dev"}]}`)
		set("kubeconfig", map[string]any{"apiVersion": "v1", "kind": "Config"})
	case "aws:ses/domainIdentity:DomainIdentity":
		set("arn", "arn:aws:ses:us-east-1:"+testAccount+":identity/"+args.Inputs["domain"].StringValue())
		set("verificationToken", testSESVerification)
	case "aws:ses/domainDkim:DomainDkim":
		set("dkimTokens", []any{"dkimtokena", "dkimtokenb", "dkimtokenc"})
	case "aws:iam/accessKey:AccessKey":
		id = testSMTPUser
		set("sesSmtpPasswordV4", testSMTPPassword)
	case "aws:ec2/launchTemplate:LaunchTemplate":
		set("latestVersion", 1)
	case "kubernetes:networking.k8s.io/v1:Ingress":
		if m.albPending {
			set("status", map[string]any{"loadBalancer": map[string]any{}})
		} else {
			set("status", map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"hostname": testALBHostname}}}})
		}
	}
	if !args.Custom {
		id = ""
	}
	return id, outs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args.Token)
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":      testRegion,
			"names":   []any{"us-east-1a", "us-east-1b", "us-east-1c"},
			"zoneIds": []any{"use1-az1", "use1-az2", "use1-az4"},
		}), nil
	case "aws:eks/getCluster:getCluster":
		name := args.Args["name"].StringValue()
		return resource.NewPropertyMapFromMap(map[string]any{
			"id":                     name,
			"name":                   name,
			"arn":                    "arn:aws:eks:us-east-1:" + testAccount + ":cluster/" + name,
			"identities":             []any{map[string]any{"oidcs": []any{map[string]any{"issuer": testIssuer}}}},
			"vpcConfig":              map[string]any{"clusterSecurityGroupId": testClusterSG, "vpcId": "network-vpc-id"},
			"endpoint":               "https://EXAMPLE0123456789.gr7.us-east-1.eks.amazonaws.com",
			"certificateAuthorities": []any{map[string]any{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}},
		}), nil
	case "aws:rds/getInstances:getInstances":
		ids := []any{}
		if m.dbVersion != "" {
			ids = append(ids, "flashscale-dev")
		}
		return resource.NewPropertyMapFromMap(map[string]any{"id": testRegion, "instanceIdentifiers": ids, "instanceArns": []any{}}), nil
	case "aws:rds/getInstance:getInstance":
		if m.dbVersion == "" {
			return nil, fmt.Errorf("DB instance not found")
		}
		return resource.NewPropertyMapFromMap(map[string]any{"id": "flashscale-dev", "dbInstanceIdentifier": "flashscale-dev", "engineVersion": m.dbVersion}), nil
	}
	return args.Args, nil
}

func (m *mocks) byType(typ string) []*record {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*record
	for _, name := range m.order {
		if r := m.resources[name]; r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func (m *mocks) get(t *testing.T, name string) *record {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.resources[name]
	if !ok {
		names := make([]string, 0, len(m.resources))
		for n := range m.resources {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Fatalf("resource %q not registered; have %v", name, names)
	}
	return r
}

func (m *mocks) customCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.resources {
		if r.Custom {
			n++
		}
	}
	return n
}

// writeMonitoringFiles creates a project root with a dashboards dir holding
// two dashboards and the alert rule file.
func writeMonitoringFiles(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "dashboards")
	if err := os.MkdirAll(filepath.Join(dir, "alerts"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"flashscale-overview.json": `{"title":"FlashScale overview","panels":[{"targets":[{"expr":"sum by (color) (rate(http_requests_total[1m]))"}]}]}`,
		"Checkout Latency.json":    `{"title":"Checkout latency","panels":[]}`,
		"alerts/flashscale-rules.yaml": `groups:
  - name: flashscale
    rules:
      - alert: FlashscaleHighErrorRate
        expr: sum by (color) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (color) (rate(http_requests_total[5m])) > 0.05
        for: 5m
        labels:
          severity: page
        annotations:
          summary: 5xx above 5% on {{ $labels.color }}
`,
		"README.md": "not a dashboard",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var testSecretKeys = []string{"flashscale:dbPassword", "flashscale:grafanaAdminPassword", "flashscale:adminToken",
	"flashscale:alertSlackWebhookUrl", "flashscale:alertPagerDutyRoutingKey"}

// baseConfig is a complete stack config (dev-like) including the secrets.
func baseConfig() map[string]string {
	return map[string]string{
		"aws:region":                      testRegion,
		"flashscale:activeColor":          "blue",
		"flashscale:blueVersion":          "1.4.2",
		"flashscale:greenVersion":         "1.5.0",
		"flashscale:dbPassword":           testDBPassword,
		"flashscale:grafanaAdminPassword": testGrafanaPass,
		"flashscale:alertSlackWebhookUrl": testSlackURL,
	}
}

type runResult struct {
	mocks   *mocks
	outputs map[string]internals.UnsafeAwaitOutputResult
	err     error
}

// testRDSBundle stands in for AWS's RDS CA bundle: the mocks reach no network.
var testRDSBundle string

func TestMain(m *testing.M) {
	b, err := makeCABundle("Amazon RDS us-east-1 Root CA RSA2048 G1 (test)")
	if err != nil {
		panic(err)
	}
	testRDSBundle = b
	fetchRDSCABundle = func(context.Context, string) (string, error) { return testRDSBundle, nil }
	os.Exit(m.Run())
}

// run executes the program under mocks with the given config; secretKeys are
// the config keys marked secret (nil means testSecretKeys).
func run(t *testing.T, cfg map[string]string, secretKeys []string, root string) runResult {
	t.Helper()
	return runWithMocks(t, newMocks(), cfg, secretKeys, root)
}

// runStack runs the program as stack `stack` with the test dashboards.
func runStack(t *testing.T, m *mocks, stack string, cfg map[string]string, secretKeys []string) runResult {
	t.Helper()
	return runAs(t, m, stack, cfg, secretKeys, writeMonitoringFiles(t))
}

func runWithMocks(t *testing.T, m *mocks, cfg map[string]string, secretKeys []string, root string) runResult {
	t.Helper()
	return runAs(t, m, "dev", cfg, secretKeys, root)
}

func runAs(t *testing.T, m *mocks, stack string, cfg map[string]string, secretKeys []string, root string) runResult {
	t.Helper()
	if secretKeys == nil {
		secretKeys = testSecretKeys
	}
	res := runResult{mocks: m, outputs: map[string]internals.UnsafeAwaitOutputResult{}}
	var mu sync.Mutex
	program := func(ctx *pulumi.Context) error {
		outs, err := Build(ctx)
		if err != nil {
			return err
		}
		for k, v := range outs {
			r, err := internals.UnsafeAwaitOutput(ctx.Context(), pulumi.ToOutput(v))
			if err != nil {
				return err
			}
			mu.Lock()
			res.outputs[k] = r
			mu.Unlock()
			ctx.Export(k, v)
		}
		return nil
	}
	res.err = pulumi.RunErr(program, pulumi.WithMocks("flashscale", stack, m), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = secretKeys
		info.RootDirectory = root
	})
	if len(m.dupes) > 0 {
		t.Errorf("duplicate resource names: %v", m.dupes)
	}
	return res
}

// mustRun runs the program and fails the test on error.
func mustRun(t *testing.T, cfg map[string]string) runResult {
	t.Helper()
	res := run(t, cfg, nil, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	return res
}

// loadConfig runs only LoadConfig under mocks.
func loadConfig(t *testing.T, cfg map[string]string, root string) (*Config, error) {
	t.Helper()
	return loadConfigIn(t, cfg, nil, root)
}

// loadConfigWith is loadConfig with the given secret keys and test dashboards.
func loadConfigWith(t *testing.T, cfg map[string]string, secretKeys []string) (*Config, error) {
	t.Helper()
	return loadConfigIn(t, cfg, secretKeys, writeMonitoringFiles(t))
}

func loadConfigIn(t *testing.T, cfg map[string]string, secretKeys []string, root string) (*Config, error) {
	t.Helper()
	if secretKeys == nil {
		secretKeys = testSecretKeys
	}
	var loaded *Config
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		c, err := LoadConfig(ctx)
		loaded = c
		return err
	}, pulumi.WithMocks("flashscale", "dev", newMocks()), func(info *pulumi.RunInfo) {
		info.Config = cfg
		info.ConfigSecretKeys = secretKeys
		info.RootDirectory = root
	})
	return loaded, err
}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}
