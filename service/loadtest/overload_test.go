package loadtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/loadtest"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// TestOverloadAgainstRealServer runs the overload scenario at tiny scale
// against the real binary on each store: 4 checkout slots, 4 clients to
// measure capacity, then 12. The capacity run must shed nothing; the
// overload run must shed, quickly (a 503 without Retry-After or with
// another code is a failed request, which Failures reports); and on both, every confirmed order must read back,
// no key may have two orders, stock must drop by exactly the confirmed
// units, the server's own counters must agree, and the server must stay up
// and exit cleanly.
func TestOverloadAgainstRealServer(t *testing.T) {
	bin := smoketest.Binary(t)
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			cfg := loadtest.DefaultOverload()
			cfg.NewServer = func(context.Context) (loadtest.ServerOptions, func(), error) {
				// Zero failed requests is asserted: a shared machine's slow
				// fsyncs must not pass for store timeouts (default 5 s).
				opts := loadtest.ServerOptions{Bin: bin, DataDir: t.TempDir(), Env: []string{"FLASHSCALE_STORE_TIMEOUT=30s"}}
				if store == "postgres" {
					opts.DatabaseURL = pgtest.NewDatabase(t)
				}
				return opts, nil, nil
			}
			// A queue wait far below the time 8 queued requests take to
			// be served, so the 8 clients over the limit are shed.
			cfg.MaxInFlight, cfg.QueueWait, cfg.Factor = 4, 2*time.Millisecond, 3
			// No warm-up: the first moments, when all 12 clients arrive at
			// once, are when most is shed (a shed client then waits out
			// its Retry-After of a second).
			cfg.Duration, cfg.Warmup = 2*time.Second, 0
			cfg.RetryJitter, cfg.AuditWorkers = 100*time.Millisecond, 4
			r, err := loadtest.RunOverload(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			loadtest.WriteOverload(&out, r)
			t.Logf("\n%s", &out)

			for _, f := range r.Failures() {
				t.Error(f)
			}
			c, o := r.Capacity.Result, r.Overloaded.Result
			if c.Shed != 0 || c.AllShed != 0 {
				t.Errorf("%d requests shed with as many clients as slots", c.AllShed)
			}
			if o.Shed == 0 {
				t.Errorf("nothing shed with %d clients for %d slots", o.Clients, cfg.MaxInFlight)
			}
			// Without admission control a shed request would have waited
			// its turn; with it, it is answered about when the queue wait
			// ends. The slack is for a shared machine running other tests.
			if p99 := loadtest.Quantile(o.ShedLatency, 99); p99 > cfg.QueueWait+100*time.Millisecond {
				t.Errorf("shed answers p99 %s with a queue wait of %s", p99, cfg.QueueWait)
			}
			for _, p := range []*loadtest.Phase{&r.Capacity, &r.Overloaded} {
				if p.Result.Created == 0 || p.Audit == nil || p.Audit.Orders == 0 {
					t.Errorf("%s: no orders placed", p.Name)
				}
				if !p.ServerAlive {
					t.Errorf("%s: %s", p.Name, p.ServerProblem)
				}
			}
		})
	}
}

