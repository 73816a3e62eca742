package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// ConfigNamespace is the Pulumi config namespace of every project key (the project name).
const ConfigNamespace = "flashscale"

// Colours the service can be deployed in.
const (
	ColorBlue  = "blue"
	ColorGreen = "green"
)

// Colors lists the deployment colours in a stable order.
var Colors = []string{ColorBlue, ColorGreen}

// minKubernetesMinor is the lowest Kubernetes minor version accepted: the
// Deployment's preStop hook uses the native `sleep` lifecycle action
// (PodLifecycleSleepAction, beta and on by default since 1.30) because the
// service image is distroless and has no shell to exec `sleep`.
const minKubernetesMinor = 30

// ConfigKey describes one `flashscale:` config key. The list below is the single
// source of truth: Pulumi.yaml declares exactly these keys (asserted by tests) and
// README.md documents them.
type ConfigKey struct {
	Name        string
	Type        string // string, integer or boolean (Pulumi.yaml config types)
	Default     string // "" with Required=false means optional without default
	Required    bool
	Secret      bool
	Declared    bool // declared in Pulumi.yaml; optional keys without a default are not (the CLI requires a declared key that has no default)
	Description string
}

// ConfigKeys lists every key the program reads from the `flashscale:` namespace.
var ConfigKeys = []ConfigKey{
	{Name: "activeColor", Type: "string", Default: ColorBlue, Declared: true, Description: "Colour that receives live traffic (blue or green); the other colour is the preview colour."},
	{Name: "blueVersion", Type: "string", Required: true, Declared: true, Description: "Image tag (in the stack's ECR repository) deployed as the blue colour."},
	{Name: "greenVersion", Type: "string", Required: true, Declared: true, Description: "Image tag (in the stack's ECR repository) deployed as the green colour."},
	{Name: "vpcCidr", Type: "string", Default: "10.0.0.0/16", Declared: true, Description: "IPv4 CIDR of the VPC; must be a /16."},
	{Name: "azCount", Type: "integer", Default: "2", Declared: true, Description: "Number of availability zones (2 or 3) for subnets and nodes."},
	{Name: "natGateways", Type: "string", Default: "perAz", Declared: true, Description: "NAT gateway layout: perAz (one per AZ, highly available) or single (one shared, cheap)."},
	{Name: "kubernetesVersion", Type: "string", Default: "1.35", Declared: true, Description: "EKS Kubernetes version (1.30 or newer: the preStop hook uses the native sleep action)."},
	{Name: "nodeInstanceType", Type: "string", Default: "m6i.large", Declared: true, Description: "EC2 instance type of the managed node group (x86_64, Amazon Linux 2023); one of the types in the capacity table."},
	{Name: "nodeMinSize", Type: "integer", Default: "2", Declared: true, Description: "Minimum node count of the managed node group."},
	{Name: "nodeDesiredSize", Type: "integer", Default: "3", Declared: true, Description: "Desired node count of the managed node group."},
	{Name: "nodeMaxSize", Type: "integer", Default: "6", Declared: true, Description: "Maximum node count of the managed node group; must hold both colours at HPA max plus the monitoring stack."},
	{Name: "hpaMinReplicas", Type: "integer", Default: "2", Declared: true, Description: "HPA minimum replicas per colour (also the Deployment's initial replica count)."},
	{Name: "hpaMaxReplicas", Type: "integer", Default: "10", Declared: true, Description: "HPA maximum replicas per colour."},
	{Name: "hpaCpuTarget", Type: "integer", Default: "60", Declared: true, Description: "HPA target average CPU utilisation in percent of the CPU request."},
	{Name: "cpuRequest", Type: "string", Default: "250m", Declared: true, Description: "Container CPU request (Kubernetes quantity)."},
	{Name: "cpuLimit", Type: "string", Default: "1", Declared: true, Description: "Container CPU limit (Kubernetes quantity)."},
	{Name: "memoryRequest", Type: "string", Default: "256Mi", Declared: true, Description: "Container memory request (Kubernetes quantity)."},
	{Name: "memoryLimit", Type: "string", Default: "512Mi", Declared: true, Description: "Container memory limit (Kubernetes quantity)."},
	{Name: "drainTimeoutSeconds", Type: "integer", Default: "20", Declared: true, Description: "Seconds the service drains in-flight requests after SIGTERM (passed as FLASHSCALE_DRAIN_TIMEOUT)."},
	{Name: "preStopSleepSeconds", Type: "integer", Default: "15", Declared: true, Description: "Seconds the preStop hook pauses before SIGTERM so the ALB deregisters the pod first."},
	{Name: "dbInstanceClass", Type: "string", Default: "db.t4g.medium", Declared: true, Description: "RDS instance class of the PostgreSQL database."},
	{Name: "dbEngineVersion", Type: "string", Default: "17", Declared: true, Description: "RDS PostgreSQL engine version (major, or major.minor)."},
	{Name: "dbAllocatedStorage", Type: "integer", Default: "20", Declared: true, Description: "Allocated storage in GiB (20 to 16384); autoscaling up to 4x."},
	{Name: "dbMultiAz", Type: "boolean", Default: "true", Declared: true, Description: "Run the database as a Multi-AZ deployment."},
	{Name: "dbDeletionProtection", Type: "boolean", Default: "true", Declared: true, Description: "Enable RDS deletion protection (and take a final snapshot on delete)."},
	{Name: "dbBackupRetentionDays", Type: "integer", Default: "7", Declared: true, Description: "Automated backup retention in days (1 to 35; backups are always on)."},
	{Name: "dashboardsDir", Type: "string", Default: "dashboards", Declared: true, Description: "Directory of Grafana dashboard JSON files and alerts/flashscale-rules.yaml, relative to the project root (the folder of Pulumi.yaml)."},
	{Name: "certificateArn", Type: "string", Description: "Optional ACM certificate ARN; when set the ALB also listens on HTTPS 443 and redirects HTTP to HTTPS (not declared in Pulumi.yaml: optional without a default)."},
	{Name: "dbPassword", Type: "string", Required: true, Secret: true, Declared: true, Description: "Master password of the database (secret, 8 to 128 printable ASCII characters, none of / @ \" or space)."},
	{Name: "grafanaAdminPassword", Type: "string", Required: true, Secret: true, Declared: true, Description: "Grafana admin password (secret, at least 8 characters)."},
	{Name: "adminToken", Type: "string", Secret: true, Description: "Optional admin API token passed to the service as FLASHSCALE_ADMIN_TOKEN (secret; not declared in Pulumi.yaml so it can stay unset)."},
	{Name: "alertSlackWebhookUrl", Type: "string", Required: true, Secret: true, Declared: true, Description: "Slack (or Slack-compatible) incoming webhook URL, https: every alert but the chart's Watchdog and InfoInhibitor is posted there (secret)."},
	{Name: "alertSlackChannel", Type: "string", Description: "Optional channel (#name) overriding the webhook's default channel (not declared in Pulumi.yaml: optional without a default)."},
	{Name: "alertPagerDutyRoutingKey", Type: "string", Secret: true, Description: "Optional PagerDuty Events API v2 integration key: critical alerts page through it (secret; without it critical alerts only reach the channel; not declared in Pulumi.yaml)."},
	{Name: "alertPagerDutyUrl", Type: "string", Description: "Optional PagerDuty Events API v2 URL, e.g. https://events.eu.pagerduty.com/v2/enqueue for an EU account (default: PagerDuty's; not declared in Pulumi.yaml)."},
	{Name: "prometheusStorageSize", Type: "string", Default: "20Gi", Declared: true, Description: "Size of Prometheus's persistent volume (gp3 via the EBS CSI driver), so its data survive a pod eviction during a sale; retention stops at 85% of it."},
}

