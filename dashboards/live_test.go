package dashboards

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The scrape job as Kubernetes names it: a ServiceMonitor's job label is
// the Service's name (flashscale-<colour>) unless it sets jobLabel, and its
// targets carry namespace and, through podTargetLabels, the pod's color.
const (
	scrapeJob   = "flashscale-blue"
	appVersion  = "dashboards-proof"
	soldOutItem = "mi-power-bank-20k"
)

// TestDashboardsAgainstLivePrometheus is the proof that no panel about the
// service shows "No Data": the real binary, scraped by a real Prometheus
// that also loads the real alerting rules, answers every service query of
// every panel after a little real traffic.
func TestDashboardsAgainstLivePrometheus(t *testing.T) {
	promBin := requireTool(t, "prometheus")
	bin := flashscaleBinary(t)
	ds := loadDashboards(t)
	rules := loadRules(t)
	dir := t.TempDir()

	shop := startFlashscale(t, bin, dir)
	prom := startPrometheus(t, promBin, dir, shop.port)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Rates need at least two samples in their window.
	waitFor(t, ctx, "Prometheus to scrape the service 5 times", func() error {
		return expectValue(ctx, prom, fmt.Sprintf(`count_over_time(up{job=%q}[1m]) >= 5 and up{job=%q} == 1`, scrapeJob, scrapeJob), nil)
	})
	// idle is a moment before any shopper traffic. The pause keeps a scrape
	// that started before it from rendering the traffic that follows.
	idle := time.Now()
	time.Sleep(2 * time.Second)

	driveTraffic(t, shop)
	waitFor(t, ctx, "Prometheus to scrape the traffic", func() error {
		return expectValue(ctx, prom, fmt.Sprintf(`flashscale_orders_placed_total{job=%q} >= 1
			and on () flashscale_checkout_rejections_total{reason="sold_out"} >= 1
			and on () flashscale_checkout_rejections_total{reason="invalid"} >= 1
			and on () flashscale_product_stock{product=%q} == 0`, scrapeJob, soldOutItem), nil)
	})
	time.Sleep(2 * time.Second) // two more scrapes after the traffic
	busy := time.Now()

	var live, k8s int
	for _, q := range panelQueries(ds) {
		names, err := metricNames(mustExpand(t, q, "blue"))
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if !slices.ContainsFunc(names, func(n string) bool { return !serviceMetric(n) && n != "up" }) {
			live++
			checkServiceQuery(t, ctx, prom, q, idle, busy)
			continue
		}
		// Kubernetes exporters are not here: Prometheus can only vouch
		// that it accepts the query (a parse error is a 400).
		k8s++
		if _, _, _, err := prom.Query(ctx, mustExpand(t, q, ".*"), busy); err != nil {
			t.Errorf("%s: Prometheus rejects the query: %v", q, err)
		}
	}
	t.Logf("evaluated %d service queries with data, %d Kubernetes queries accepted", live, k8s)

	checkExpectations(t, ctx, prom, ds, idle, busy)
	checkColourVariable(t, ctx, prom)
	checkMetricsExported(t, shop, ds, rules)
	checkRulesLoaded(t, ctx, prom, rules)
}

// checkServiceQuery evaluates one service query after the traffic, for one
// colour and for All: it must return data, and every legend label must be
// on the series. A ratio must read 0 before any traffic, never nothing.
func checkServiceQuery(t *testing.T, ctx context.Context, prom v1.API, q query, idle, busy time.Time) {
	t.Helper()
	for _, color := range []string{"blue", ".*"} {
		v, err := evaluate(ctx, prom, mustExpand(t, q, color), busy)
		if err != nil {
			t.Errorf("%s (color=%s): %v", q, color, err)
			continue
		}
		if len(v) == 0 {
			t.Errorf("%s (color=%s) returns no data:\n%s", q, color, q.expr)
			continue
		}
		for _, l := range legendLabels(q.legend) {
			for _, s := range v {
				if _, ok := s.Metric[model.LabelName(l)]; !ok {
					t.Errorf("%s: legend uses {{%s}} but series %s has no such label", q, l, s.Metric)
				}
			}
		}
		if q.unit != "percentunit" {
			continue
		}
		for _, s := range v {
			if f := float64(s.Value); math.IsNaN(f) || f < 0 || f > 1 {
				t.Errorf("%s (color=%s): ratio %s = %v, want within [0, 1]", q, color, s.Metric, f)
			}
		}
		before, err := evaluate(ctx, prom, mustExpand(t, q, color), idle)
		if err != nil {
			t.Errorf("%s (color=%s) before traffic: %v", q, color, err)
			continue
		}
		if len(before) == 0 {
			t.Errorf("%s (color=%s): ratio shows No Data before any traffic, want 0", q, color)
		}
		for _, s := range before {
			if s.Value != 0 {
				t.Errorf("%s (color=%s): ratio %s = %v before any traffic, want 0", q, color, s.Metric, s.Value)
			}
		}
	}
}

