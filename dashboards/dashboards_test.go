package dashboards

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
)

var uidPattern = regexp.MustCompile(`^flashscale-[a-z0-9-]+$`)

func TestDashboardsAreWellFormed(t *testing.T) {
	ds := loadDashboards(t)
	uids, titles := map[string]string{}, map[string]string{}
	for _, d := range ds {
		t.Run(d.file, func(t *testing.T) {
			// Grafana limits uids to 40 characters; the file is named after
			// its uid so a ConfigMap key tells which dashboard it holds.
			if !uidPattern.MatchString(d.UID) || len(d.UID) > 40 {
				t.Errorf("uid %q: want flashscale-<name>, at most 40 characters", d.UID)
			}
			if d.file != d.UID+".json" {
				t.Errorf("file %s holds uid %q: name it %s.json", d.file, d.UID, d.UID)
			}
			if prev, dup := uids[d.UID]; dup {
				t.Errorf("uid %q also used by %s", d.UID, prev)
			}
			uids[d.UID] = d.file
			if strings.TrimSpace(d.Title) == "" {
				t.Error("no title")
			}
			if prev, dup := titles[d.Title]; dup {
				t.Errorf("title %q also used by %s", d.Title, prev)
			}
			titles[d.Title] = d.file
			if d.SchemaVersion < 36 {
				t.Errorf("schemaVersion %d: want 36 or later (datasource references by uid)", d.SchemaVersion)
			}
			checkVariables(t, d)
			checkPanels(t, d)
		})
	}
	for _, uid := range wantDashboards {
		if _, ok := uids[uid]; !ok {
			t.Errorf("dashboard %s is missing", uid)
		}
	}
}

func checkVariables(t *testing.T, d dashboard) {
	ds, ok := d.variable("datasource")
	if !ok || ds.Type != "datasource" || ds.queryString() != "prometheus" {
		t.Errorf("want a variable \"datasource\" of type datasource over prometheus, got %+v", ds)
	}
	c, ok := d.variable("color")
	switch {
	case !ok:
		t.Error("no \"color\" variable")
	case c.Type != "query" || !strings.Contains(c.queryString(), "label_values(flashscale_build_info, color)"):
		t.Errorf("color variable: want a query over label_values(flashscale_build_info, color), got type %q query %q", c.Type, c.queryString())
	case !c.Multi || !c.IncludeAll || c.AllValue != ".*":
		// Comparing blue with green needs both selected at once; All must
		// expand to .* rather than a list that misses a colour not yet seen.
		t.Errorf("color variable: want multi, includeAll and allValue \".*\", got multi=%v includeAll=%v allValue=%q", c.Multi, c.IncludeAll, c.AllValue)
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != datasourceVar) {
			t.Errorf("variable %q: datasource %+v, want uid %s", v.Name, v.Datasource, datasourceVar)
		}
	}
}

func checkPanels(t *testing.T, d dashboard) {
	ps := d.allPanels()
	if len(ps) == 0 {
		t.Fatal("no panels")
	}
	ids := map[int]bool{}
	for i, p := range ps {
		name := p.Title
		if strings.TrimSpace(p.Title) == "" {
			name = fmt.Sprintf("#%d", p.ID)
			t.Errorf("panel id %d has no title", p.ID)
		}
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", name, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != datasourceVar {
			t.Errorf("panel %q: datasource %+v, want {prometheus %s}", name, p.Datasource, datasourceVar)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no target", name)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("panel %q: refId %q empty or repeated", name, tg.RefID)
			}
			refs[tg.RefID] = true
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q target %s: no expr", name, tg.RefID)
			}
			if tg.Datasource == nil || tg.Datasource.UID != datasourceVar {
				t.Errorf("panel %q target %s: datasource %+v, want uid %s", name, tg.RefID, tg.Datasource, datasourceVar)
			}
		}
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", name, g)
		}
		for _, o := range ps[:i] {
			h := o.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panel %q overlaps panel %q", name, o.Title)
			}
		}
	}
}