// Dashboard is one Grafana dashboard file found in the dashboards directory.
type Dashboard struct {
	FileName string // e.g. flashscale-overview.json
	Slug     string // kebab-case name used for the ConfigMap
	JSON     string
}

// Config is the validated configuration of one stack, read once up front.
type Config struct {
	Project string
	Stack   string
	Region  string

	ActiveColor  string
	PreviewColor string
	Versions     map[string]string // colour -> image tag

	VpcCidr     string
	AzCount     int
	NatGateways string

	ClusterName       string
	KubernetesVersion string
	NodeInstanceType  string
	NodeMinSize       int
	NodeDesiredSize   int
	NodeMaxSize       int

	HpaMinReplicas int
	HpaMaxReplicas int
	HpaCpuTarget   int

	CPURequest      string
	CPULimit        string
	MemoryRequest   string
	MemoryLimit     string
	CPURequestMilli int64
	MemoryRequestMi int64
	MemoryLimitMi   int64

	DrainTimeoutSeconds int
	PreStopSleepSeconds int

	DbInstanceClass       string
	DbEngineVersion       string
	DbAllocatedStorage    int
	DbMultiAz             bool
	DbDeletionProtection  bool
	DbBackupRetentionDays int

	CertificateArn string

	DbPassword           pulumi.StringOutput
	GrafanaAdminPassword pulumi.StringOutput
	AdminToken           pulumi.StringOutput
	HasAdminToken        bool

	Alerting              AlertingConfig
	PrometheusStorageSize string
	PrometheusStorageMi   int64

	ProjectRoot   string
	DashboardsDir string
	Dashboards    []Dashboard
	AlertRules    map[string]any // parsed Prometheus rule file (has "groups")
}