// expectation pins the value of a panel after the traffic: one order
// placed, one checkout rejected as sold out and one as invalid, no 5xx, no
// shedding, one product sold out.
type expectation struct {
	dashboard, panel string
	idle, busy       func(model.Vector) error
}

var expectations = []expectation{
	{"flashscale-service", "Error ratio (5xx)", all(0), all(0)},
	{"flashscale-service", "Error ratio (5xx) by colour", all(0), all(0)},
	{"flashscale-service", "Pods scraped up", all(1), all(1)},
	{"flashscale-service", "Build info (version per colour)", nil, withLabels(model.LabelSet{"color": "blue", "version": appVersion})},
	{"flashscale-flash-sale", "Shed ratio", all(0), all(0)},
	{"flashscale-flash-sale", "Checkout rejection ratio", all(0), all(2.0 / 3)},
	{"flashscale-flash-sale", "Checkout rejection ratio by reason", all(0), byLabel("reason", map[string]float64{
		"sold_out": 1.0 / 3, "invalid": 1.0 / 3, "shed": 0, "sale_not_active": 0, "purchase_limit": 0, "idempotency_key_reused": 0})},
	{"flashscale-flash-sale", "Products sold out", all(0), all(1)},
	{"flashscale-flash-sale", "Stock left now", nil, withLabels(model.LabelSet{"product": soldOutItem})},
}

func checkExpectations(t *testing.T, ctx context.Context, prom v1.API, ds []dashboard, idle, busy time.Time) {
	t.Helper()
	qs := panelQueries(ds)
	for _, e := range expectations {
		i := slices.IndexFunc(qs, func(q query) bool { return q.dashboard == e.dashboard && q.panel == e.panel })
		if i < 0 {
			t.Errorf("%s: no panel %q", e.dashboard, e.panel)
			continue
		}
		q := qs[i]
		for _, at := range []struct {
			name  string
			when  time.Time
			check func(model.Vector) error
		}{{"before traffic", idle, e.idle}, {"after traffic", busy, e.busy}} {
			if at.check == nil {
				continue
			}
			v, err := evaluate(ctx, prom, mustExpand(t, q, "blue"), at.when)
			if err == nil {
				err = at.check(v)
			}
			if err != nil {
				t.Errorf("%s %s: %v", q, at.name, err)
			}
		}
	}
}

func all(want float64) func(model.Vector) error {
	return func(v model.Vector) error {
		if len(v) == 0 {
			return fmt.Errorf("no data, want %v", want)
		}
		for _, s := range v {
			if math.Abs(float64(s.Value)-want) > 1e-9 {
				return fmt.Errorf("%s = %v, want %v", s.Metric, s.Value, want)
			}
		}
		return nil
	}
}

func byLabel(label string, want map[string]float64) func(model.Vector) error {
	return func(v model.Vector) error {
		got := map[string]float64{}
		for _, s := range v {
			got[string(s.Metric[model.LabelName(label)])] = float64(s.Value)
		}
		if len(got) != len(want) {
			return fmt.Errorf("got %v, want %v", got, want)
		}
		for k, w := range want {
			if g, ok := got[k]; !ok || math.Abs(g-w) > 1e-9 {
				return fmt.Errorf("got %v, want %v", got, want)
			}
		}
		return nil
	}
}

func withLabels(want model.LabelSet) func(model.Vector) error {
	return func(v model.Vector) error {
		for _, s := range v {
			match := true
			for k, val := range want {
				match = match && s.Metric[k] == val
			}
			if match {
				return nil
			}
		}
		return fmt.Errorf("no series with %v in %v", want, v)
	}
}

// The colour variable lists what label_values(flashscale_build_info, color)
// finds: the scraped colour must be among them.
func checkColourVariable(t *testing.T, ctx context.Context, prom v1.API) {
	t.Helper()
	vals, _, _, err := prom.LabelValues(ctx, "color", []string{"flashscale_build_info"}, time.Now().Add(-time.Hour), time.Now())
	if err != nil || !slices.Contains(vals, "blue") {
		t.Errorf("label_values(flashscale_build_info, color) = %v, %v; want blue among them", vals, err)
	}
}

// checkMetricsExported reads the binary's /metrics itself: every service
// metric a dashboard or alert names must be there, under that exact name.
func checkMetricsExported(t *testing.T, shop *flashscale, ds []dashboard, rules []rule) {
	t.Helper()
	status, body := shop.do(t, "GET", "/metrics", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	exported := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		exported[line[:strings.IndexAny(line, "{ ")]] = true
	}
	qs := append(panelQueries(ds), alertQueries(rules)...)
	for _, q := range qs {
		names, err := metricNames(mustExpand(t, q, "blue"))
		if err != nil {
			continue // reported elsewhere
		}
		for _, n := range names {
			if serviceMetric(n) && !exported[n] {
				t.Errorf("%s reads %s, which the service's /metrics does not export", q, n)
			}
		}
	}
}