// TestAuditCatchesLostAndInventedOrders runs the audit against a stub shop
// that has lost one confirmed order, shows a shopper an order nobody was
// told of, and confirmed one key twice: each must be counted.
func TestAuditCatchesLostAndInventedOrders(t *testing.T) {
	orders := map[string]map[string]bool{ // shopper token -> order ids it really has
		"alice": {"o1": true, "o2": true, "o9": true}, // o9 was never confirmed
		"bob":   {"o3": true},                         // o4 is lost
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("fs_session")
		if err != nil {
			http.Error(w, "no cookie", http.StatusBadRequest)
			return
		}
		mine := orders[ck.Value]
		order := func(id string) map[string]any {
			return map[string]any{"id": id, "items": []map[string]any{{"productId": "hot", "quantity": 1}}}
		}
		w.Header().Set("Content-Type", "application/json")
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/orders/"); ok {
			if !mine[id] {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"error":{"code":"not_found"}}`)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"order": order(id)})
			return
		}
		var list []map[string]any
		for id := range mine {
			list = append(list, order(id))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"orders": list})
	}))
	defer ts.Close()

	placed := func(id, key, shopper string) loadtest.PlacedOrder {
		return loadtest.PlacedOrder{ID: id, IdempotencyKey: key, ShopperToken: shopper, ProductID: "hot", Units: 1}
	}
	a, err := loadtest.AuditOrders(context.Background(), ts.URL, []loadtest.PlacedOrder{
		placed("o1", "k1", "alice"),
		placed("o2", "k1", "alice"), // the same key confirmed with a second order
		placed("o3", "k3", "bob"),
		placed("o4", "k4", "bob"),
		placed("o3", "k3", "bob"), // a replay: the same order again is fine
	}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if a.OK() || a.Orders != 4 || a.Units != 4 || a.Found != 3 || a.Missing != 1 || a.Unexpected != 1 || a.DuplicateKeys != 1 || a.Shoppers != 2 {
		t.Errorf("audit = %+v; want 4 orders, 3 found, 1 missing, 1 unexpected, 1 duplicate key, 2 shoppers", a)
	}
}

// TestCheckoutClientRetriesShedWithSameKey checks the overload client
// against a stub: a shed purchase is retried with the same key and the
// session it registered, a 503 without Retry-After and any other
// status are failures, and every 201 is kept for the audit.
func TestCheckoutClientRetriesShedWithSameKey(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string]int{}         // key -> attempts
	cookies := map[string][]string{}     // key -> cookie sent per attempt
	var keyShopper = map[string]string{} // key -> session sent with its first 503
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		attempts[key]++
		if r.URL.Path == "/api/accounts" {
			n++
			http.SetCookie(w, &http.Cookie{Name: "fs_session", Value: fmt.Sprintf("shopper-%d", n)})
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"account":{"email":"e","name":"n"}}`)
			return
		}
		sent := ""
		if ck, err := r.Cookie("fs_session"); err == nil {
			sent = ck.Value
		} else {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":"signin_required"}}`)
			return
		}
		cookies[key] = append(cookies[key], sent)
		w.Header().Set("Content-Type", "application/json")
		switch attempts[key] {
		case 1: // every purchase is shed once first
			keyShopper[key] = sent
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":"overloaded"}}`)
		default:
			if len(attempts)%5 == 0 { // now and then a failure
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"error":{"code":"overloaded"}}`) // no Retry-After
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"order":{"id":"order-%s","items":[{"productId":"hot","quantity":1}]}}`, key)
		}
	}))
	defer ts.Close()

	cfg := loadtest.NewCheckoutLoad(ts.URL, "hot", 3, 2, 1500*time.Millisecond, 0)
	cfg.RetryJitter = 0
	res, err := loadtest.RunCheckouts(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Created == 0 || int(res.Created) != len(res.Orders) {
		t.Fatalf("created %d, kept %d orders", res.Created, len(res.Orders))
	}
	if res.Errors == 0 {
		t.Error("503s without Retry-After were not counted as failures")
	}
	if res.AllShed < res.Created {
		t.Errorf("%d shed for %d orders, each of which was shed once first", res.AllShed, res.Created)
	}
	for _, o := range res.Orders {
		if o.ID != "order-"+o.IdempotencyKey || attempts[o.IdempotencyKey] != 2 {
			t.Errorf("order %s came with key %s after %d attempts", o.ID, o.IdempotencyKey, attempts[o.IdempotencyKey])
		}
		if c := cookies[o.IdempotencyKey]; len(c) != 2 || c[0] != c[1] || c[1] != keyShopper[o.IdempotencyKey] || o.ShopperToken != c[1] {
			t.Errorf("key %s: cookies per attempt %v, order kept for shopper %q", o.IdempotencyKey, c, o.ShopperToken)
		}
	}
	// Two units per shopper: no shopper may have more than two orders.
	per := map[string]int{}
	for _, o := range res.Orders {
		per[o.ShopperToken]++
		if per[o.ShopperToken] > 2 {
			t.Errorf("shopper %s bought more than 2", o.ShopperToken)
		}
	}
}

func TestPairedTargetsTakeTheMedianPair(t *testing.T) {
	pair := func(met ...bool) []loadtest.Target {
		var ts []loadtest.Target
		for i, m := range met {
			ts = append(ts, loadtest.Target{What: fmt.Sprintf("t%d", i), Got: fmt.Sprint(m), Met: m})
		}
		return ts
	}
	got := loadtest.PairedTargets([][]loadtest.Target{pair(true, false, true), pair(true, true, false), pair(false, false, true)})
	want := []bool{true, false, true} // met in 2 of 3, 1 of 3, 2 of 3
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Met != w {
			t.Errorf("%s: met %v, want %v (%s)", got[i].What, got[i].Met, w, got[i].Got)
		}
	}
	if got[1].Got != "false | true | false (met in 1 of 3 pairs)" {
		t.Errorf("Got %q lists every pair's figure and the count", got[1].Got)
	}
	// Half is not a majority: two pairs split one each miss.
	if loadtest.PairedTargets([][]loadtest.Target{pair(true), pair(false)})[0].Met {
		t.Error("a target met in 1 of 2 pairs held")
	}
	if one := loadtest.PairedTargets([][]loadtest.Target{pair(false, true)}); one[0].Met || !one[1].Met || one[0].Got != "false" {
		t.Errorf("one pair judges as its own targets: %+v", one)
	}
}