// TerminationGracePeriodSeconds is longer than the preStop pause plus the
// service's drain, with a 10s margin, so the kubelet never SIGKILLs a draining pod.
func (c *Config) TerminationGracePeriodSeconds() int {
	return c.PreStopSleepSeconds + c.DrainTimeoutSeconds + 10
}

// ImageTag returns the configured image tag of a colour.
func (c *Config) ImageTag(color string) string { return c.Versions[color] }

var (
	imageTagRe   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	k8sVersionRe = regexp.MustCompile(`^1\.(\d+)$`)
	dbVersionRe  = regexp.MustCompile(`^\d+(\.\d+)?$`)
	dbClassRe    = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	acmArnRe     = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$`)
	slugRe       = regexp.MustCompile(`[^a-z0-9]+`)
)

// configReader collects every problem instead of stopping at the first one.
type configReader struct {
	ctx  *pulumi.Context
	errs []error
}

func (r *configReader) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

func fullKey(name string) string { return ConfigNamespace + ":" + name }

func specFor(name string) ConfigKey {
	for _, k := range ConfigKeys {
		if k.Name == name {
			return k
		}
	}
	panic("unknown config key " + name)
}

// raw returns the value of a key, its declared default when unset, and whether it was set.
func (r *configReader) raw(name string) (string, bool) {
	spec := specFor(name)
	if v, ok := r.ctx.GetConfig(fullKey(name)); ok {
		return strings.TrimSpace(v), true
	}
	if spec.Required {
		r.fail("missing required config %s: set it with `pulumi config set %s <value>` (%s)", fullKey(name), name, spec.Description)
	}
	return spec.Default, false
}

func (r *configReader) str(name string) string {
	v, _ := r.raw(name)
	return v
}

func (r *configReader) oneOf(name string, allowed ...string) string {
	v := r.str(name)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail("invalid config %s: %q (allowed values: %s)", fullKey(name), v, strings.Join(allowed, ", "))
	return allowed[0]
}

func (r *configReader) integer(name string, min, max int) int {
	v := r.str(name)
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail("invalid config %s: %q is not an integer (allowed: %d to %d)", fullKey(name), v, min, max)
		d, _ := strconv.Atoi(specFor(name).Default)
		return d
	}
	if n < min || n > max {
		r.fail("invalid config %s: %d is out of range (allowed: %d to %d)", fullKey(name), n, min, max)
	}
	return n
}

func (r *configReader) boolean(name string) bool {
	v := r.str(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail("invalid config %s: %q (allowed values: true, false)", fullKey(name), v)
		return specFor(name).Default == "true"
	}
	return b
}

// secret reads a secret key: it must be set with `pulumi config set --secret`.
func (r *configReader) secret(name string) (pulumi.StringOutput, string, bool) {
	spec := specFor(name)
	key := fullKey(name)
	v, ok := r.ctx.GetConfig(key)
	if !ok || v == "" {
		if spec.Required {
			r.fail("missing required secret config %s: set it with `pulumi config set --secret %s <value>` (%s)", key, name, spec.Description)
		}
		return pulumi.ToSecret(pulumi.String("")).(pulumi.StringOutput), "", false
	}
	if !r.ctx.IsConfigSecret(key) {
		r.fail("config %s must be a secret: set it with `pulumi config set --secret %s <value>`", key, name)
	}
	return pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput), v, true
}

// LoadConfig reads and validates the whole stack configuration. Every problem is
// reported at once; the error names each key and its allowed values.
func LoadConfig(ctx *pulumi.Context) (*Config, error) {
	r := &configReader{ctx: ctx}
	c := &Config{Project: ctx.Project(), Stack: ctx.Stack(), Versions: map[string]string{}}

	if region, ok := ctx.GetConfig("aws:region"); ok && region != "" {
		c.Region = region
	} else {
		r.fail("missing required config aws:region: set it with `pulumi config set aws:region <region>`")
	}

	c.ActiveColor = r.oneOf("activeColor", ColorBlue, ColorGreen)
	c.PreviewColor = otherColor(c.ActiveColor)
	for _, color := range Colors {
		key := color + "Version"
		tag := r.str(key)
		switch {
		case tag == "":
			// already reported as missing
		case tag == "latest":
			r.fail("invalid config %s: %q (the ECR repository has immutable tags; use a release tag such as 1.4.2)", fullKey(key), tag)
		case !imageTagRe.MatchString(tag):
			r.fail("invalid config %s: %q is not a valid image tag (allowed: 1-128 of [A-Za-z0-9_.-], not starting with . or -)", fullKey(key), tag)
		}
		c.Versions[color] = tag
	}

	c.VpcCidr = r.str("vpcCidr")
	if p, err := netip.ParsePrefix(c.VpcCidr); err != nil || !p.Addr().Is4() || p.Bits() != 16 || p.Masked() != p {
		r.fail("invalid config %s: %q (allowed: an IPv4 /16 network such as 10.0.0.0/16)", fullKey("vpcCidr"), c.VpcCidr)
		c.VpcCidr = specFor("vpcCidr").Default
	}
	c.AzCount = r.integer("azCount", 2, 3)
	c.NatGateways = r.oneOf("natGateways", "perAz", "single")

	c.ClusterName = fmt.Sprintf("%s-%s", c.Project, c.Stack)
	c.KubernetesVersion = r.str("kubernetesVersion")
	if m := k8sVersionRe.FindStringSubmatch(c.KubernetesVersion); m == nil {
		r.fail("invalid config %s: %q (allowed: 1.%d or newer, written as major.minor)", fullKey("kubernetesVersion"), c.KubernetesVersion, minKubernetesMinor)
	} else if minor, _ := strconv.Atoi(m[1]); minor < minKubernetesMinor {
		r.fail("invalid config %s: %q (allowed: 1.%d or newer; the preStop hook uses the native sleep lifecycle action)", fullKey("kubernetesVersion"), c.KubernetesVersion, minKubernetesMinor)
	}
	c.NodeInstanceType = r.oneOf("nodeInstanceType", InstanceTypeNames()...)
	c.NodeMinSize = r.integer("nodeMinSize", 1, 100)
	c.NodeDesiredSize = r.integer("nodeDesiredSize", 1, 100)
	c.NodeMaxSize = r.integer("nodeMaxSize", 1, 100)
	if c.NodeMinSize > c.NodeDesiredSize || c.NodeDesiredSize > c.NodeMaxSize {
		r.fail("invalid config %s/%s/%s: %d/%d/%d (allowed: nodeMinSize <= nodeDesiredSize <= nodeMaxSize)",
			fullKey("nodeMinSize"), fullKey("nodeDesiredSize"), fullKey("nodeMaxSize"), c.NodeMinSize, c.NodeDesiredSize, c.NodeMaxSize)
	}

	c.HpaMinReplicas = r.integer("hpaMinReplicas", 1, 100)
	c.HpaMaxReplicas = r.integer("hpaMaxReplicas", 1, 100)
	if c.HpaMaxReplicas < c.HpaMinReplicas {
		r.fail("invalid config %s: %d (allowed: at least %s = %d)", fullKey("hpaMaxReplicas"), c.HpaMaxReplicas, fullKey("hpaMinReplicas"), c.HpaMinReplicas)
	}
	c.HpaCpuTarget = r.integer("hpaCpuTarget", 1, 100)

	c.CPURequest, c.CPULimit = r.str("cpuRequest"), r.str("cpuLimit")
	c.MemoryRequest, c.MemoryLimit = r.str("memoryRequest"), r.str("memoryLimit")
	cpuReq, err1 := ParseCPU(c.CPURequest)
	cpuLim, err2 := ParseCPU(c.CPULimit)
	memReq, err3 := ParseMemoryMi(c.MemoryRequest)
	memLim, err4 := ParseMemoryMi(c.MemoryLimit)
	for i, key := range []string{"cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"} {
		if err := []error{err1, err2, err3, err4}[i]; err != nil {
			r.fail("invalid config %s: %v", fullKey(key), err)
		}
	}
	if err1 == nil && err2 == nil && cpuReq > cpuLim {
		r.fail("invalid config %s: %s is above %s %s", fullKey("cpuRequest"), c.CPURequest, fullKey("cpuLimit"), c.CPULimit)
	}
	if err3 == nil && err4 == nil && memReq > memLim {
		r.fail("invalid config %s: %s is above %s %s", fullKey("memoryRequest"), c.MemoryRequest, fullKey("memoryLimit"), c.MemoryLimit)
	}
	c.CPURequestMilli, c.MemoryRequestMi, c.MemoryLimitMi = cpuReq, memReq, memLim

	c.DrainTimeoutSeconds = r.integer("drainTimeoutSeconds", 1, 300)
	c.PreStopSleepSeconds = r.integer("preStopSleepSeconds", 1, 120)

	c.DbInstanceClass = r.str("dbInstanceClass")
	if !dbClassRe.MatchString(c.DbInstanceClass) {
		r.fail("invalid config %s: %q (allowed: an RDS instance class such as db.t4g.medium)", fullKey("dbInstanceClass"), c.DbInstanceClass)
	}
	c.DbEngineVersion = r.str("dbEngineVersion")
	if !dbVersionRe.MatchString(c.DbEngineVersion) {
		r.fail("invalid config %s: %q (allowed: a PostgreSQL version such as 17 or 17.4)", fullKey("dbEngineVersion"), c.DbEngineVersion)
	}
	c.DbAllocatedStorage = r.integer("dbAllocatedStorage", 20, 16384)
	c.DbMultiAz = r.boolean("dbMultiAz")
	c.DbDeletionProtection = r.boolean("dbDeletionProtection")
	c.DbBackupRetentionDays = r.integer("dbBackupRetentionDays", 1, 35)

	c.CertificateArn = r.str("certificateArn")
	if c.CertificateArn != "" && !acmArnRe.MatchString(c.CertificateArn) {
		r.fail("invalid config %s: %q (allowed: empty, or an ACM certificate ARN)", fullKey("certificateArn"), c.CertificateArn)
	}

	var dbPassword, grafanaPassword string
	c.DbPassword, dbPassword, _ = r.secret("dbPassword")
	if dbPassword != "" {
		if len(dbPassword) < 8 || len(dbPassword) > 128 || strings.ContainsAny(dbPassword, "/@\" ") || !isPrintableASCII(dbPassword) {
			r.fail("invalid config %s: (allowed: 8 to 128 printable ASCII characters, none of / @ \" or space)", fullKey("dbPassword"))
		}
	}
	c.GrafanaAdminPassword, grafanaPassword, _ = r.secret("grafanaAdminPassword")
	if grafanaPassword != "" && len(grafanaPassword) < 8 {
		r.fail("invalid config %s: (allowed: at least 8 characters)", fullKey("grafanaAdminPassword"))
	}
	c.AdminToken, _, c.HasAdminToken = r.secret("adminToken")
	c.Alerting = readAlerting(r)
	c.PrometheusStorageSize, c.PrometheusStorageMi = readPrometheusStorage(r)

	c.ProjectRoot = projectRoot(ctx)
	dir := r.str("dashboardsDir")
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(c.ProjectRoot, dir)
	}
	c.DashboardsDir = dir
	if err := c.loadMonitoringFiles(); err != nil {
		r.fail("invalid config %s: %v", fullKey("dashboardsDir"), err)
	}

	if len(r.errs) == 0 {
		if err := CheckCapacity(c); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("invalid configuration for stack %q:\n%w", ctx.Stack(), errors.Join(r.errs...))
	}
	return c, nil
}

func otherColor(color string) string {
	if color == ColorBlue {
		return ColorGreen
	}
	return ColorBlue
}

func isPrintableASCII(s string) bool {
	for _, ch := range s {
		if ch < 0x21 || ch > 0x7e {
			return false
		}
	}
	return true
}

// projectRoot is the folder holding Pulumi.yaml: the engine passes it to the
// program (RunInfo.RootDirectory); older CLIs do not, so fall back to walking
// up from the working directory (the program runs in infra/).
func projectRoot(ctx *pulumi.Context) string {
	if root := ctx.RootDirectory(); root != "" {
		return root
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir
		}
		if parent := filepath.Dir(dir); parent == dir {
			return wd
		}
	}
}

// AlertRulesFile is the Prometheus rule file, relative to the dashboards directory.
const AlertRulesFile = "alerts/flashscale-rules.yaml"

// maxConfigMapBytes keeps each dashboard below the 1 MiB ConfigMap limit (with room for metadata).
const maxConfigMapBytes = 1000 * 1024

func (c *Config) loadMonitoringFiles() error {
	info, err := os.Stat(c.DashboardsDir)
	if err != nil || !info.IsDir() {
		return fmt.Errorf("dashboards directory %s does not exist (it must hold the Grafana dashboard *.json files and %s)", c.DashboardsDir, AlertRulesFile)
	}
	files, err := filepath.Glob(filepath.Join(c.DashboardsDir, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return fmt.Errorf("no Grafana dashboard *.json files in %s", c.DashboardsDir)
	}
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := json.Unmarshal(data, &obj); err != nil {
			return fmt.Errorf("dashboard %s is not a JSON object: %v", f, err)
		}
		if len(data) > maxConfigMapBytes {
			return fmt.Errorf("dashboard %s is %d bytes, above the %d bytes a ConfigMap can hold", f, len(data), maxConfigMapBytes)
		}
		base := filepath.Base(f)
		slug := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(strings.TrimSuffix(base, ".json")), "-"), "-")
		if slug == "" {
			return fmt.Errorf("dashboard file name %s has no usable characters", base)
		}
		if prev, dup := seen[slug]; dup {
			return fmt.Errorf("dashboards %s and %s map to the same ConfigMap name %q", prev, base, slug)
		}
		seen[slug] = base
		c.Dashboards = append(c.Dashboards, Dashboard{FileName: base, Slug: slug, JSON: string(data)})
	}

	rulesPath := filepath.Join(c.DashboardsDir, AlertRulesFile)
	data, err := os.ReadFile(rulesPath)
	if err != nil {
		return fmt.Errorf("Prometheus alert rule file %s is missing (a rule file with `groups:`): %v", rulesPath, err)
	}
	rules, err := parseRuleFile(data)
	if err != nil {
		return fmt.Errorf("Prometheus alert rule file %s: %v", rulesPath, err)
	}
	c.AlertRules = rules
	return nil
}

// parseRuleFile parses a Prometheus rule file (`groups: [{name, rules: [...]}]`)
// into the spec of a PrometheusRule.
func parseRuleFile(data []byte) (map[string]any, error) {
	var doc struct {
		Groups []map[string]any `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %v", err)
	}
	if len(doc.Groups) == 0 {
		return nil, errors.New("has no `groups:`")
	}
	for i, g := range doc.Groups {
		name, _ := g["name"].(string)
		if name == "" {
			return nil, fmt.Errorf("group %d has no name", i)
		}
		rules, _ := g["rules"].([]any)
		if len(rules) == 0 {
			return nil, fmt.Errorf("group %q has no rules", name)
		}
		for j, rule := range rules {
			m, _ := rule.(map[string]any)
			if m == nil || (m["alert"] == nil && m["record"] == nil) || m["expr"] == nil {
				return nil, fmt.Errorf("group %q rule %d needs `alert` or `record`, and `expr`", name, j)
			}
		}
	}
	// Round-trip through JSON so the spec holds only JSON-compatible values.
	b, err := json.Marshal(map[string]any{"groups": doc.Groups})
	if err != nil {
		return nil, fmt.Errorf("cannot be converted to JSON: %v", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, err
	}
	return spec, nil
}