// checkRulesLoaded proves the real Prometheus loads the rule file and
// evaluates every rule without error, and that the sold-out notice goes
// off for the product the traffic sold out, and only for it.
func checkRulesLoaded(t *testing.T, ctx context.Context, prom v1.API, rules []rule) {
	t.Helper()
	res, err := prom.Rules(ctx, nil)
	if err != nil {
		t.Fatalf("GET /api/v1/rules: %v", err)
	}
	loaded := map[string]v1.AlertingRule{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			if a, ok := r.(v1.AlertingRule); ok {
				loaded[a.Name] = a
			}
		}
	}
	for _, r := range rules {
		a, ok := loaded[r.Alert]
		switch {
		case !ok:
			t.Errorf("Prometheus did not load alert %s", r.Alert)
		case a.Health != v1.RuleHealthGood:
			t.Errorf("alert %s: health %q, last error %q", r.Alert, a.Health, a.LastError)
		}
	}

	waitFor(t, ctx, "the sold-out notice for "+soldOutItem, func() error {
		alerts, err := prom.Alerts(ctx)
		if err != nil {
			return err
		}
		var soldOut []string
		for _, a := range alerts.Alerts {
			switch a.Labels["alertname"] {
			case "FlashScaleProductSoldOut":
				soldOut = append(soldOut, string(a.Labels["product"]))
			case "FlashScaleHighErrorRatio":
				t.Errorf("FlashScaleHighErrorRatio is %s, yet no request failed: %v", a.State, a.Labels)
			}
		}
		if !slices.Equal(soldOut, []string{soldOutItem}) {
			return fmt.Errorf("FlashScaleProductSoldOut is active for %v, want [%s]", soldOut, soldOutItem)
		}
		return nil
	})
}

