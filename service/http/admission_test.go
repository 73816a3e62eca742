package http_test

import (
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/shop"
)

// Admission control is visible: slots in use out of the limit, and the wait
// for a slot of admitted and of shed checkouts.
func TestAdmissionMetrics(t *testing.T) {
	env := newEnv(t, func(c *config.Config) { c.CheckoutMaxInFlight, c.CheckoutQueueWait = 2, 30*time.Millisecond })
	gather := func() map[string][]*dto.Metric {
		t.Helper()
		mfs, err := env.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]*dto.Metric{}
		for _, mf := range mfs {
			out[mf.GetName()] = mf.GetMetric()
		}
		return out
	}
	gauge := func(name string) float64 {
		t.Helper()
		ms := gather()[name]
		if len(ms) != 1 {
			t.Fatalf("%s: %d series, want 1", name, len(ms))
		}
		return ms[0].GetGauge().GetValue()
	}
	wait := func(result string) *dto.Histogram {
		t.Helper()
		for _, m := range gather()["flashscale_checkout_admission_wait_seconds"] {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetHistogram()
				}
			}
		}
		t.Fatalf("flashscale_checkout_admission_wait_seconds{result=%q} missing", result)
		return nil
	}

	if got := gauge("flashscale_checkout_admission_limit"); got != 2 {
		t.Errorf("limit = %v, want FLASHSCALE_CHECKOUT_MAX_INFLIGHT = 2", got)
	}
	if got := gauge("flashscale_checkout_admission_in_use"); got != 0 {
		t.Errorf("in use = %v while idle, want 0", got)
	}
	// Both results exist before any checkout, so ratio panels read 0.
	if wait("admitted").GetSampleCount() != 0 || wait("shed").GetSampleCount() != 0 {
		t.Error("admission waits observed before any checkout")
	}

	release := env.server.HoldCheckoutSlots(2)
	if got := gauge("flashscale_checkout_admission_in_use"); got != 2 {
		t.Errorf("in use = %v with both slots held, want 2", got)
	}
	product := firstInStock(t, env)
	if r := env.shopper().checkout("shed-1", checkoutBody(shop.LineRequest{ProductID: product, Quantity: 1})); r.status != 503 {
		t.Fatalf("checkout with every slot held: %d %s, want 503", r.status, r.body)
	}
	shed := wait("shed")
	if shed.GetSampleCount() != 1 || shed.GetSampleSum() < 0.03 {
		t.Errorf("shed wait: %d samples, sum %vs; want 1 sample of at least the 30ms queue wait", shed.GetSampleCount(), shed.GetSampleSum())
	}
	release()

	if r := env.shopper().checkout("ok-1", checkoutBody(shop.LineRequest{ProductID: product, Quantity: 1})); r.status != 201 {
		t.Fatalf("checkout with free slots: %d %s", r.status, r.body)
	}
	if got := wait("admitted").GetSampleCount(); got != 1 {
		t.Errorf("admitted waits = %d, want 1", got)
	}
	if got := gauge("flashscale_checkout_admission_in_use"); got != 0 {
		t.Errorf("in use = %v after the checkout, want 0", got)
	}
}

// firstInStock returns a product the catalog lists in stock and on sale.
func firstInStock(t *testing.T, env *testEnv) string {
	t.Helper()
	var body struct{ Products []shop.Product }
	env.shopper().do("GET", "/api/products", nil, nil).decode(t, &body)
	for _, p := range body.Products {
		if p.Stock > 0 && p.Active(time.Now()) {
			return p.ID
		}
	}
	t.Fatal("no product in stock")
	return ""
}
