package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// lb mimics the ALB's weighted forward: every new request goes to one of the
// live targets; a flip or a deregistration changes the set atomically. Like
// the ALB it does not retry a failed request, so any 502 is a lost request.
type lb struct {
	targets atomic.Pointer[[]*url.URL]
	next    atomic.Uint64
	proxy   *httputil.ReverseProxy
}

func newLB(targets ...string) *lb {
	l := &lb{}
	l.set(targets...)
	l.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			ts := *l.targets.Load()
			r.SetURL(ts[l.next.Add(1)%uint64(len(ts))])
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "lb: "+err.Error(), http.StatusBadGateway)
		},
	}
	return l
}

func (l *lb) set(targets ...string) {
	us := make([]*url.URL, len(targets))
	for i, t := range targets {
		us[i], _ = url.Parse(t)
	}
	l.targets.Store(&us)
}

type shopperLoad struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	failures   []string
	orders     map[string]http.CookieJar
	units      int
	stop       chan struct{}
	wg         sync.WaitGroup
}

// signUp registers an account through base; c's jar keeps its session.
// Sixteen shoppers registering at once outrun the server's hashing slots
// (one argon2id hash per core, a 1 s queue), so a 503 overloaded is
// retried after its Retry-After, as the web shop does; anything else fails.
func signUp(c *http.Client, base, email string) error {
	body := fmt.Sprintf(`{"email":%q,"password":"flip shopper password","name":"Flip"}`, email)
	for attempt := 1; ; attempt++ {
		res, err := c.Post(base+"/api/accounts", "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusCreated:
			return nil
		case res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != "" && attempt < 10:
			time.Sleep(time.Second)
		default:
			return fmt.Errorf("registering %s (attempt %d): %d %s", email, attempt, res.StatusCode, b)
		}
	}
}

// runShoppers sends browse and checkout traffic through base until stopped.
func runShoppers(base string, workers int, product string) *shopperLoad {
	s := &shopperLoad{orders: map[string]http.CookieJar{}, stop: make(chan struct{})}
	for w := range workers {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
			// Signed in first, as checkout needs: the session is in the
			// shared store, so it holds on whichever colour or pod answers.
			if err := signUp(c, base, fmt.Sprintf("flip-%d-%d@example.in", w, time.Now().UnixNano())); err != nil {
				s.fail(err.Error())
				return
			}
			for i := 1; ; i++ {
				select {
				case <-s.stop:
					return
				default:
				}
				var req *http.Request
				if i%3 == 0 {
					body := fmt.Sprintf(`{"items":[{"productId":%q,"quantity":1}],"customer":{"name":"Flip","email":"f@example.in","phone":"9876543210","address":"1 Test Street, Chennai"}}`, product)
					req, _ = http.NewRequest("POST", base+"/api/checkout", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("w%d-%d", w, i))
				} else {
					req, _ = http.NewRequest("GET", base+"/api/products", nil)
				}
				res, err := c.Do(req)
				if err != nil {
					s.fail(err.Error())
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				switch res.StatusCode {
				case 201:
					_, after, _ := strings.Cut(string(b), `"id":"`)
					id, _, _ := strings.Cut(after, `"`)
					s.mu.Lock()
					s.orders[id] = jar
					s.units++
					s.mu.Unlock()
					s.ok.Add(1)
				case 200, 409:
					s.ok.Add(1)
				default:
					s.fail(fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b))
				}
			}
		}()
	}
	return s
}

func (s *shopperLoad) fail(msg string) {
	s.failed.Add(1)
	s.mu.Lock()
	s.failures = append(s.failures, msg)
	s.mu.Unlock()
}

func (s *shopperLoad) finish(t *testing.T) {
	t.Helper()
	close(s.stop)
	s.wg.Wait()
	if s.failed.Load() > 0 {
		t.Fatalf("%d requests failed (%d ok): %v", s.failed.Load(), s.ok.Load(), s.failures[:min(len(s.failures), 5)])
	}
	if s.ok.Load() < 100 || len(s.orders) == 0 {
		t.Fatalf("too little traffic to prove anything: %d ok, %d orders", s.ok.Load(), len(s.orders))
	}
}

// checkNothingLost: every confirmed order exists for its shopper, and the
// stock went down by exactly the confirmed units.
func (s *shopperLoad) checkNothingLost(t *testing.T, base, product string, startStock int) {
	t.Helper()
	for id, jar := range s.orders {
		res, err := (&http.Client{Jar: jar}).Get(base + "/api/orders/" + id)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("confirmed order %s is missing: %v %v", id, err, res)
		}
		res.Body.Close()
	}
	res, err := http.Get(base + "/api/products/" + product)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := fmt.Sprintf(`"stock":%d`, startStock-s.units); !strings.Contains(string(b), want) {
		t.Fatalf("after %d units sold: %s, want %s", s.units, b, want)
	}
}

func waitExit(t *testing.T, p *smoketest.Server) {
	t.Helper()
	select {
	case <-p.Done():
		if err := p.ExitErr(); err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("instance did not exit within its drain timeout")
	}
}

// TestBlueGreenFlipUnderLoad: blue and green share one PostgreSQL database
// behind a weighted load balancer. Traffic flows, the LB flips to green,
// blue gets SIGTERM: zero failed requests, zero lost orders.
func TestBlueGreenFlipUnderLoad(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	env := []string{"DATABASE_URL=" + dbURL, "FLASHSCALE_DRAIN_TIMEOUT=10s"}
	blue := start(t, t.TempDir(), append(env, "DEPLOY_COLOR=blue", "APP_VERSION=1.0.0")...)
	green := start(t, t.TempDir(), append(env, "DEPLOY_COLOR=green", "APP_VERSION=1.1.0")...)
	l := newLB(blue.URL)
	front := httptest.NewServer(l.proxy)
	defer front.Close()

	load := runShoppers(front.URL, 16, "boat-airdopes-141")
	time.Sleep(time.Second)
	l.set(green.URL) // the flip: weights 0/100
	time.Sleep(500 * time.Millisecond)
	if err := blue.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, blue)
	time.Sleep(500 * time.Millisecond)
	load.finish(t)
	load.checkNothingLost(t, front.URL, "boat-airdopes-141", 1000)
}

// TestRollingRestartUnderLoad: two pods of one colour; one is deregistered,
// drained, replaced and registered again while traffic flows.
func TestRollingRestartUnderLoad(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	env := []string{"DATABASE_URL=" + dbURL, "DEPLOY_COLOR=blue", "FLASHSCALE_DRAIN_TIMEOUT=10s", "FLASHSCALE_SHUTDOWN_DELAY=300ms"}
	a := start(t, t.TempDir(), env...)
	b := start(t, t.TempDir(), env...)
	l := newLB(a.URL, b.URL)
	front := httptest.NewServer(l.proxy)
	defer front.Close()

	load := runShoppers(front.URL, 16, "mi-power-bank-20k")
	time.Sleep(time.Second)
	// The pod turns unready on SIGTERM; the LB deregisters it a moment later
	// (the shutdown delay covers that gap, as preStop does in Kubernetes).
	if err := a.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	l.set(b.URL)
	waitExit(t, a)
	a2 := start(t, t.TempDir(), env...)
	l.set(a2.URL, b.URL)
	time.Sleep(time.Second)
	load.finish(t)
	load.checkNothingLost(t, front.URL, "mi-power-bank-20k", 800)
}