// legendLabels returns the labels a legend format such as "p99 {{route}}"
// reads.
func legendLabels(legend string) []string {
	var ls []string
	for _, m := range regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`).FindAllStringSubmatch(legend, -1) {
		ls = append(ls, m[1])
	}
	return ls
}

func mustExpand(t *testing.T, q query, color string) string {
	t.Helper()
	e, err := expand(q.expr, grafanaVars(color))
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return e
}

// evaluate runs an instant query; a scalar becomes a one-sample vector.
func evaluate(ctx context.Context, prom v1.API, expr string, at time.Time) (model.Vector, error) {
	v, _, _, err := prom.Query(ctx, expr, at)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case model.Vector:
		return v, nil
	case *model.Scalar:
		return model.Vector{{Metric: model.Metric{}, Value: v.Value, Timestamp: v.Timestamp}}, nil
	}
	return nil, fmt.Errorf("result of type %s, want a vector", v.Type())
}

// expectValue succeeds when expr returns at least one series (and, with a
// check, when the check accepts it).
func expectValue(ctx context.Context, prom v1.API, expr string, check func(model.Vector) error) error {
	v, err := evaluate(ctx, prom, expr, time.Now())
	if err != nil {
		return err
	}
	if len(v) == 0 {
		return fmt.Errorf("no data yet for %s", expr)
	}
	if check != nil {
		return check(v)
	}
	return nil
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ---------------------------------------------------------------- traffic

// driveTraffic does what a shopper and an operator do during a sale:
// browse, quote, buy, sell a product out, buy it anyway, send a bad form
// and follow a dead link. Each status is the API contract's (README.md).
func driveTraffic(t *testing.T, shop *flashscale) {
	t.Helper()
	customer := map[string]string{"name": "Asha Rao", "email": "asha@example.com",
		"phone": "+91 98765 43210", "address": "12 MG Road, Bengaluru 560001"}
	checkout := func(product string, c map[string]string) map[string]any {
		return map[string]any{"items": []map[string]any{{"productId": product, "quantity": 1}}, "customer": c}
	}
	badCustomer := map[string]string{"name": "Asha Rao", "email": "not-an-email",
		"phone": "+91 98765 43210", "address": "12 MG Road, Bengaluru 560001"}
	admin := map[string]string{"Authorization": "Bearer " + shop.adminToken}
	steps := []struct {
		method, path string
		body         any
		header       map[string]string
		want         int
	}{
		{"GET", "/api/products", nil, nil, http.StatusOK},
		{"GET", "/api/products/dell-inspiron-15", nil, nil, http.StatusOK},
		{"POST", "/api/cart/quote", map[string]any{"items": []map[string]any{{"productId": "boat-airdopes-141", "quantity": 2}}}, nil, http.StatusOK},
		{"POST", "/api/checkout", checkout("boat-airdopes-141", customer), map[string]string{"Idempotency-Key": "dash-proof-1"}, http.StatusCreated},
		{"PUT", "/api/admin/products/" + soldOutItem + "/stock", map[string]int{"stock": 0}, admin, http.StatusOK},
		{"POST", "/api/checkout", checkout(soldOutItem, customer), map[string]string{"Idempotency-Key": "dash-proof-2"}, http.StatusConflict},
		{"POST", "/api/checkout", checkout("boat-airdopes-141", badCustomer), map[string]string{"Idempotency-Key": "dash-proof-3"}, http.StatusUnprocessableEntity},
		{"GET", "/api/products/no-such-product", nil, nil, http.StatusNotFound},
	}
	for _, s := range steps {
		if got, body := shop.do(t, s.method, s.path, s.body, s.header); got != s.want {
			t.Fatalf("%s %s: status %d, want %d: %s", s.method, s.path, got, s.want, body)
		}
	}
}

// ---------------------------------------------------------------- processes

type flashscale struct {
	port       int
	base       string
	adminToken string
	client     *http.Client
}

func (f *flashscale) do(t *testing.T, method, path string, body any, header map[string]string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// flashscaleBinary is FLASHSCALE_BIN (make test passes bin/flashscale) or
// a fresh build of the module's command.
func flashscaleBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FLASHSCALE_BIN"); p != "" {
		if !fileExists(p) {
			t.Fatalf("FLASHSCALE_BIN=%s does not exist", p)
		}
		return p
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" {
		t.Fatalf("finding the module root: %v", err)
	}
	out := filepath.Join(t.TempDir(), "flashscale")
	cmd := exec.Command("go", "build", "-o", out, "./service/cmd/flashscale")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./service/cmd/flashscale: %v\n%s", err, b)
	}
	return out
}

func startFlashscale(t *testing.T, bin, dir string) *flashscale {
	t.Helper()
	token := randomHex(t)
	jar, _ := cookiejar.New(nil)
	// The environment is set whole, so a DATABASE_URL or PORT of the
	// caller's cannot point the proof at another store or port.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		f := &flashscale{port: port, base: fmt.Sprintf("http://127.0.0.1:%d", port), adminToken: token,
			client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
		data := filepath.Join(dir, "data")
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		lastErr = startProcess(t, "flashscale", filepath.Join(dir, fmt.Sprintf("flashscale-%d.log", attempt)),
			exec.Command(bin, "serve"), append(env,
				"PORT="+strconv.Itoa(port),
				"FLASHSCALE_DATA_DIR="+data,
				"DEPLOY_COLOR=blue",
				"APP_VERSION="+appVersion,
				"FLASHSCALE_ADMIN_TOKEN="+token,
				"FLASHSCALE_DRAIN_TIMEOUT=2s",
				"FLASHSCALE_LOG_FORMAT=text",
			), f.base+"/readyz")
		if lastErr == nil {
			return f
		}
	}
	t.Fatalf("starting flashscale: %v", lastErr)
	return nil
}

// startPrometheus runs Prometheus with one scrape job against the service,
// labelled as the ServiceMonitor labels it in Kubernetes, and with the real
// alerting rules loaded.
func startPrometheus(t *testing.T, bin, dir string, shopPort int) v1.API {
	t.Helper()
	rulesPath := filepath.Join(dir, "flashscale-rules.yaml")
	b, err := Files.ReadFile(RulesFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rulesPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: ["127.0.0.1:%d"]
        labels:
          namespace: flashscale
          service: flashscale-blue
          color: blue
`, rulesPath, scrapeJob, shopPort)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		lastErr = startProcess(t, "prometheus", filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt)),
			exec.Command(bin,
				"--config.file="+configPath,
				"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("tsdb-%d", attempt)),
				fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			), []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, base+"/-/ready")
		if lastErr == nil {
			client, err := promapi.NewClient(promapi.Config{Address: base})
			if err != nil {
				t.Fatal(err)
			}
			return v1.NewAPI(client)
		}
	}
	t.Fatalf("starting prometheus: %v", lastErr)
	return nil
}

// startProcess starts cmd, logging to logPath, and waits until readyURL
// answers 200. The process is stopped with SIGTERM when the test ends; its
// log is printed if the test failed.
func startProcess(t *testing.T, name, logPath string, cmd *exec.Cmd, env []string, readyURL string) error {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			stop()
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", name, err, tail(logPath))
		default:
		}
		resp, err := http.Get(readyURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%s not ready at %s after 60s:\n%s", name, readyURL, tail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", name, logPath, tail(logPath))
		}
	})
	return nil
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freePort asks the kernel for a free port. Another process may take it
// before ours binds, so callers retry on a failed start.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
