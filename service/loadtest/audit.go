package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// OrderAudit is the no-loss check of the orders a run was confirmed:
// each one must be readable by the shopper who placed it with what was
// bought, each shopper's order list must hold exactly the orders it was
// confirmed (an extra order is one nobody was told about: a shed request
// that placed an order after all, or a key that placed two), and no
// Idempotency-Key may have been confirmed with two different orders.
type OrderAudit struct {
	// Orders is the number of distinct orders confirmed, Units their units.
	Orders int
	Units  int64
	// Shoppers is the number of distinct shoppers whose lists were read.
	Shoppers int
	// Found is the orders GET /api/orders/:id returned as placed.
	Found int
	// Missing, Unexpected and DuplicateKeys count the three ways of losing
	// or inventing an order; Problems describes the first few.
	Missing, Unexpected, DuplicateKeys int
	Problems                           []string
}

// OK reports whether nothing was lost, invented or duplicated.
func (a *OrderAudit) OK() bool {
	return a.Found == a.Orders && a.Missing == 0 && a.Unexpected == 0 && a.DuplicateKeys == 0 && len(a.Problems) == 0
}

const maxProblems = 10

func (a *OrderAudit) problem(format string, args ...any) {
	if len(a.Problems) < maxProblems {
		a.Problems = append(a.Problems, fmt.Sprintf(format, args...))
	}
}

// AuditOrders reads back every confirmed order with `workers` parallel
// clients. It returns an error only when it could not do the audit at all.
func AuditOrders(ctx context.Context, baseURL string, orders []PlacedOrder, workers int) (*OrderAudit, error) {
	a := &OrderAudit{}
	byID := map[string]PlacedOrder{}
	keyOrders := map[string]map[string]bool{}
	shopperOrders := map[string]map[string]bool{}
	for _, o := range orders {
		if keyOrders[o.IdempotencyKey] == nil {
			keyOrders[o.IdempotencyKey] = map[string]bool{}
		}
		keyOrders[o.IdempotencyKey][o.ID] = true
		if prev, ok := byID[o.ID]; ok {
			// The same order confirmed twice is a replay, which is fine
			// only for the same key and shopper.
			if prev.IdempotencyKey != o.IdempotencyKey || prev.ShopperToken != o.ShopperToken {
				a.problem("order %s confirmed for two different purchases", o.ID)
			}
			continue
		}
		byID[o.ID] = o
		a.Units += int64(o.Units)
		if shopperOrders[o.ShopperToken] == nil {
			shopperOrders[o.ShopperToken] = map[string]bool{}
		}
		shopperOrders[o.ShopperToken][o.ID] = true
	}
	a.Orders, a.Shoppers = len(byID), len(shopperOrders)
	for key, ids := range keyOrders {
		if len(ids) > 1 {
			a.DuplicateKeys++
			a.problem("Idempotency-Key %s was confirmed with %d orders", key, len(ids))
		}
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	jobs := make(chan func() error)
	var wg sync.WaitGroup
	var firstErr error
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	send := func(job func() error) bool {
		select {
		case jobs <- job:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, o := range byID {
		if !send(func() error {
			var body struct {
				Order orderBody `json:"order"`
			}
			status, err := getAs(ctx, client, baseURL+"/api/orders/"+url.PathEscape(o.ID), o.ShopperToken, &body)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				return err
			case status != http.StatusOK:
				a.Missing++
				a.problem("order %s: GET /api/orders/:id answered %d to the shopper who placed it", o.ID, status)
			case body.Order.ID != o.ID || body.Order.units(o.ProductID) != o.Units:
				a.Missing++
				a.problem("order %s: read back as %+v, want %d of %s", o.ID, body.Order, o.Units, o.ProductID)
			default:
				a.Found++
			}
			return nil
		}) {
			break
		}
	}
	for token, want := range shopperOrders {
		if !send(func() error {
			got, err := listOrders(ctx, client, baseURL, token)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				return err
			}
			for _, id := range got {
				if !want[id] {
					a.Unexpected++
					a.problem("shopper with orders %v also has order %s that no 201 confirmed", keys(want), id)
				}
			}
			return nil
		}) {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, fmt.Errorf("auditing orders: %w", firstErr)
	}
	return a, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// getAs GETs u as the shopper with token and decodes a 200's body.
func getAs(ctx context.Context, client *http.Client, u, token string, into any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, into); err != nil {
			return 0, fmt.Errorf("GET %s: %w", u, err)
		}
	}
	return res.StatusCode, nil
}

// listOrders returns the ids of all of a shopper's orders, every page.
func listOrders(ctx context.Context, client *http.Client, baseURL, token string) ([]string, error) {
	var ids []string
	cursor := ""
	for range 1000 {
		u := baseURL + "/api/orders?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		var body struct {
			Orders     []orderBody `json:"orders"`
			NextCursor string      `json:"nextCursor"`
		}
		status, err := getAs(ctx, client, u, token, &body)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d", u, status)
		}
		for _, o := range body.Orders {
			ids = append(ids, o.ID)
		}
		if body.NextCursor == "" {
			return ids, nil
		}
		cursor = body.NextCursor
	}
	return nil, fmt.Errorf("a shopper's order list has more than 1000 pages")
}

// Counters are the server's own checkout counters (its /metrics): what it
// says it did, to hold against what the clients saw.
type Counters struct {
	OrdersPlaced, UnitsSold, Shed float64
}

// Sub returns c - o.
func (c Counters) Sub(o Counters) Counters {
	return Counters{c.OrdersPlaced - o.OrdersPlaced, c.UnitsSold - o.UnitsSold, c.Shed - o.Shed}
}

// ReadCounters scrapes the checkout counters of the server at baseURL.
func ReadCounters(ctx context.Context, baseURL string) (Counters, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return Counters{}, err
	}
	res, err := adminClient.Do(req)
	if err != nil {
		return Counters{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return Counters{}, fmt.Errorf("GET /metrics: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return Counters{}, fmt.Errorf("parsing /metrics: %w", err)
	}
	var c Counters
	var missing []string
	find := func(name, label, value string) float64 {
		for _, m := range fams[name].GetMetric() {
			if label == "" {
				return m.GetCounter().GetValue()
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
		missing = append(missing, name)
		return 0
	}
	c.OrdersPlaced = find("flashscale_orders_placed_total", "", "")
	c.UnitsSold = find("flashscale_units_sold_total", "", "")
	c.Shed = find("flashscale_checkout_rejections_total", "reason", "shed")
	if len(missing) > 0 {
		return c, fmt.Errorf("/metrics lacks %v", missing)
	}
	return c, nil
}
