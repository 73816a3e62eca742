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

	"github.com/flashscale/flashscale/service/mail/smtptest"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
)

// The scrape job as Kubernetes names it: a ServiceMonitor's job label is
// the Service's name (flashscale-<colour>) unless it sets jobLabel, and its
// targets carry namespace and, through podTargetLabels, the pod's color.
const (
	scrapeJob  = "flashscale-blue"
	appVersion = "dashboards-proof"
)

// TestDashboardsAgainstLivePrometheus is the proof that no panel about the
// service shows "No Data": the real binary, scraped by a real Prometheus
// that also loads the real alerting rules, answers every service query of
// every panel after a little real traffic.
//
// The same run proves alert delivery: Prometheus sends its alerts to a real
// Alertmanager running the configuration infra/ deploys (dashboards/alerting),
// whose Slack and PagerDuty receivers point at a webhook server in this
// test. The sold-out notice must reach the channel although the chart's
// InfoInhibitor fires for its namespace, and a critical alert must page.
func TestDashboardsAgainstLivePrometheus(t *testing.T) {
	promBin := prometheusTool(t, "prometheus")
	amBin := alertmanagerBinary(t)
	bin := flashscaleBinary(t)
	dbURL := pgtest.NewDatabase(t)
	ds := loadDashboards(t)
	rules := loadRules(t)
	dir := t.TempDir()

	hooks := newWebhooks(t)
	am := startAlertmanager(t, amBin, dir, hooks)
	// The email sender runs, as in production: its metrics exist only
	// where it does, and every one a panel or rule reads must be exported.
	smtp := smtptest.Start(t)
	shop := startFlashscale(t, bin, dir, dbURL, smtp.Addr)
	prom := startPrometheus(t, promBin, dir, shop.port, am.port)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// Rates need at least two samples in their window.
	waitFor(t, ctx, "Prometheus to scrape the service 5 times", func() error {
		return expectValue(ctx, prom, fmt.Sprintf(`count_over_time(up{job=%q}[1m]) >= 5 and up{job=%q} == 1`, scrapeJob, scrapeJob), nil)
	})
	// idle is a moment before any shopper traffic. The pause keeps a scrape
	// that started before it from rendering the traffic that follows.
	idle := time.Now()
	time.Sleep(2 * time.Second)

	tr := driveTraffic(t, shop)
	waitFor(t, ctx, "Prometheus to scrape the traffic", func() error {
		return expectValue(ctx, prom, fmt.Sprintf(`flashscale_orders_placed_total{job=%q} >= 1
			and on () flashscale_checkout_rejections_total{reason="sold_out"} >= 1
			and on () flashscale_checkout_rejections_total{reason="invalid"} >= 1
			and on () flashscale_product_stock{product=%q} == 0
			and on () flashscale_db_pool_acquires_total >= 1
			and on () flashscale_email_sent_total >= 1
			and on () flashscale_outbox_pending == 0`, scrapeJob, tr.soldOut), nil)
	})
	// The one order's confirmation email reached the SMTP server.
	if got := smtp.Wait(1, 10*time.Second); len(got) != 1 {
		t.Errorf("the SMTP server received %d emails, want 1 (one order placed)", len(got))
	}
	time.Sleep(2 * time.Second) // two more scrapes after the traffic
	busy := time.Now()

	recorded := recordedMetrics(rules)
	var live, k8s int
	for _, q := range panelQueries(ds) {
		names, err := metricNames(mustExpand(t, q, "blue"))
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		// The service's own series, up, and what the rule file records from
		// them all exist here; anything else is an exporter's.
		if !slices.ContainsFunc(names, func(n string) bool { return !serviceMetric(n) && n != "up" && !recorded[n] }) {
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

	checkExpectations(t, ctx, prom, ds, idle, busy, tr)
	checkColourVariable(t, ctx, prom)
	checkMetricsExported(t, shop, ds, rules)
	checkRulesLoaded(t, ctx, prom, rules, tr)
	checkDelivery(t, ctx, am, hooks, tr)
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
	{"flashscale-flash-sale", "Checkout SLO: bad ratio", all(0), all(0)},
	{"flashscale-flash-sale", "Shed checkouts per second", nil, all(0)},
	{"flashscale-service", "Checkout admission: slots in use vs limit", nil, all(0)},
	// The order's email was sent: the outbox is empty before and after.
	{"flashscale-flash-sale", "Confirmation emails waiting", all(0), all(0)},
	{"flashscale-flash-sale", "Oldest waiting confirmation email", all(0), all(0)},
}

func checkExpectations(t *testing.T, ctx context.Context, prom v1.API, ds []dashboard, idle, busy time.Time, tr traffic) {
	t.Helper()
	qs := panelQueries(ds)
	// The sold-out product is the one the traffic chose; the admission
	// limit is the service's default (FLASHSCALE_CHECKOUT_MAX_INFLIGHT).
	exps := append(slices.Clip(expectations),
		expectation{"flashscale-flash-sale", "Stock left now", nil, withLabels(model.LabelSet{"product": model.LabelValue(tr.soldOut)})})
	for _, e := range exps {
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
func checkRulesLoaded(t *testing.T, ctx context.Context, prom v1.API, rules []rule, tr traffic) {
	t.Helper()
	res, err := prom.Rules(ctx, nil)
	if err != nil {
		t.Fatalf("GET /api/v1/rules: %v", err)
	}
	loaded := map[string]v1.AlertingRule{}
	records := map[string]v1.RecordingRule{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			switch r := r.(type) {
			case v1.AlertingRule:
				loaded[r.Name+"/"+string(r.Labels["severity"])] = r
			case v1.RecordingRule:
				records[r.Name] = r
			}
		}
	}
	for _, r := range rules {
		if r.Record != "" {
			rec, ok := records[r.Record]
			switch {
			case !ok:
				t.Errorf("Prometheus did not load recording rule %s", r.Record)
			case rec.Health != v1.RuleHealthGood:
				t.Errorf("recording rule %s: health %q, last error %q", r.Record, rec.Health, rec.LastError)
			}
			continue
		}
		a, ok := loaded[r.Alert+"/"+r.Labels["severity"]]
		switch {
		case !ok:
			t.Errorf("Prometheus did not load alert %s (%s)", r.Alert, r.Labels["severity"])
		case a.Health != v1.RuleHealthGood:
			t.Errorf("alert %s: health %q, last error %q", r.Alert, a.Health, a.LastError)
		}
	}
	// After the traffic the checkout SLO's ratio exists and reads 0: one
	// order placed, nothing failed or shed.
	waitFor(t, ctx, "the checkout SLO's recording rules", func() error {
		return expectValue(ctx, prom, `namespace:flashscale_checkout_bad:ratio_rate5m{namespace="flashscale"}`, all(0))
	})

	soldOutItem := tr.soldOut
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
			case "FlashScaleHighErrorRatio", "FlashScaleCheckoutErrorBudgetBurn":
				t.Errorf("%s is %s, yet no request failed: %v", a.Labels["alertname"], a.State, a.Labels)
			case "FlashScaleConfirmationEmailsStuck":
				t.Errorf("%s is %s, yet the order's email was sent: %v", a.Labels["alertname"], a.State, a.Labels)
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

// traffic is what driveTraffic chose from the live catalog: the product
// it bought and the one it sold out.
type traffic struct{ bought, soldOut string }

// driveTraffic does what a shopper and an operator do during a sale:
// browse, quote, buy, sell a product out, buy it anyway, send a bad form
// and follow a dead link. Each status is the API contract's (README.md).
// Products come from the catalog the binary seeded, whatever it holds.
func driveTraffic(t *testing.T, shop *flashscale) traffic {
	t.Helper()
	status, body := shop.do(t, "GET", "/api/products", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/products: %d %s", status, body)
	}
	var catalog struct{ Products []shopProduct }
	if err := json.Unmarshal(body, &catalog); err != nil {
		t.Fatal(err)
	}
	var buyable []string
	for _, p := range catalog.Products {
		if p.Stock > 0 && p.on(time.Now()) {
			buyable = append(buyable, p.ID)
		}
	}
	if len(buyable) < 2 {
		t.Fatalf("the seeded catalog has %d products on sale and in stock, want 2 (one to buy, one to sell out)", len(buyable))
	}
	tr := traffic{bought: buyable[0], soldOut: buyable[1]}

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
		// Checkout needs an account; the client's jar keeps the session.
		{"POST", "/api/accounts", map[string]string{"email": "asha@example.com", "password": "dashboard proof", "name": "Asha Rao"}, nil, http.StatusCreated},
		{"GET", "/api/products/" + tr.bought, nil, nil, http.StatusOK},
		{"POST", "/api/cart/quote", map[string]any{"items": []map[string]any{{"productId": tr.bought, "quantity": 1}}}, nil, http.StatusOK},
		{"POST", "/api/checkout", checkout(tr.bought, customer), map[string]string{"Idempotency-Key": "dash-proof-1"}, http.StatusCreated},
		{"PUT", "/api/admin/products/" + tr.soldOut + "/stock", map[string]int{"stock": 0}, admin, http.StatusOK},
		{"POST", "/api/checkout", checkout(tr.soldOut, customer), map[string]string{"Idempotency-Key": "dash-proof-2"}, http.StatusConflict},
		{"POST", "/api/checkout", checkout(tr.bought, badCustomer), map[string]string{"Idempotency-Key": "dash-proof-3"}, http.StatusUnprocessableEntity},
		{"GET", "/api/products/no-such-product", nil, nil, http.StatusNotFound},
	}
	for _, s := range steps {
		if got, body := shop.do(t, s.method, s.path, s.body, s.header); got != s.want {
			t.Fatalf("%s %s: status %d, want %d: %s", s.method, s.path, got, s.want, body)
		}
	}
	return tr
}

// shopProduct is the part of the API's Product the traffic needs.
type shopProduct struct {
	ID           string     `json:"id"`
	Stock        int        `json:"stock"`
	SaleStartsAt *time.Time `json:"saleStartsAt"`
	SaleEndsAt   *time.Time `json:"saleEndsAt"`
}

func (p shopProduct) on(at time.Time) bool {
	return (p.SaleStartsAt == nil || !at.Before(*p.SaleStartsAt)) && (p.SaleEndsAt == nil || at.Before(*p.SaleEndsAt))
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

func startFlashscale(t *testing.T, bin, dir, databaseURL, smtpAddr string) *flashscale {
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
				// The production store: its pool exports flashscale_db_pool_*.
				"DATABASE_URL="+databaseURL,
				"FLASHSCALE_DB_MAX_CONNS=4",
				"DEPLOY_COLOR=blue",
				"APP_VERSION="+appVersion,
				"FLASHSCALE_ADMIN_TOKEN="+token,
				"FLASHSCALE_DRAIN_TIMEOUT=2s",
				"FLASHSCALE_LOG_FORMAT=text",
				// aiosmtpd on loopback speaks plain SMTP.
				"FLASHSCALE_SMTP_ADDR="+smtpAddr,
				"FLASHSCALE_SMTP_FROM=FlashScale <orders@mail.flashscale.test>",
				"FLASHSCALE_SMTP_TLS=none",
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
func startPrometheus(t *testing.T, bin, dir string, shopPort, amPort int) v1.API {
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
  - %q
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:%d"]
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: ["127.0.0.1:%d"]
        labels:
          namespace: flashscale
          service: flashscale-blue
          color: blue
`, rulesPath, chartRulesPath(t, dir), amPort, scrapeJob, shopPort)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	_, base := startOnFreePort(t, "prometheus", dir, func(port, attempt int) *exec.Cmd {
		return exec.Command(bin,
			"--config.file="+configPath,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("tsdb-%d", attempt)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port))
	})
	client, err := promapi.NewClient(promapi.Config{Address: base})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(client)
}

// startOnFreePort starts a server that is ready when GET /-/ready answers
// 200, on a free port (retrying when another process took the port first),
// and returns its port and base URL.
func startOnFreePort(t *testing.T, name, dir string, command func(port, attempt int) *exec.Cmd) (int, string) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		lastErr = startProcess(t, name, filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, attempt)),
			command(port, attempt), []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, base+"/-/ready")
		if lastErr == nil {
			return port, base
		}
	}
	t.Fatalf("starting %s: %v", name, lastErr)
	return 0, ""
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
