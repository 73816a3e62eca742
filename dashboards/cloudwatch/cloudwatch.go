// Package cloudwatch is the one list of AWS CloudWatch metrics FlashScale
// brings into Prometheus (load balancer and database: what the service
// cannot see itself, such as 5xx the ALB answers when no target is
// healthy), through YACE, the Prometheus community's CloudWatch exporter.
// infra/ renders the exporter's configuration from it (Config), the
// dashboards and alert rules read the series it exports, and the tests hold
// both to the same names (PromName), so a renamed metric cannot turn into a
// panel that shows "No Data" forever.
package cloudwatch

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Metric is one CloudWatch metric and statistic.
type Metric struct {
	Namespace  string   // AWS/ApplicationELB, AWS/RDS
	Name       string   // CloudWatch's metric name
	Statistic  string   // Sum, Average, Maximum, Minimum, p99...
	Dimensions []string // the dimension set exported (YACE dimensionNameRequirements)
	// NilToZero exports 0 where CloudWatch has no data point: ALB error
	// counts are only published when there were errors.
	NilToZero bool
}

// The load balancer's metrics are per load balancer; target health is per
// target group (one per colour's Service).
var (
	lb = []string{"LoadBalancer"}
	tg = []string{"LoadBalancer", "TargetGroup"}
	db = []string{"DBInstanceIdentifier"}
)

// Metrics are exported for the stack's own ALB and RDS instance only.
var Metrics = []Metric{
	{"AWS/ApplicationELB", "RequestCount", "Sum", lb, true},
	{"AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", lb, true},
	{"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", lb, true},
	{"AWS/ApplicationELB", "TargetResponseTime", "p99", lb, false},
	{"AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", tg, false},
	{"AWS/ApplicationELB", "HealthyHostCount", "Minimum", tg, false},
	{"AWS/RDS", "CPUUtilization", "Average", db, false},
	{"AWS/RDS", "CPUCreditBalance", "Minimum", db, false},
	{"AWS/RDS", "DatabaseConnections", "Maximum", db, false},
	{"AWS/RDS", "DBLoad", "Average", db, false},
}

// PromName is the Prometheus name YACE gives a metric: aws_, the namespace
// and the metric name in snake case (a lower-case letter or digit followed
// by an upper-case one gets an underscore between them, so 5XX becomes
// 5_xx and UnHealthy un_healthy), and the statistic.
func PromName(m Metric) string {
	ns := promString(strings.ToLower(strings.TrimPrefix(m.Namespace, "/")))
	if !strings.HasPrefix(ns, "aws") {
		ns = "aws_" + ns
	}
	name := promString(m.Name)
	// YACE drops a leading repeat of the namespace from the metric name.
	skip := 0
	for _, part := range strings.Split(ns, "_") {
		if strings.HasPrefix(name[skip:], part) {
			skip = len(part)
		}
	}
	name = strings.TrimPrefix(name[skip:], "_")
	return ns + "_" + name + "_" + promString(m.Statistic)
}

func promString(s string) string {
	var b strings.Builder
	var prev rune
	for _, c := range s {
		switch c {
		case ' ', ',', '\t', '/', '\\', '.', '-', ':', '=', '@', '<', '>', '(', ')':
			b.WriteRune('_')
		case '%':
			b.WriteString("_percent")
		default:
			if unicode.IsUpper(c) && (unicode.IsLower(prev) || unicode.IsDigit(prev)) {
				b.WriteRune('_')
			}
			b.WriteRune(unicode.ToLower(c))
		}
		prev = c
	}
	return b.String()
}

// Stack names what the exporter looks for: the region, the EKS cluster the
// load balancer controller tags its ALBs with (elbv2.k8s.aws/cluster), and
// the project/stack tags the infra program puts on the RDS instance.
type Stack struct {
	Region      string
	ClusterName string
	Project     string
	Stack       string
}

// Config renders YACE's configuration file for the stack: one discovery
// job per namespace, finding resources by tag so that only this stack's
// load balancer and database are read, whatever else runs in the account.
func Config(s Stack) (string, error) {
	if s.Region == "" || s.ClusterName == "" || s.Project == "" || s.Stack == "" {
		return "", fmt.Errorf("cloudwatch: region, cluster, project and stack are required, got %+v", s)
	}
	type metric struct {
		Name       string   `yaml:"name"`
		Statistics []string `yaml:"statistics"`
		NilToZero  bool     `yaml:"nilToZero,omitempty"`
	}
	type tag struct {
		Key   string `yaml:"key"`
		Value string `yaml:"value"`
	}
	type job struct {
		Type                      string   `yaml:"type"`
		Regions                   []string `yaml:"regions"`
		SearchTags                []tag    `yaml:"searchTags"`
		DimensionNameRequirements []string `yaml:"dimensionNameRequirements,omitempty"`
		// CloudWatch publishes a minute's data points late: read 1-minute
		// periods over the last 5 minutes, 2 minutes behind, so the
		// latest point exported is complete.
		Period           int      `yaml:"period"`
		Length           int      `yaml:"length"`
		Delay            int      `yaml:"delay"`
		Metrics          []metric `yaml:"metrics"`
		dimensionsForKey string
	}
	searchTags := map[string][]tag{
		"AWS/ApplicationELB": {{Key: "elbv2.k8s.aws/cluster", Value: "^" + regexp.QuoteMeta(s.ClusterName) + "$"}},
		"AWS/RDS": {{Key: "project", Value: "^" + regexp.QuoteMeta(s.Project) + "$"},
			{Key: "stack", Value: "^" + regexp.QuoteMeta(s.Stack) + "$"}},
	}
	// One job per (namespace, dimension set): YACE applies a job's
	// dimension requirement to all its metrics.
	var jobs []*job
	for _, m := range Metrics {
		key := m.Namespace + "|" + strings.Join(m.Dimensions, ",")
		var j *job
		for _, have := range jobs {
			if have.dimensionsForKey == key {
				j = have
			}
		}
		if j == nil {
			tags, ok := searchTags[m.Namespace]
			if !ok {
				return "", fmt.Errorf("cloudwatch: no search tags for namespace %s", m.Namespace)
			}
			j = &job{Type: m.Namespace, Regions: []string{s.Region}, SearchTags: tags,
				DimensionNameRequirements: m.Dimensions, Period: 60, Length: 300, Delay: 120,
				dimensionsForKey: key}
			jobs = append(jobs, j)
		}
		j.Metrics = append(j.Metrics, metric{Name: m.Name, Statistics: []string{m.Statistic}, NilToZero: m.NilToZero})
	}
	doc := map[string]any{
		"apiVersion": "v1alpha1",
		"sts-region": s.Region,
		"discovery":  map[string]any{"jobs": jobs},
	}
	b, err := yaml.Marshal(doc)
	return string(b), err
}
