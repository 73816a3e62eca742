package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/netip"
	"net/url"
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
	{Name: "kubernetesVersion", Type: "string", Default: "1.35", Declared: true, Description: "EKS Kubernetes version, one with pinned EKS add-on versions (1.33, 1.34 or 1.35)."},
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
	{Name: "certificateArn", Type: "string", Description: "ACM certificate ARN; the ALB listens on HTTPS 443 and redirects HTTP to HTTPS. Required outside the dev stack (no plain-HTTP checkout); not declared in Pulumi.yaml."},
	{Name: "previewCidrs", Type: "array", Description: "Source CIDRs (1 to 3, IPv4 or IPv6) allowed on the preview route (the idle colour, against the same database): Jenkins' egress address. Required outside the dev stack, where the preview route is otherwise open."},
	{Name: "clusterPublicAccessCidrs", Type: "array", Description: "CIDRs (1 to 40) allowed to reach the EKS API endpoint from the internet: Jenkins' and the operators' addresses. Required outside the dev stack (dev defaults to 0.0.0.0/0)."},
	{Name: "clusterAdmins", Type: "array", Description: "IAM role or user ARNs that get an EKS access entry with AmazonEKSClusterAdminPolicy (besides the cluster's creator)."},
	{Name: "blueMinReplicas", Type: "integer", Description: "Temporary HPA floor of the blue colour (1 to hpaMaxReplicas; the HPA minimum is the larger of it and hpaMinReplicas). Set and removed by flashscale-release around a flip."},
	{Name: "greenMinReplicas", Type: "integer", Description: "Temporary HPA floor of the green colour, as blueMinReplicas."},
	{Name: "dbMaxConnections", Type: "integer", Description: "The database's max_connections, to size each pod's pool (FLASHSCALE_DB_MAX_CONNS). Default: estimated from dbInstanceClass on AWS, 100 (PostgreSQL's default) on your own cluster."},
	{Name: "dbPassword", Type: "string", Secret: true, Description: "Master password of the RDS database (secret, 8 to 128 printable ASCII characters, none of / @ \" or space). Required unless kubeconfig is set (bring-your-own-cluster has no RDS)."},
	{Name: "grafanaAdminPassword", Type: "string", Secret: true, Description: "Grafana admin password (secret, at least 8 characters). Required whenever the program installs kube-prometheus-stack (always on AWS; with installAddons on your own cluster)."},
	{Name: "adminToken", Type: "string", Secret: true, Description: "Optional admin API token passed to the service as FLASHSCALE_ADMIN_TOKEN (secret, at least 16 characters; not declared in Pulumi.yaml so it can stay unset)."},
	{Name: "kubeconfig", Type: "string", Secret: true, Description: "Bring-your-own-cluster: a kubeconfig (its contents, or a path to it). When set, the program creates no VPC, EKS, ECR or RDS and no AWS resource at all, and deploys FlashScale onto that cluster."},
	{Name: "databaseUrl", Type: "string", Secret: true, Description: "Bring-your-own-cluster: the service's PostgreSQL DATABASE_URL (secret). Required with kubeconfig."},
	{Name: "imageRepository", Type: "string", Description: "Bring-your-own-cluster: image repository (no tag) the colours pull <imageRepository>:<version> from. Required with kubeconfig."},
	{Name: "installAddons", Type: "boolean", Default: "true", Declared: true, Description: "Bring-your-own-cluster: also install metrics-server and kube-prometheus-stack (false: the cluster already runs a metrics API and the Prometheus operator CRDs). Always on for the AWS environment."},
	{Name: "alertSlackWebhookUrl", Type: "string", Secret: true, Description: "Slack (or Slack-compatible) incoming webhook URL, https: every alert but the chart's Watchdog and InfoInhibitor is posted there (secret). Required whenever the program installs kube-prometheus-stack (always on AWS; with installAddons on your own cluster); not declared in Pulumi.yaml."},
	{Name: "alertSlackChannel", Type: "string", Description: "Optional channel (#name) overriding the webhook's default channel (not declared in Pulumi.yaml: optional without a default)."},
	{Name: "alertPagerDutyRoutingKey", Type: "string", Secret: true, Description: "Optional PagerDuty Events API v2 integration key: critical alerts page through it (secret; without it critical alerts only reach the channel; not declared in Pulumi.yaml)."},
	{Name: "alertPagerDutyUrl", Type: "string", Description: "Optional PagerDuty Events API v2 URL, e.g. https://events.eu.pagerduty.com/v2/enqueue for an EU account (default: PagerDuty's; not declared in Pulumi.yaml)."},
	{Name: "trustedProxies", Type: "string", Description: "Comma-separated CIDRs of the proxies in front of the pods whose X-Forwarded-For names the shopper (FLASHSCALE_TRUSTED_PROXIES: the per-address sign-in limit counts the shopper, not the proxy). Default: vpcCidr on AWS (the ALB's addresses); unset with kubeconfig, where it is your ingress controller's pod or node CIDR. Not declared in Pulumi.yaml."},
	{Name: "mailDomain", Type: "string", Description: "Domain the order confirmation emails are sent from, such as mail.example.com: the program creates its Amazon SES identity with Easy DKIM and the SMTP credentials the pods send with. Required outside the dev stack on AWS (without it the service's email sender stays off); not available with kubeconfig; not declared in Pulumi.yaml."},
	{Name: "mailFrom", Type: "string", Description: "From address of the confirmation emails, in mailDomain (default: FlashScale <orders@<mailDomain>>); the only sender address the SMTP credentials may use. Not declared in Pulumi.yaml."},
	{Name: "mailHostedZoneId", Type: "string", Description: "Optional Route 53 hosted zone of mailDomain: the program writes SES's verification TXT and the three DKIM CNAME records there. Without it, publish the records of the mailDnsRecords output yourself. Not declared in Pulumi.yaml."},
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

	PreviewCidrs             []string
	ClusterPublicAccessCidrs []string
	ClusterAdmins            []string
	// MinReplicas is each colour's HPA minimum: hpaMinReplicas, or the
	// release's raised floor.
	MinReplicas map[string]int
	// DbMaxConnections is the server's max_connections; DbPoolPerPod what
	// each pod may open so both colours at HPA max (plus a rollout's surge)
	// stay below it.
	DbMaxConnections int
	DbPoolPerPod     int

	// BYOC is bring-your-own-cluster: kubeconfig is set and the program
	// creates nothing in AWS.
	BYOC            bool
	Kubeconfig      pulumi.StringOutput // secret; contents
	DatabaseURL     pulumi.StringOutput // secret; BYOC only
	ImageRepository string              // BYOC only
	InstallAddons   bool

	DbPassword           pulumi.StringOutput
	GrafanaAdminPassword pulumi.StringOutput
	AdminToken           pulumi.StringOutput
	HasAdminToken        bool

	// TrustedProxies is FLASHSCALE_TRUSTED_PROXIES for the pods: without it
	// every shopper behind the ALB shares the balancer's few addresses and
	// the per-address sign-in limit locks most of them out.
	TrustedProxies []string

	// MailDomain is the SES sending domain ("" turns the email sender
	// off); MailFrom the From header, MailFromAddress its bare address (the
	// IAM condition).
	MailDomain       string
	MailFrom         string
	MailFromAddress  string
	MailHostedZoneId string

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
// required says whether this stack needs it.
func (r *configReader) secret(name string, required bool) (pulumi.StringOutput, string, bool) {
	spec := specFor(name)
	key := fullKey(name)
	v, ok := r.ctx.GetConfig(key)
	if !ok || v == "" {
		if required {
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

	if kc, ok := ctx.GetConfig(fullKey("kubeconfig")); ok && strings.TrimSpace(kc) != "" {
		c.BYOC = true
	}
	c.InstallAddons = r.boolean("installAddons")
	if c.BYOC {
		r.loadBYOC(c)
	} else {
		if region, ok := ctx.GetConfig("aws:region"); ok && region != "" {
			c.Region = region
		} else {
			r.fail("missing required config aws:region: set it with `pulumi config set aws:region <region>`")
		}
		if !c.InstallAddons {
			r.fail("invalid config %s: false (allowed only with %s: the AWS environment always installs its add-ons)", fullKey("installAddons"), fullKey("kubeconfig"))
		}
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
	} else if _, pinned := addonVersions[c.KubernetesVersion]; !pinned && !c.BYOC {
		r.fail("invalid config %s: %q (allowed: %s, the versions whose EKS add-ons and cluster autoscaler are pinned in infra/stack/eksaddons.go)", fullKey("kubernetesVersion"), c.KubernetesVersion, supportedKubernetesVersionsText())
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
	c.MinReplicas = map[string]int{}
	for _, color := range Colors {
		c.MinReplicas[color] = c.HpaMinReplicas
		if _, set := r.ctx.GetConfig(fullKey(FloorKey(color))); set {
			if floor := r.integer(FloorKey(color), 1, c.HpaMaxReplicas); floor > c.HpaMinReplicas {
				c.MinReplicas[color] = floor
			}
		}
	}

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
	isDev := c.Stack == DevStack

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
	switch {
	case c.CertificateArn != "" && !acmArnRe.MatchString(c.CertificateArn):
		r.fail("invalid config %s: %q (allowed: an ACM certificate ARN)", fullKey("certificateArn"), c.CertificateArn)
	case c.CertificateArn == "" && !isDev:
		r.fail("missing required config %s: outside the dev stack checkout is served over HTTPS only; set it with `pulumi config set certificateArn arn:aws:acm:<region>:<account>:certificate/<id>`", fullKey("certificateArn"))
	}

	c.PreviewCidrs = r.cidrs("previewCidrs", 3, !isDev, "pulumi config set --path 'previewCidrs[0]' <Jenkins egress IP>/32")
	if !c.BYOC {
		c.ClusterPublicAccessCidrs = r.cidrs("clusterPublicAccessCidrs", 40, !isDev, "pulumi config set --path 'clusterPublicAccessCidrs[0]' <your egress IP>/32")
		if len(c.ClusterPublicAccessCidrs) == 0 {
			c.ClusterPublicAccessCidrs = []string{"0.0.0.0/0"}
		}
		for _, arn := range r.list("clusterAdmins") {
			if !iamPrincipalRe.MatchString(arn) {
				r.fail("invalid config %s: %q (allowed: IAM role or user ARNs such as arn:aws:iam::123456789012:role/ops)", fullKey("clusterAdmins"), arn)
			}
			c.ClusterAdmins = append(c.ClusterAdmins, arn)
		}
	}

	var dbPassword, grafanaPassword string
	c.DbPassword, dbPassword, _ = r.secret("dbPassword", !c.BYOC)
	if dbPassword != "" {
		if len(dbPassword) < 8 || len(dbPassword) > 128 || strings.ContainsAny(dbPassword, "/@\" ") || !isPrintableASCII(dbPassword) {
			r.fail("invalid config %s: (allowed: 8 to 128 printable ASCII characters, none of / @ \" or space)", fullKey("dbPassword"))
		}
	}
	c.GrafanaAdminPassword, grafanaPassword, _ = r.secret("grafanaAdminPassword", c.InstallAddons)
	if grafanaPassword != "" && len(grafanaPassword) < 8 {
		r.fail("invalid config %s: (allowed: at least 8 characters)", fullKey("grafanaAdminPassword"))
	}
	var adminToken string
	c.AdminToken, adminToken, c.HasAdminToken = r.secret("adminToken", false)
	// The service refuses a shorter token at start-up: pods would crash-loop
	// and the rollout would time out long after this could have said so.
	if c.HasAdminToken && len(adminToken) < minAdminTokenLen {
		r.fail("invalid config %s: %d characters (allowed: at least %d, the service's own minimum for FLASHSCALE_ADMIN_TOKEN)", fullKey("adminToken"), len(adminToken), minAdminTokenLen)
	}
	r.readMail(c, isDev)
	r.readTrustedProxies(c)
	c.Alerting = readAlerting(r, c.InstallAddons)
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

	if len(r.errs) == 0 && !c.BYOC {
		if err := CheckCapacity(c); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	if len(r.errs) == 0 {
		if err := c.sizeDatabasePools(r); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	if len(r.errs) > 0 {
		return nil, fmt.Errorf("invalid configuration for stack %q:\n%w", ctx.Stack(), errors.Join(r.errs...))
	}
	return c, nil
}

// DevStack is the stack that may run without TLS, with an open preview
// route and an open EKS endpoint: it holds no real data.
const DevStack = "dev"

// FloorKey is the config key of a colour's temporary HPA floor (set by
// flashscale-release, service/release.FloorKey).
func FloorKey(color string) string { return color + "MinReplicas" }

var iamPrincipalRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$`)

// list reads an array key: JSON (`pulumi config set --path 'key[0]' v`
// stores it so) or comma-separated.
func (r *configReader) list(name string) []string {
	v := r.str(name)
	if v == "" {
		return nil
	}
	var out []string
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			r.fail("invalid config %s: %q is not a list of strings", fullKey(name), v)
			return nil
		}
	} else {
		out = strings.Split(v, ",")
	}
	var clean []string
	for _, s := range out {
		if s = strings.TrimSpace(s); s != "" {
			clean = append(clean, s)
		}
	}
	return clean
}

// cidrs reads a list of CIDR blocks (IPv4 or IPv6, host bits zero).
func (r *configReader) cidrs(name string, max int, required bool, hint string) []string {
	vs := r.list(name)
	if len(vs) == 0 {
		if required {
			r.fail("missing required config %s: outside the dev stack it must be set: %s", fullKey(name), hint)
		}
		return nil
	}
	if len(vs) > max {
		r.fail("invalid config %s: %d CIDRs (allowed: 1 to %d)", fullKey(name), len(vs), max)
	}
	for _, v := range vs {
		if p, err := netip.ParsePrefix(v); err != nil || p.Masked() != p {
			r.fail("invalid config %s: %q is not a CIDR block such as 203.0.113.0/24", fullKey(name), v)
		}
	}
	return vs
}

var (
	mailDomainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	hostedZoneRe = regexp.MustCompile(`^Z[A-Z0-9]{1,32}$`)
)

// readTrustedProxies reads trustedProxies, defaulting to the VPC on AWS
// (the ALB's nodes are in it and append the shopper's address). Each entry
// is checked with the service's own rule for FLASHSCALE_TRUSTED_PROXIES (an
// address or a CIDR, service/config), mirrored here as minAdminTokenLen is,
// so a value the pods would refuse at start-up fails the preview instead.
func (r *configReader) readTrustedProxies(c *Config) {
	raw := r.str("trustedProxies")
	if raw == "" {
		if !c.BYOC {
			c.TrustedProxies = []string{c.VpcCidr}
		}
		return
	}
	for _, p := range strings.Split(raw, ",") {
		p = strings.TrimSpace(p)
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				r.fail("invalid config %s: %q (allowed: comma-separated IP addresses or CIDRs such as 10.0.0.0/16)", fullKey("trustedProxies"), p)
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
}

// readMail reads the SES keys. Outside dev an AWS stack must send its
// confirmation emails: without SMTP the service keeps them in the outbox
// and nobody gets one.
func (r *configReader) readMail(c *Config, isDev bool) {
	c.MailDomain = strings.ToLower(r.str("mailDomain"))
	from := r.str("mailFrom")
	c.MailHostedZoneId = r.str("mailHostedZoneId")
	switch {
	case c.MailDomain == "" && (from != "" || c.MailHostedZoneId != ""):
		r.fail("missing config %s: %s and %s need it", fullKey("mailDomain"), fullKey("mailFrom"), fullKey("mailHostedZoneId"))
		return
	case c.MailDomain == "" && c.BYOC, c.MailDomain == "" && isDev:
		return
	case c.MailDomain == "":
		r.fail("missing required config %s: outside the dev stack the order confirmation emails go out through Amazon SES; set it with `pulumi config set mailDomain mail.<your domain>`", fullKey("mailDomain"))
		return
	case c.BYOC:
		r.fail("invalid config %s: Amazon SES is set up only in the AWS environment, not with %s", fullKey("mailDomain"), fullKey("kubeconfig"))
		return
	case !mailDomainRe.MatchString(c.MailDomain) || len(c.MailDomain) > 253:
		r.fail("invalid config %s: %q (allowed: a domain name such as mail.example.com)", fullKey("mailDomain"), c.MailDomain)
		return
	}
	if from == "" {
		from = "FlashScale <orders@" + c.MailDomain + ">"
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		r.fail("invalid config %s: %q is not an address such as \"FlashScale <orders@%s>\"", fullKey("mailFrom"), from, c.MailDomain)
		return
	}
	if _, domain, _ := strings.Cut(a.Address, "@"); !strings.EqualFold(domain, c.MailDomain) {
		r.fail("invalid config %s: %q is not in %s %q (SES sends only from the verified domain)", fullKey("mailFrom"), from, fullKey("mailDomain"), c.MailDomain)
		return
	}
	c.MailFrom, c.MailFromAddress = a.String(), a.Address
	if c.MailHostedZoneId != "" && !hostedZoneRe.MatchString(c.MailHostedZoneId) {
		r.fail("invalid config %s: %q (allowed: a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ)", fullKey("mailHostedZoneId"), c.MailHostedZoneId)
	}
}

// HasMail reports whether the stack sends confirmation emails (through SES).
func (c *Config) HasMail() bool { return c.MailDomain != "" }

// minAdminTokenLen is the service's minimum FLASHSCALE_ADMIN_TOKEN length
// (service/config).
const minAdminTokenLen = 16

var imageRepoRe = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)

// loadBYOC reads the bring-your-own-cluster keys: the cluster's kubeconfig,
// the database URL and the image repository.
func (r *configReader) loadBYOC(c *Config) {
	kc, _, _ := r.secret("kubeconfig", true)
	raw, _ := r.ctx.GetConfig(fullKey("kubeconfig"))
	raw = strings.TrimSpace(raw)
	if !looksLikeKubeconfig(raw) {
		// A path: read it here, so the provider and the `kubeconfig` output
		// (which flashscale-release uses) carry the same contents.
		path := raw
		if strings.HasPrefix(path, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, path[2:])
			}
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(projectRoot(r.ctx), path)
		}
		data, err := os.ReadFile(path)
		switch {
		case err != nil:
			r.fail("invalid config %s: it is neither kubeconfig contents nor a readable file (%v)", fullKey("kubeconfig"), err)
		case !looksLikeKubeconfig(string(data)):
			r.fail("invalid config %s: %s is not a kubeconfig (no clusters:)", fullKey("kubeconfig"), path)
		default:
			kc = pulumi.ToSecret(pulumi.String(string(data))).(pulumi.StringOutput)
		}
	}
	c.Kubeconfig = kc

	var dbURL string
	c.DatabaseURL, dbURL, _ = r.secret("databaseUrl", true)
	if dbURL != "" {
		if u, err := url.Parse(dbURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			r.fail("invalid config %s: (allowed: a PostgreSQL URL such as postgres://user:password@host:5432/flashscale?sslmode=verify-full)", fullKey("databaseUrl"))
		}
	}
	c.ImageRepository = r.str("imageRepository")
	switch {
	case c.ImageRepository == "":
		r.fail("missing required config %s: set it with `pulumi config set imageRepository <registry>/<repository>` (required with kubeconfig)", fullKey("imageRepository"))
	case !imageRepoRe.MatchString(c.ImageRepository):
		r.fail("invalid config %s: %q (allowed: <registry>/<repository> without tag, such as ghcr.io/acme/flashscale)", fullKey("imageRepository"), c.ImageRepository)
	}
}

// looksLikeKubeconfig tells kubeconfig contents (YAML or JSON with
// clusters) from a path.
func looksLikeKubeconfig(s string) bool {
	var doc struct {
		Clusters []any `yaml:"clusters"`
	}
	if !strings.Contains(s, "clusters") || yaml.Unmarshal([]byte(s), &doc) != nil {
		return false
	}
	return len(doc.Clusters) > 0
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
