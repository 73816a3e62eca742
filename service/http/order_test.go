package http_test

import (
	"fmt"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

func TestOrdersListPaginatedAndPrivate(t *testing.T) {
	env := newEnv(t, nil)
	a, b := env.shopper(), env.shopper()
	var ids []string
	for i := range 5 {
		r := a.checkout(fmt.Sprintf("a-%d", i), checkoutBody(shop.LineRequest{ProductID: "mi-power-bank-20k", Quantity: 1}))
		var o orderBody
		r.decode(t, &o)
		ids = append(ids, o.Order.ID)
	}
	b.checkout("b-1", checkoutBody(shop.LineRequest{ProductID: "mi-power-bank-20k", Quantity: 1}))

	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		path := "/api/orders?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.do("GET", path, nil, nil)
		var body struct {
			Orders     []shop.Order
			NextCursor string
		}
		r.decode(t, &body)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		for _, o := range body.Orders {
			got = append(got, o.ID)
		}
		if cursor = body.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != 5 {
		t.Fatalf("listed %v, want 5 orders", got)
	}
	for i := range got { // newest first
		if got[i] != ids[len(ids)-1-i] {
			t.Fatalf("order %d is %s, want %s (newest first)", i, got[i], ids[len(ids)-1-i])
		}
	}
	for _, bad := range []string{"?limit=0", "?limit=101", "?limit=x", "?cursor=-4", "?cursor=abc"} {
		if r := a.do("GET", "/api/orders"+bad, nil, nil); r.status != 422 || r.errCode(t) != shop.EINVALID {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestOrderTrackingAdvance(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	r := s.checkout("t-1", checkoutBody(shop.LineRequest{ProductID: "mi-power-bank-20k", Quantity: 1}))
	var o orderBody
	r.decode(t, &o)
	want := []shop.Status{shop.StatusShipped, shop.StatusOutForDelivery, shop.StatusDelivered}
	for _, st := range want {
		if r := env.admin("POST", "/api/admin/orders/"+o.Order.ID+"/advance", nil); r.status != 200 {
			t.Fatalf("advance: %d %s", r.status, r.body)
		}
		r := s.do("GET", "/api/orders/"+o.Order.ID, nil, nil)
		var got orderBody
		r.decode(t, &got)
		if got.Order.Status != st || got.Order.History[len(got.Order.History)-1].Status != st {
			t.Fatalf("status %s history %+v, want %s", got.Order.Status, got.Order.History, st)
		}
	}
	if r := env.admin("POST", "/api/admin/orders/"+o.Order.ID+"/advance", nil); r.status != 409 || r.errCode(t) != shop.ECONFLICT {
		t.Fatalf("advancing a delivered order: %d %s", r.status, r.body)
	}
	if r := env.admin("POST", "/api/admin/orders/FS-NOPE/advance", nil); r.status != 404 {
		t.Fatalf("unknown order: %d %s", r.status, r.body)
	}
}
