package dashboards

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/flashscale/flashscale/dashboards/cloudwatch"
)

// The subset of Grafana's dashboard JSON model that the tests check.
type dashboard struct {
	file          string
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *dsRef          `json:"datasource"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

// queryString returns the variable's query: a plain string for datasource
// variables, {"query": "..."} for query variables since Grafana 10.
func (v variable) queryString() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(v.Query, &o) == nil {
		return o.Query
	}
	return ""
}

type panel struct {
	ID          int      `json:"id"`
	Type        string   `json:"type"`
	Title       string   `json:"title"`
	Datasource  *dsRef   `json:"datasource"`
	Targets     []target `json:"targets"`
	GridPos     gridPos  `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
	// Panels of a collapsed row.
	Panels []panel `json:"panels"`
}

type gridPos struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

type target struct {
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	Datasource   *dsRef `json:"datasource"`
}

// The uid every panel's datasource must name: the dashboard's datasource
// variable, so the same JSON works in any Grafana whatever its Prometheus
// datasource is called.
const datasourceVar = "${datasource}"

// wantDashboards are the dashboards issue 5 asks for, by uid. The uids are
// stable so links and bookmarks survive edits.
var wantDashboards = []string{"flashscale-service", "flashscale-flash-sale", "flashscale-scaling", "flashscale-cluster"}

// loadDashboards decodes every dashboard in Files.
func loadDashboards(t *testing.T) []dashboard {
	t.Helper()
	names, err := fs.Glob(Files, "*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no dashboards found (%v)", err)
	}
	var ds []dashboard
	for _, name := range names {
		b, err := Files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("%s: not valid JSON", name)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d.file = name
		ds = append(ds, d)
	}
	return ds
}

// allPanels flattens rows: a row carries no query itself.
func (d dashboard) allPanels() []panel {
	var ps []panel
	for _, p := range d.Panels {
		if p.Type == "row" {
			ps = append(ps, p.Panels...)
			continue
		}
		ps = append(ps, p)
	}
	return ps
}

func (d dashboard) variable(name string) (variable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return variable{}, false
}

// query is one PromQL query of a dashboard panel or an alert.
type query struct {
	dashboard string // uid; "" for alerts
	panel     string // panel title or alert name
	refID     string
	unit      string
	legend    string
	expr      string
}

func (q query) String() string {
	if q.dashboard == "" {
		return fmt.Sprintf("alert %s", q.panel)
	}
	return fmt.Sprintf("%s: panel %q target %s", q.dashboard, q.panel, q.refID)
}

func panelQueries(ds []dashboard) []query {
	var qs []query
	for _, d := range ds {
		for _, p := range d.allPanels() {
			for _, tg := range p.Targets {
				qs = append(qs, query{dashboard: d.UID, panel: p.Title, refID: tg.RefID,
					unit: p.FieldConfig.Defaults.Unit, legend: tg.LegendFormat, expr: tg.Expr})
			}
		}
	}
	return qs
}

// labelValuesQuery matches Grafana's label_values(metric_selector, label)
// variable query; the selector is optional.
var labelValuesQuery = regexp.MustCompile(`^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_]\w*)\s*\)\s*$`)

// variableQueries returns the selector of every label_values() query
// variable, so the metric it names is checked like a panel's.
func variableQueries(t *testing.T, ds []dashboard) []query {
	t.Helper()
	var qs []query
	for _, d := range ds {
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			m := labelValuesQuery.FindStringSubmatch(v.queryString())
			if m == nil || m[1] == "" {
				t.Errorf("%s: variable %q: query %q is not label_values(metric, label)", d.UID, v.Name, v.queryString())
				continue
			}
			qs = append(qs, query{dashboard: d.UID, panel: "variable " + v.Name, refID: "-", expr: m[1]})
		}
	}
	return qs
}

// Grafana's variables as the tests expand them: a 1-hour dashboard over
// 1-second scrapes. $color is set per call.
func grafanaVars(color string) map[string]string {
	return map[string]string{
		"__rate_interval": "1m",
		"__interval":      "15s",
		"__range":         "5m",
		"color":           color,
		"namespace":       ".*",
	}
}

var varRef = regexp.MustCompile(`\$(?:\{(\w+)\}|(\w+))`)

// expand substitutes Grafana variables the way Grafana does for a regex
// matcher. "$1" and the like are label_replace capture references and stay.
func expand(expr string, vars map[string]string) (string, error) {
	var unknown []string
	out := varRef.ReplaceAllStringFunc(expr, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		name := m[1] + m[2]
		if v, ok := vars[name]; ok {
			return v
		}
		if strings.Trim(name, "0123456789") == "" {
			return ref
		}
		unknown = append(unknown, ref)
		return ref
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown variable(s) %v", unknown)
	}
	return out, nil
}

// promQL is Prometheus's own PromQL parser; experimental functions are off,
// as they are in a default Prometheus.
var promQL = parser.NewParser(parser.Options{})

// selectors parses expr and returns its vector selectors.
func selectors(expr string) ([]*parser.VectorSelector, error) {
	e, err := promQL.ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var vs []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if s, ok := n.(*parser.VectorSelector); ok {
			vs = append(vs, s)
		}
		return nil
	})
	return vs, nil
}