// Every query, of a panel, a variable or an alert, must parse with
// Prometheus's own parser and read only metrics that exist: the service's
// own, or an exporter's listed in k8s-metrics.txt. Every listed metric must
// be used, so the list stays the reviewed truth rather than a wish list.
func TestQueriesParseAndNameOnlyKnownMetrics(t *testing.T) {
	ds := loadDashboards(t)
	external := externalMetrics(t)
	rules := loadRules(t)
	recorded := recordedMetrics(rules)
	qs := append(panelQueries(ds), variableQueries(t, ds)...)
	qs = append(qs, alertQueries(rules)...)
	used, reported := map[string]bool{}, map[string]bool{}
	for _, q := range qs {
		for _, color := range []string{"blue", ".*", "(blue|green)"} {
			expr, err := expand(q.expr, grafanaVars(color))
			if err != nil {
				t.Errorf("%s: %v", q, err)
				break
			}
			names, err := metricNames(expr)
			if err != nil {
				t.Errorf("%s with color=%s: %v\n%s", q, color, err, expr)
				break
			}
			if len(names) == 0 {
				t.Errorf("%s reads no metric", q)
			}
			for _, n := range names {
				if _, ok := external[n]; ok {
					used[n] = true
				} else if !serviceMetric(n) && !recorded[n] && !reported[q.String()+n] {
					reported[q.String()+n] = true
					t.Errorf("%s: metric %s is neither the service's (flashscale_*, go_*, process_*) nor listed in k8s-metrics.txt", q, n)
				}
			}
		}
	}
	for n, exporter := range external {
		if !used[n] {
			t.Errorf("k8s-metrics.txt lists %s (%s) but no dashboard or alert uses it", n, exporter)
		}
	}
}

// A service selector without the colour filter would mix blue and green
// whatever the viewer picked, and an up{} without the namespace would count
// every target in the cluster.
func TestServiceSelectorsFilterOnColour(t *testing.T) {
	const sentinel = "COLOUR_SENTINEL"
	for _, q := range panelQueries(loadDashboards(t)) {
		expr, err := expand(q.expr, grafanaVars(sentinel))
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		vs, err := selectors(expr)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		for _, s := range vs {
			if !serviceMetric(s.Name) && s.Name != "up" {
				continue
			}
			if !hasMatcher(s.LabelMatchers, "color", labels.MatchRegexp, sentinel) {
				t.Errorf("%s: %s does not filter on color=~\"$color\"", q, s)
			}
			if s.Name == "up" && !hasMatcher(s.LabelMatchers, "namespace", labels.MatchEqual, "flashscale") {
				t.Errorf("%s: %s does not select namespace=\"flashscale\"", q, s)
			}
		}
	}
}

func hasMatcher(ms []*labels.Matcher, name string, typ labels.MatchType, value string) bool {
	return slices.ContainsFunc(ms, func(m *labels.Matcher) bool {
		return m.Name == name && m.Type == typ && m.Value == value
	})
}

// wantAlerts are the alerts issues 5, 14 and 15 ask for, by name and severity.
// kube-prometheus-stack's own KubeHpaMaxedOut and KubePodCrashLooping cover
// an HPA at its maximum and restarting pods: they are not repeated here.
var wantAlerts = []string{
	"FlashScaleHighErrorRatio/critical",          // high error ratio
	"FlashScaleLatencyHigh/warning",              // p99 over the 250 ms SLO
	"FlashScaleCheckoutLatencyHigh/warning",      // placed-order p99 over the 500 ms SLO
	"FlashScaleProductSoldOut/info",              // a product's stock reached zero (notice)
	"FlashScaleTargetDown/warning",               // scrape target down
	"FlashScaleMetricsAbsent/critical",           // no scrape target at all
	"FlashScaleHPAScalingInactive/critical",      // the HPA cannot scale (no metrics)
	"FlashScaleCheckoutErrorBudgetBurn/critical", // checkout SLO: 14.4x burn over 1h and 5m
	"FlashScaleCheckoutErrorBudgetBurn/warning",  // checkout SLO: 6x burn over 6h and 30m
	"FlashScaleConfirmationEmailsStuck/warning",  // the oldest unsent confirmation email is over 15 minutes old
}

// recordingRule is the level:metric:operations naming of recording rules.
var recordingRule = regexp.MustCompile(`^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$`)

var severities = []string{"critical", "warning", "info"}

