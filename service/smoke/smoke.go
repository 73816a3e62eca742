// Package smoke checks a running FlashScale deployment from the outside,
// the way a shopper reaches it: readiness, build identity, the catalog and
// a cart quote. It is what a release runs against the idle colour (through
// the load balancer's preview route) before any traffic moves, and against
// the live site after the flip.
//
// A round runs every check; rounds repeat with backoff until one passes
// (or several in a row, when asked) or the deadline ends, because a fresh
// rollout or a load-balancer weight change takes a while to settle. The
// report is the last round's: each check with pass/fail and the reason.
package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flashscale/flashscale/service/buildinfo"
	"github.com/flashscale/flashscale/service/shop"
)

// PreviewHeader is the request header the load balancer routes to the
// idle colour (see the infra program's Ingress preview rule).
const PreviewHeader = "X-Flashscale-Preview"

// Options say what to check and how long to keep trying.
type Options struct {
	// URL is the site's base URL, e.g. https://shop.example.com.
	URL string
	// Preview sends PreviewHeader: true on every request.
	Preview bool
	// ExpectColor and ExpectVersion, when set, must match /api/build-info.
	ExpectColor, ExpectVersion string
	// Timeout is the overall deadline for all rounds.
	Timeout time.Duration
	// Consecutive is how many rounds in a row must pass (minimum 1). After
	// a flip, more than one guards against a lucky hit on a load balancer
	// that still sends some requests to the old colour.
	Consecutive int
	// Client sends the requests; nil uses a client without cookies whose
	// per-request timeout is bounded by the deadline.
	Client *http.Client
	// Progress receives one line per failed round; nil discards it.
	Progress io.Writer
}

// Check is the outcome of one check in a round.
type Check struct {
	Name    string
	OK      bool
	Skipped bool
	Detail  string
}

// Report is the outcome of a smoke run.
type Report struct {
	URL      string
	Preview  bool
	Passed   bool
	Attempts int
	Elapsed  time.Duration
	// Checks are the last round's results, in order.
	Checks []Check
}

// Failed lists "name: detail" for every check that failed (skipped ones
// follow from another failure and are left out).
func (r Report) Failed() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

