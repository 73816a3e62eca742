package shop_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

func TestSeedCatalog(t *testing.T) {
	seed := shop.SeedCatalog()
	if len(seed) < 35 || len(seed) > 45 {
		t.Fatalf("%d seed products, want about 40", len(seed))
	}
	// Load tests, Locust and the smoke check treat the first product as the
	// doorbuster.
	if seed[0].ID != "dell-inspiron-15" {
		t.Fatalf("first product %s, want the doorbuster dell-inspiron-15", seed[0].ID)
	}
	ids := map[string]bool{}
	perCategory := map[string]int{}
	for _, p := range seed {
		if ids[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		if _, ok := shop.CategoryByID(p.Category); !ok {
			t.Errorf("%s: unknown category %q", p.ID, p.Category)
		}
		perCategory[p.Category]++
		if p.Price <= 0 || p.Price >= p.MRP || p.Stock <= 0 || p.MaxPerShopper < 1 || p.MaxPerShopper > shop.MaxQuantityPerLine {
			t.Errorf("%s: price %d mrp %d stock %d cap %d", p.ID, p.Price, p.MRP, p.Stock, p.MaxPerShopper)
		}
		if p.ImageURL != "/images/"+p.ID+".svg" {
			t.Errorf("%s: image %s", p.ID, p.ImageURL)
		}
		// The web shop ships every seed image.
		if _, err := os.Stat("../../webapp/public" + p.ImageURL); err != nil {
			t.Errorf("%s: %v", p.ID, err)
		}
	}
	for _, c := range shop.Categories() {
		if perCategory[c.ID] < 3 {
			t.Errorf("category %s has %d products, want at least 3", c.ID, perCategory[c.ID])
		}
	}
}

func TestProductQueryValidate(t *testing.T) {
	for _, tc := range []struct {
		q      shop.ProductQuery
		fields []string
	}{
		{shop.ProductQuery{}, nil},
		{shop.ProductQuery{Q: "tv", Category: "electronics", Sort: "discount"}, nil},
		{shop.ProductQuery{Q: strings.Repeat("é", shop.MaxSearchLen)}, nil},
		{shop.ProductQuery{Q: strings.Repeat("é", shop.MaxSearchLen+1)}, []string{"q"}},
		{shop.ProductQuery{Q: "bad\xff"}, []string{"q"}},
		{shop.ProductQuery{Category: "toys"}, []string{"category"}},
		{shop.ProductQuery{Category: "Electronics"}, []string{"category"}},
		{shop.ProductQuery{Sort: "cheapest", Category: "x"}, []string{"category", "sort"}},
	} {
		err := tc.q.Validate()
		if tc.fields == nil {
			if err != nil {
				t.Errorf("%+v: %v", tc.q, err)
			}
			continue
		}
		f := fieldsOf(err)
		if shop.ErrorCode(err) != shop.EINVALID || len(f) != len(tc.fields) {
			t.Errorf("%+v: %v, want fields %v", tc.q, err, tc.fields)
		}
		for _, name := range tc.fields {
			if f[name] == "" {
				t.Errorf("%+v: no message for %s", tc.q, name)
			}
		}
	}
	q := shop.ProductQuery{Q: "  samsung \t tv  ", Category: " mobiles ", Sort: " discount"}
	q.Normalize()
	if q != (shop.ProductQuery{Q: "samsung tv", Category: "mobiles", Sort: "discount"}) {
		t.Fatalf("normalized %+v", q)
	}
}

func ids(ps []shop.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestList(t *testing.T) {
	now := time.Date(2026, 10, 3, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	catalog := []shop.Product{
		{ID: "tv", Name: "Samsung TV", Category: "electronics", Price: 300, MRP: 400, Stock: 5},    // 25%
		{ID: "phone", Name: "Samsung Galaxy", Category: "mobiles", Price: 100, MRP: 400, Stock: 5}, // 75%
		{ID: "sold", Name: "Sony TV", Category: "electronics", Price: 50, MRP: 100, Stock: 0},      // 50%, sold out
		{ID: "ended", Name: "LG TV", Category: "electronics", Price: 10, MRP: 100, Stock: 5, // 90%, ended
			SaleWindow: shop.SaleWindow{SaleEndsAt: &past}},
		{ID: "soon", Name: "Onida TV", Description: "Smart", Category: "electronics", Price: 200, MRP: 250, Stock: 5, // 20%, upcoming
			SaleWindow: shop.SaleWindow{SaleStartsAt: &future}},
		{ID: "jeans", Name: "Levi's Jeans", Category: "fashion", Price: 20, MRP: 40, Stock: 5}, // 50%
	}
	for _, tc := range []struct {
		name string
		q    shop.ProductQuery
		want string
	}{
		// The whole catalog, unranked: the first product stays first
		// whatever its stock (the doorbuster).
		{"zero query", shop.ProductQuery{}, "tv phone sold ended soon jeans"},
		{"featured", shop.ProductQuery{Sort: shop.SortFeatured}, "tv phone jeans soon sold ended"},
		{"search", shop.ProductQuery{Q: "TV"}, "tv soon sold ended"},
		{"every word", shop.ProductQuery{Q: "samsung tv"}, "tv"},
		{"description", shop.ProductQuery{Q: "smart"}, "soon"},
		{"category name", shop.ProductQuery{Q: "fashion"}, "jeans"},
		{"category", shop.ProductQuery{Category: "electronics"}, "tv soon sold ended"},
		{"discount", shop.ProductQuery{Sort: shop.SortDiscount}, "phone jeans tv soon sold ended"},
		{"price up", shop.ProductQuery{Sort: shop.SortPriceAsc}, "jeans phone tv soon sold ended"},
		{"price down", shop.ProductQuery{Sort: shop.SortPriceDesc}, "tv phone jeans soon sold ended"},
		{"nothing", shop.ProductQuery{Q: "refrigerator"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := shop.List(catalog, tc.q, now)
			if s := strings.Join(ids(got.Products), " "); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}

	l := shop.List(catalog, shop.ProductQuery{Q: "samsung", Category: "mobiles"}, now)
	counts := map[string]int{}
	for _, c := range l.Categories {
		counts[c.ID] = c.Count
	}
	if len(l.Categories) != len(shop.Categories()) || counts["electronics"] != 1 || counts["mobiles"] != 1 || counts["fashion"] != 0 {
		t.Fatalf("categories count the search across every category: %+v", l.Categories)
	}
	if l.Categories[0].Name != "Electronics" {
		t.Fatalf("categories carry their names: %+v", l.Categories[0])
	}
}

func TestAvailability(t *testing.T) {
	now := time.Now()
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	for _, tc := range []struct {
		p    shop.Product
		want shop.Availability
	}{
		{shop.Product{Stock: 1}, shop.Buyable},
		{shop.Product{Stock: 1, SaleWindow: shop.SaleWindow{SaleStartsAt: &past, SaleEndsAt: &future}}, shop.Buyable},
		{shop.Product{Stock: 0}, shop.SoldOut},
		{shop.Product{Stock: 1, SaleWindow: shop.SaleWindow{SaleStartsAt: &future}}, shop.ComingSoon},
		{shop.Product{Stock: 0, SaleWindow: shop.SaleWindow{SaleEndsAt: &past}}, shop.SaleEnded},
	} {
		if got := tc.p.AvailabilityAt(now); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.p, got, tc.want)
		}
	}
	if d := (shop.Product{Price: 109_900, MRP: 449_000}).DiscountPercent(); d != 75 {
		t.Errorf("discount %d, want 75 (rounded down)", d)
	}
}