func TestAlertRulesAreComplete(t *testing.T) {
	b, err := Files.ReadFile(RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	// infra/ wraps the file in a PrometheusRule's spec: it must be a plain
	// rule file with nothing but groups at the top.
	var top map[string]any
	if err := yaml.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["groups"]; !ok || len(top) != 1 {
		t.Errorf("%s: top-level keys %v, want only groups", RulesFile, keys(top))
	}

	anchors := docAnchors(t, "../docs/dashboards.md")
	seen, records := map[string]bool{}, map[string]bool{}
	for _, r := range loadRules(t) {
		if r.Record != "" {
			if !recordingRule.MatchString(r.Record) || records[r.Record] {
				t.Errorf("recording rule %q: want a unique level:metric:operations name", r.Record)
			}
			records[r.Record] = true
			checkKeepsNamespace(t, "recording rule "+r.Record, r.Expr)
			continue
		}
		key := r.Alert + "/" + r.Labels["severity"]
		if seen[key] {
			t.Errorf("alert %s defined twice with severity %s", r.Alert, r.Labels["severity"])
		}
		seen[key] = true
		if !slices.Contains(severities, r.Labels["severity"]) {
			t.Errorf("%s: severity %q, want one of %v", r.Alert, r.Labels["severity"], severities)
		}
		// One bad scrape or evaluation must never page anyone.
		if d, err := model.ParseDuration(r.For); err != nil || d <= 0 {
			t.Errorf("%s: for: %q, want a duration", r.Alert, r.For)
		}
		checkKeepsNamespace(t, "alert "+r.Alert, r.Expr)
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", r.Alert, a)
			}
		}
		u, err := url.Parse(r.Annotations["runbook_url"])
		if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Path, "/docs/dashboards.md") {
			t.Errorf("%s: runbook_url %q: want https://.../docs/dashboards.md#anchor", r.Alert, r.Annotations["runbook_url"])
		} else if !anchors[u.Fragment] {
			t.Errorf("%s: runbook_url anchor #%s is no heading of docs/dashboards.md", r.Alert, u.Fragment)
		}
	}
	for _, a := range wantAlerts {
		if !seen[a] {
			t.Errorf("alert %s is missing", a)
		}
	}
	if a := wantAlerts; len(seen) != len(a) {
		t.Errorf("%d alerts defined, %d expected: update wantAlerts and the docs with a new alert", len(seen), len(a))
	}
}

// checkKeepsNamespace fails an aggregation that drops the namespace label:
// Alertmanager groups and inhibits by it, and an alert without it cannot be
// told from another namespace's (kube-prometheus-stack's InfoInhibitor
// muted the sold-out notice that way).
func checkKeepsNamespace(t *testing.T, what, expr string) {
	t.Helper()
	e, err := promQL.ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		a, ok := n.(*parser.AggregateExpr)
		if !ok {
			return nil
		}
		if a.Without == slices.Contains(a.Grouping, "namespace") {
			t.Errorf("%s: %s drops the namespace label", what, a)
		}
		return nil
	})
}

// promtool compares the full list of firing alerts at each eval_time, so an
// alert is proven to fire by a case expecting it and proven silent by a
// case expecting none. Every alert needs both.
func TestEveryAlertIsUnitTested(t *testing.T) {
	b, err := os.ReadFile("alerts/flashscale-rules.test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				AlertName string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.RuleFiles, []string{"flashscale-rules.yaml"}) {
		t.Errorf("rule_files %v, want [flashscale-rules.yaml]", f.RuleFiles)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.AlertName] = true
			} else {
				silent[a.AlertName] = true
			}
		}
	}
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue // recording rules are exercised by the alerts that read them
		}
		if !fires[r.Alert] {
			t.Errorf("%s: no unit test shows it firing", r.Alert)
		}
		if !silent[r.Alert] {
			t.Errorf("%s: no unit test shows it silent", r.Alert)
		}
	}
}

// docAnchors returns the anchors GitHub gives the headings of a Markdown
// file: lower case, punctuation dropped, spaces as hyphens.
func docAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (runbooks live there)", err)
	}
	anchors := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	inFence := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		var a strings.Builder
		for _, r := range h {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				a.WriteRune(r)
			case r == ' ':
				a.WriteRune('-')
			}
		}
		anchors[a.String()] = true
	}
	return anchors
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestExpand(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{`rate(x{color=~"$color"}[$__rate_interval])`, `rate(x{color=~"blue"}[1m])`, false},
		{`rate(x{color=~"${color}"}[$__range])`, `rate(x{color=~"blue"}[5m])`, false},
		{`label_replace(x, "c", "$1", "pod", "(.*)")`, `label_replace(x, "c", "$1", "pod", "(.*)")`, false},
		{`x{pod=~"$podname"}`, "", true},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, grafanaVars("blue"))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// A missing Prometheus may only be skipped where nobody requires the proof.
func TestRequired(t *testing.T) {
	tests := []struct {
		ci, tools string
		want      bool
	}{
		{"", "", false},
		{"true", "", true},
		{"false", "", false},
		{"", "1", true},
		{"0", "0", false},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		t.Setenv("FLASHSCALE_REQUIRE_TOOLS", tt.tools)
		if got := required(); got != tt.want {
			t.Errorf("CI=%q FLASHSCALE_REQUIRE_TOOLS=%q: required() = %v, want %v", tt.ci, tt.tools, got, tt.want)
		}
	}
}