// metricNames returns the metric names expr reads, in order, without
// duplicates. A selector without a metric name is an error: it could match
// anything, so no list could vouch for it.
func metricNames(expr string) ([]string, error) {
	vs, err := selectors(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range vs {
		if s.Name == "" {
			return nil, fmt.Errorf("selector %s names no metric", s)
		}
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names, nil
}

// serviceMetric reports names the flashscale binary exports itself: its own
// metrics and client_golang's Go and process collectors.
func serviceMetric(name string) bool {
	return strings.HasPrefix(name, "flashscale_") || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
}

// Exporters a line of k8s-metrics.txt may name.
var knownExporters = []string{"kube-state-metrics", "cadvisor", "node-exporter", "prometheus", "yace"}

// externalMetrics reads k8s-metrics.txt: metric name → exporter.
func externalMetrics(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("k8s-metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
			continue
		case len(f) != 2:
			t.Errorf("k8s-metrics.txt:%d: want \"metric exporter\", got %q", n, sc.Text())
			continue
		case !slices.Contains(knownExporters, f[1]):
			t.Errorf("k8s-metrics.txt:%d: exporter %q is not one of %v", n, f[1], knownExporters)
		case serviceMetric(f[0]):
			t.Errorf("k8s-metrics.txt:%d: %s is the service's own metric, not an exporter's", n, f[0])
		}
		if _, dup := m[f[0]]; dup {
			t.Errorf("k8s-metrics.txt:%d: %s listed twice", n, f[0])
		}
		m[f[0]] = f[1]
	}
	// The CloudWatch exporter exports exactly what infra/ configures it
	// with, under YACE's names: the list must say the same.
	configured := map[string]bool{}
	for _, cw := range cloudwatch.Metrics {
		name := cloudwatch.PromName(cw)
		configured[name] = true
		if m[name] != "yace" {
			t.Errorf("k8s-metrics.txt: %s (%s %s %s, configured in dashboards/cloudwatch) is not listed as yace", name, cw.Namespace, cw.Name, cw.Statistic)
		}
	}
	for name, exporter := range m {
		if exporter == "yace" && !configured[name] {
			t.Errorf("k8s-metrics.txt: %s is listed as yace but dashboards/cloudwatch does not configure it", name)
		}
	}
	return m
}

// The alerting rule file, as Prometheus reads it.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	b, err := Files.ReadFile(RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key would be silently ignored otherwise
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", RulesFile, err)
	}
	var rs []rule
	for _, g := range f.Groups {
		rs = append(rs, g.Rules...)
	}
	if len(rs) == 0 {
		t.Fatalf("%s: no rules", RulesFile)
	}
	return rs
}

// recordedMetrics are the series the rule file's recording rules write.
func recordedMetrics(rs []rule) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		if r.Record != "" {
			m[r.Record] = true
		}
	}
	return m
}

func alertQueries(rs []rule) []query {
	var qs []query
	for _, r := range rs {
		qs = append(qs, query{panel: r.Alert + r.Record, expr: r.Expr})
	}
	return qs
}

// requireTool finds a program the proof needs. Where CI runs (CI set, or
// FLASHSCALE_REQUIRE_TOOLS as make test sets it) a missing tool fails the
// test: a proof that silently did not run proves nothing.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/bin/" + name; fileExists(p) {
		return p
	}
	pkg := "prometheus"
	if name == "amtool" || strings.Contains(name, "alertmanager") {
		pkg = "prometheus-alertmanager"
	}
	msg := fmt.Sprintf("%s is not installed (Debian: apt-get install %s)", name, pkg)
	if required() {
		t.Fatalf("%s, and CI requires it", msg)
	}
	t.Skipf("NOT PROVEN: %s; skipping outside CI", msg)
	return ""
}

// prometheusTool finds prometheus or promtool for the tests that run them.
// FLASHSCALE_PROMETHEUS_DIR names a directory holding both, the Prometheus
// 3.x that production runs (kube-prometheus-stack 82.8.0 ships v3.10.0);
// make test builds it with .ci/prometheus3/build.sh and sets the variable.
// Where CI runs, those are required: a rule or query that only Debian's
// 2.42 accepts proves nothing about the cluster. On a developer machine
// without it the Debian binaries serve, and the test says so.
func prometheusTool(t *testing.T, name string) string {
	t.Helper()
	if dir := os.Getenv("FLASHSCALE_PROMETHEUS_DIR"); dir != "" {
		p := filepath.Join(dir, name)
		if !fileExists(p) {
			t.Fatalf("FLASHSCALE_PROMETHEUS_DIR=%s has no %s (build it with bash .ci/prometheus3/build.sh)", dir, name)
		}
		return checkMajor(t, p)
	}
	if required() {
		t.Fatalf("%s 3.x is required where CI runs, as production runs it: set FLASHSCALE_PROMETHEUS_DIR to the output of bash .ci/prometheus3/build.sh (make test does)", name)
	}
	p := requireTool(t, name)
	t.Logf("NOTE: FLASHSCALE_PROMETHEUS_DIR is unset: using %s (%s), not the Prometheus 3.x production runs", p, version(p))
	return p
}

// checkMajor fails a binary that is not Prometheus 3.
func checkMajor(t *testing.T, p string) string {
	t.Helper()
	v := version(p)
	if !regexp.MustCompile(`version 3\.`).MatchString(v) {
		t.Fatalf("%s is %q, want Prometheus 3.x", p, v)
	}
	t.Logf("using %s (%s)", p, v)
	return p
}

func version(p string) string {
	out, _ := exec.Command(p, "--version").CombinedOutput()
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first)
}

func required() bool {
	for _, k := range []string{"CI", "FLASHSCALE_REQUIRE_TOOLS"} {
		switch strings.ToLower(os.Getenv(k)) {
		case "", "0", "false", "no":
		default:
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