// WriteTo writes the human-readable report.
func (r Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	verdict := "PASS"
	if !r.Passed {
		verdict = "FAIL"
	}
	route := "live route"
	if r.Preview {
		route = "preview route (" + PreviewHeader + ": true)"
	}
	fmt.Fprintf(&b, "smoke %s via %s: %s after %d attempt(s) in %s\n",
		r.URL, route, verdict, r.Attempts, r.Elapsed.Round(time.Millisecond))
	for _, c := range r.Checks {
		mark := "PASS"
		switch {
		case c.Skipped:
			mark = "SKIP"
		case !c.OK:
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  %-4s  %-11s %s\n", mark, c.Name, c.Detail)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// lastRound is the least time a final round gets before the deadline.
const lastRound = 500 * time.Millisecond

// Check names, in the order a round runs them.
const (
	CheckReadiness = "readiness"
	CheckBuildInfo = "build-info"
	CheckProducts  = "products"
	CheckQuote     = "quote"
)

// Run checks the deployment until a round passes (Consecutive times in a
// row) or the deadline ends, and returns the last round's report.
func Run(ctx context.Context, o Options) Report {
	if o.Consecutive < 1 {
		o.Consecutive = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Client == nil {
		o.Client = &http.Client{
			// Each request is bounded by the context's deadline too; this
			// keeps one hung request from eating the whole budget.
			Timeout: 10 * time.Second,
			// A redirect to a login page or another host is not the shop.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	base := strings.TrimRight(o.URL, "/")
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	r := runner{o: o, base: base}
	rep := Report{URL: base, Preview: o.Preview}
	passes := 0
	wait := 250 * time.Millisecond
	for {
		rep.Attempts++
		rep.Checks = r.round(ctx)
		ok := allOK(rep.Checks)
		pause := wait
		if ok {
			passes++
			if passes >= o.Consecutive {
				rep.Passed = true
				break
			}
			pause = time.Second
		} else {
			passes = 0
			wait = min(wait*2, 5*time.Second)
		}
		// Leave the last round enough time to get real answers rather
		// than deadline errors; without that, this round is the report.
		deadline, _ := ctx.Deadline()
		pause = min(pause, time.Until(deadline)-lastRound)
		if pause < 0 || ctx.Err() != nil {
			if ok {
				rep.Checks = append(rep.Checks, Check{Name: "consecutive",
					Detail: fmt.Sprintf("only %d of %d rounds in a row passed before the deadline", passes, o.Consecutive)})
			}
			break
		}
		if !ok {
			fmt.Fprintf(o.Progress, "smoke attempt %d failed: %s; retrying in %s\n",
				rep.Attempts, strings.Join(rep.Failed(), "; "), pause.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	rep.Elapsed = time.Since(start)
	return rep
}

func allOK(cs []Check) bool {
	for _, c := range cs {
		if !c.OK {
			return false
		}
	}
	return len(cs) > 0
}

type runner struct {
	o    Options
	base string
}

func (r runner) round(ctx context.Context) []Check {
	checks := []Check{r.readiness(ctx), r.buildInfo(ctx)}
	products, pc := r.products(ctx)
	checks = append(checks, pc)
	if pc.OK {
		checks = append(checks, r.quote(ctx, products))
	} else {
		checks = append(checks, Check{Name: CheckQuote, Skipped: true, Detail: "no product list to quote from"})
	}
	return checks
}

// do sends one request and returns the status and up to 1 MiB of body.
func (r runner) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "flashscale-smoke/"+buildinfo.Version)
	if r.o.Preview {
		req.Header.Set(PreviewHeader, "true")
	}
	resp, err := r.o.Client.Do(req)
	if err != nil {
		return 0, nil, shortErr(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("reading body: %w", shortErr(err))
	}
	return resp.StatusCode, b, nil
}

// shortErr drops the URL that net/http repeats in every error: the report
// names the path already.
func shortErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func fail(name, format string, args ...any) Check {
	return Check{Name: name, Detail: fmt.Sprintf(format, args...)}
}

func (r runner) readiness(ctx context.Context) Check {
	code, body, err := r.do(ctx, http.MethodGet, "/readyz", nil)
	switch {
	case err != nil:
		return fail(CheckReadiness, "GET /readyz: %v", err)
	case code != http.StatusOK:
		return fail(CheckReadiness, "GET /readyz: status %d %q", code, snippet(body))
	}
	return Check{Name: CheckReadiness, OK: true, Detail: "GET /readyz: 200 " + snippet(body)}
}

// BuildInfo is the body of GET /api/build-info.
type BuildInfo struct {
	Version   string `json:"version"`
	Color     string `json:"color"`
	BuildTime string `json:"buildTime"`
	Commit    string `json:"commit"`
}

func (r runner) buildInfo(ctx context.Context) Check {
	code, body, err := r.do(ctx, http.MethodGet, "/api/build-info", nil)
	if err != nil {
		return fail(CheckBuildInfo, "GET /api/build-info: %v", err)
	}
	if code != http.StatusOK {
		return fail(CheckBuildInfo, "GET /api/build-info: status %d %q", code, snippet(body))
	}
	var bi BuildInfo
	if err := json.Unmarshal(body, &bi); err != nil {
		return fail(CheckBuildInfo, "GET /api/build-info: not JSON: %q", snippet(body))
	}
	got := fmt.Sprintf("color=%s version=%s commit=%s buildTime=%s", bi.Color, bi.Version, bi.Commit, bi.BuildTime)
	var wrong []string
	if r.o.ExpectColor != "" && bi.Color != r.o.ExpectColor {
		wrong = append(wrong, fmt.Sprintf("color is %q, want %q", bi.Color, r.o.ExpectColor))
	}
	if r.o.ExpectVersion != "" && bi.Version != r.o.ExpectVersion {
		wrong = append(wrong, fmt.Sprintf("version is %q, want %q", bi.Version, r.o.ExpectVersion))
	}
	if bi.Version == "" {
		wrong = append(wrong, "version is empty")
	}
	if len(wrong) > 0 {
		return fail(CheckBuildInfo, "%s (%s)", strings.Join(wrong, ", "), got)
	}
	return Check{Name: CheckBuildInfo, OK: true, Detail: got}
}

func (r runner) products(ctx context.Context) ([]shop.Product, Check) {
	code, body, err := r.do(ctx, http.MethodGet, "/api/products", nil)
	if err != nil {
		return nil, fail(CheckProducts, "GET /api/products: %v", err)
	}
	if code != http.StatusOK {
		return nil, fail(CheckProducts, "GET /api/products: status %d %q", code, snippet(body))
	}
	var resp struct {
		Products []shop.Product `json:"products"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fail(CheckProducts, "GET /api/products: not a product list: %q", snippet(body))
	}
	if len(resp.Products) == 0 {
		return nil, fail(CheckProducts, "GET /api/products: the catalog is empty")
	}
	inStock := 0
	for i, p := range resp.Products {
		if p.ID == "" || p.Price <= 0 || p.Currency != shop.Currency {
			return nil, fail(CheckProducts, "GET /api/products: product %d is malformed (id %q, price %d, currency %q)",
				i, p.ID, p.Price, p.Currency)
		}
		if p.Stock > 0 {
			inStock++
		}
	}
	return resp.Products, Check{Name: CheckProducts, OK: true,
		Detail: fmt.Sprintf("%d products, %d in stock", len(resp.Products), inStock)}
}

// quote prices one unit of the first product that can be bought now. A
// catalog that is entirely sold out or off-sale is shop state, not a broken
// deployment, so the quote is still checked for a consistent answer.
func (r runner) quote(ctx context.Context, products []shop.Product) Check {
	now := time.Now()
	pick := products[0]
	for _, p := range products {
		if p.Stock > 0 && p.SaleWindow.Active(now) {
			pick = p
			break
		}
	}
	req := shop.QuoteRequest{Items: []shop.LineRequest{{ProductID: pick.ID, Quantity: 1}}}
	code, body, err := r.do(ctx, http.MethodPost, "/api/cart/quote", req)
	if err != nil {
		return fail(CheckQuote, "POST /api/cart/quote: %v", err)
	}
	if code != http.StatusOK {
		return fail(CheckQuote, "POST /api/cart/quote (%s x1): status %d %q", pick.ID, code, snippet(body))
	}
	var resp struct {
		Quote *shop.Quote `json:"quote"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Quote == nil {
		return fail(CheckQuote, "POST /api/cart/quote: not a quote: %q", snippet(body))
	}
	q := resp.Quote
	if len(q.Lines) != 1 {
		return fail(CheckQuote, "quote of %s x1 has %d lines, want 1", pick.ID, len(q.Lines))
	}
	l := q.Lines[0]
	switch {
	case l.ProductID != pick.ID || l.Quantity != 1:
		return fail(CheckQuote, "quote line is %s x%d, want %s x1", l.ProductID, l.Quantity, pick.ID)
	case l.Reason == "not_found":
		return fail(CheckQuote, "quote says %s does not exist, but the product list has it", pick.ID)
	case l.UnitPrice != pick.Price || l.LineTotal != pick.Price:
		return fail(CheckQuote, "quote prices %s at %d (line %d), the product list at %d", pick.ID, l.UnitPrice, l.LineTotal, pick.Price)
	case q.Currency != shop.Currency:
		return fail(CheckQuote, "quote currency is %q, want %q", q.Currency, shop.Currency)
	case l.Available && q.Total != l.LineTotal:
		return fail(CheckQuote, "quote total %d does not match its only line %d", q.Total, l.LineTotal)
	}
	detail := fmt.Sprintf("%s x1 = %d.%02d %s", pick.ID, l.LineTotal/100, l.LineTotal%100, q.Currency)
	if !l.Available {
		detail += " (unavailable now: " + l.Reason + ")"
	}
	return Check{Name: CheckQuote, OK: true, Detail: detail}
}

// FetchBuildInfo asks one deployment (through the preview route when
// preview is set) what it runs: a single request, no retries.
func FetchBuildInfo(ctx context.Context, client *http.Client, baseURL string, preview bool) (BuildInfo, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	r := runner{o: Options{Preview: preview, Client: client}, base: strings.TrimRight(baseURL, "/")}
	code, body, err := r.do(ctx, http.MethodGet, "/api/build-info", nil)
	if err != nil {
		return BuildInfo{}, err
	}
	if code != http.StatusOK {
		return BuildInfo{}, fmt.Errorf("status %d %q", code, snippet(body))
	}
	var bi BuildInfo
	if err := json.Unmarshal(body, &bi); err != nil {
		return BuildInfo{}, fmt.Errorf("not JSON: %q", snippet(body))
	}
	return bi, nil
}
