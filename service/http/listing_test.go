package http_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

func listing(t *testing.T, s *shopper, query string) shop.Listing {
	t.Helper()
	r := s.do("GET", "/api/products?"+query, nil, nil)
	if r.status != 200 {
		t.Fatalf("?%s: %d %s", query, r.status, r.body)
	}
	var l shop.Listing
	r.decode(t, &l)
	return l
}

func productIDs(ps []shop.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestListProductsSearchCategoryAndSort(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	all := listing(t, s, "")
	if len(all.Products) != len(shop.SeedCatalog()) || all.Products[0].ID != "dell-inspiron-15" {
		t.Fatalf("the plain listing is the catalog in order, doorbuster first: %v", productIDs(all.Products))
	}
	if len(all.Categories) != len(shop.Categories()) || all.Categories[0].ID != "electronics" || all.Categories[0].Count != 7 {
		t.Fatalf("categories %+v", all.Categories)
	}
	if all.Products[0].Category != "electronics" {
		t.Fatalf("products carry their category: %+v", all.Products[0])
	}

	// Search matches every word, in any field, in any case.
	got := listing(t, s, "q="+url.QueryEscape("  SAMSUNG   tv "))
	if ids := productIDs(got.Products); len(ids) != 1 || ids[0] != "samsung-43-4k-tv" {
		t.Fatalf("samsung tv: %v", ids)
	}
	mobiles := listing(t, s, "category=mobiles")
	if len(mobiles.Products) != 5 {
		t.Fatalf("mobiles: %v", productIDs(mobiles.Products))
	}
	for _, p := range mobiles.Products {
		if p.Category != "mobiles" {
			t.Fatalf("%s in mobiles", p.ID)
		}
	}
	// Counts per category follow the search, not the category filter.
	both := listing(t, s, "q=samsung&category=mobiles")
	counts := map[string]int{}
	for _, c := range both.Categories {
		counts[c.ID] = c.Count
	}
	if len(both.Products) != 1 || counts["mobiles"] != 1 || counts["electronics"] != 1 {
		t.Fatalf("samsung in mobiles: %v, counts %v", productIDs(both.Products), counts)
	}
	if none := listing(t, s, "q=refrigerator+unicorn"); len(none.Products) != 0 || none.Products == nil {
		t.Fatalf("no results must be an empty list: %+v", none.Products)
	}

	// Sold-out and ended deals sort after buyable ones, whatever the order.
	env.admin("PUT", "/api/admin/products/apple-iphone-15/stock", map[string]int{"stock": 0})
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	env.admin("PUT", "/api/admin/products/realme-narzo-70/sale", map[string]string{"saleEndsAt": past})
	byPrice := productIDs(listing(t, s, "category=mobiles&sort=price_desc").Products)
	if want := "redmi-note-13-pro oneplus-nord-ce4 samsung-galaxy-m34 apple-iphone-15 realme-narzo-70"; strings.Join(byPrice, " ") != want {
		t.Fatalf("price_desc: %v, want %s", byPrice, want)
	}
	byPrice = productIDs(listing(t, s, "category=mobiles&sort=price_asc").Products)
	if want := "samsung-galaxy-m34 oneplus-nord-ce4 redmi-note-13-pro apple-iphone-15 realme-narzo-70"; strings.Join(byPrice, " ") != want {
		t.Fatalf("price_asc: %v, want %s", byPrice, want)
	}
	discount := listing(t, s, "sort=discount").Products
	for i := 1; i < len(discount); i++ {
		a, b := discount[i-1], discount[i]
		if a.AvailabilityAt(time.Now()) == b.AvailabilityAt(time.Now()) && a.DiscountPercent() < b.DiscountPercent() {
			t.Fatalf("discount order: %s (%d%%) before %s (%d%%)", a.ID, a.DiscountPercent(), b.ID, b.DiscountPercent())
		}
	}
	if last := discount[len(discount)-1].ID; last != "realme-narzo-70" {
		t.Fatalf("the ended deal sorts last, got %s", last)
	}
	// The plain listing is not reordered: the doorbuster stays first even
	// when it sells out (load tests rely on it).
	env.admin("PUT", "/api/admin/products/dell-inspiron-15/stock", map[string]int{"stock": 0})
	if first := listing(t, s, "").Products[0].ID; first != "dell-inspiron-15" {
		t.Fatalf("first product %s", first)
	}
}

func TestListProductsRejectsBadParameters(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	for _, tc := range []struct {
		query  string
		status int
		code   string
		field  string
	}{
		{"q=" + strings.Repeat("a", shop.MaxSearchLen+1), 422, shop.EINVALID, "q"},
		{"q=" + url.QueryEscape(strings.Repeat("अ", shop.MaxSearchLen+1)), 422, shop.EINVALID, "q"},
		{"q=%FF%FE", 422, shop.EINVALID, "q"},
		{"category=toys", 422, shop.EINVALID, "category"},
		{"category=../etc", 422, shop.EINVALID, "category"},
		{"sort=cheapest", 422, shop.EINVALID, "sort"},
		{"sort=price_asc&sort=discount", 400, shop.EMALFORMED, "sort"},
		{"q=a&q=b", 400, shop.EMALFORMED, "q"},
		{"q=%zz", 400, shop.EMALFORMED, ""},
	} {
		r := s.do("GET", "/api/products?"+tc.query, nil, nil)
		if r.status != tc.status || r.errCode(t) != tc.code {
			t.Errorf("?%.40s: %d %s", tc.query, r.status, r.body)
			continue
		}
		var body struct{ Error shop.Error }
		r.decode(t, &body)
		if tc.field != "" && body.Error.Fields[tc.field] == "" {
			t.Errorf("?%.40s: fields %v do not name %s", tc.query, body.Error.Fields, tc.field)
		}
	}
	// Within the bounds, and with parameters this API does not know.
	for _, ok := range []string{"q=" + strings.Repeat("a", shop.MaxSearchLen), "utm_source=mail", "q=&category=&sort=", "sort=featured"} {
		if r := s.do("GET", "/api/products?"+ok, nil, nil); r.status != 200 {
			t.Errorf("?%.40s: %d %s", ok, r.status, r.body)
		}
	}
}

func TestFilteredListingHasETagAndGzip(t *testing.T) {
	env := newEnv(t, nil)
	s := env.shopper()
	plain := s.do("GET", "/api/products", nil, nil)
	// Empty or unknown parameters are the plain listing, pre-encoded.
	if r := s.do("GET", "/api/products?q=&utm=x", nil, nil); r.header.Get("ETag") != plain.header.Get("ETag") || string(r.body) != string(plain.body) {
		t.Fatal("an empty query must be the plain listing")
	}
	r := s.do("GET", "/api/products?category=fashion", nil, nil)
	etag := r.header.Get("ETag")
	if etag == "" || etag == plain.header.Get("ETag") {
		t.Fatalf("filtered ETag %q", etag)
	}
	if nm := s.do("GET", "/api/products?category=fashion", nil, map[string]string{"If-None-Match": etag}); nm.status != http.StatusNotModified {
		t.Fatalf("revalidating a filtered listing: %d", nm.status)
	}
	var l shop.Listing
	if err := json.Unmarshal(gunzipGet(t, env, "/api/products?sort=discount"), &l); err != nil || len(l.Products) != len(shop.SeedCatalog()) {
		t.Fatalf("gunzipped: %v, %d products", err, len(l.Products))
	}
}
