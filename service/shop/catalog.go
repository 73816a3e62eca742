package shop

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Category is a department of the catalog. ID is what products and the
// ?category= filter carry; Name is what a shopper reads.
type Category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// categories in the order the shop shows them.
var categories = []Category{
	{"electronics", "Electronics"},
	{"mobiles", "Mobiles"},
	{"appliances", "Appliances"},
	{"fashion", "Fashion"},
	{"home", "Home & Kitchen"},
	{"beauty", "Beauty & Grooming"},
	{"sports", "Sports & Fitness"},
}

// Categories returns every category in display order.
func Categories() []Category { return slices.Clone(categories) }

// CategoryByID finds a category; ok is false for an unknown id.
func CategoryByID(id string) (Category, bool) {
	for _, c := range categories {
		if c.ID == id {
			return c, true
		}
	}
	return Category{}, false
}

// SeedCatalog is the flash-sale catalog an empty store starts with. The
// first product is the doorbuster (load tests and Locust hammer it); the
// first four are the original system's products. Images are the web shop's
// own SVGs under /images/.
func SeedCatalog() []Product {
	p := func(category, id, name, desc string, price, mrp int64, stock, maxPer int) Product {
		return Product{ID: id, Name: name, Description: desc, Category: category, ImageURL: "/images/" + id + ".svg",
			Price: price * 100, MRP: mrp * 100, Currency: Currency, Stock: stock, MaxPerShopper: maxPer}
	}
	return []Product{
		p("electronics", "dell-inspiron-15", "Dell Inspiron 15 Laptop", "15.6\" FHD, Intel Core i5, 16 GB RAM, 512 GB SSD.", 55000, 65000, 100, 2),
		p("electronics", "samsung-43-4k-tv", "Samsung 43\" 4K LED TV", "Crystal 4K UHD smart TV with HDR10+.", 38000, 48000, 150, 2),
		p("appliances", "lg-front-load-washer", "LG Front-Load Washing Machine", "8 kg, inverter direct drive, steam wash.", 32000, 39000, 80, 2),
		p("appliances", "whirlpool-double-door-fridge", "Whirlpool Double-Door Refrigerator", "340 L frost-free, convertible freezer.", 45000, 52000, 60, 2),
		p("electronics", "boat-airdopes-141", "boAt Airdopes 141", "True wireless earbuds, 42 h playback.", 1099, 4490, 1000, 5),
		p("electronics", "mi-power-bank-20k", "Mi 20000 mAh Power Bank", "Dual USB-C, 22.5 W fast charging.", 1799, 2999, 800, 5),
		p("electronics", "sony-wh-1000xm5", "Sony WH-1000XM5 Headphones", "Noise-cancelling wireless over-ear headphones.", 26990, 34990, 120, 2),
		p("appliances", "prestige-induction-cooktop", "Prestige Induction Cooktop", "2000 W, 8 preset menus, auto switch-off.", 2199, 3995, 400, 3),

		p("mobiles", "samsung-galaxy-m34", "Samsung Galaxy M34 5G", "6.5\" sAMOLED 120 Hz, 6000 mAh battery, 128 GB.", 13999, 24999, 400, 2),
		p("mobiles", "redmi-note-13-pro", "Redmi Note 13 Pro 5G", "200 MP camera, 6.67\" AMOLED, 67 W charging.", 23999, 28999, 300, 2),
		p("mobiles", "apple-iphone-15", "Apple iPhone 15", "6.1\" Super Retina XDR, A16 Bionic, 128 GB.", 64900, 79900, 50, 1),
		p("mobiles", "oneplus-nord-ce4", "OnePlus Nord CE4 5G", "Snapdragon 7 Gen 3, 100 W SUPERVOOC, 256 GB.", 22999, 26999, 250, 2),
		p("mobiles", "realme-narzo-70", "realme narzo 70 5G", "Dimensity 7050, 120 Hz AMOLED, 45 W charging.", 11999, 15999, 350, 2),
		p("electronics", "canon-eos-1500d", "Canon EOS 1500D DSLR Camera", "24.1 MP, 18–55 mm lens, Wi-Fi.", 31990, 37995, 60, 1),
		p("electronics", "apple-ipad-10", "Apple iPad (10th generation)", "10.9\" Liquid Retina, A14 Bionic, 64 GB Wi-Fi.", 29900, 34900, 90, 2),

		p("appliances", "philips-air-fryer", "Philips Air Fryer HD9200", "4.1 L, rapid air technology, 90% less fat.", 6499, 9995, 200, 2),
		p("appliances", "voltas-inverter-ac", "Voltas 1.5 Ton Inverter Split AC", "3 star, copper condenser, 4-in-1 adjustable mode.", 32990, 53990, 70, 1),
		p("appliances", "bajaj-mixer-grinder", "Bajaj Mixer Grinder 750 W", "3 stainless steel jars, overload protection.", 2299, 4000, 300, 3),
		p("appliances", "kent-ro-purifier", "KENT RO Water Purifier", "8 L tank, RO + UV + UF, mineral retention.", 13999, 20500, 100, 1),

		p("fashion", "levis-511-jeans", "Levi's 511 Slim Fit Jeans", "Stretch denim, mid rise, dark indigo.", 1799, 3599, 500, 4),
		p("fashion", "puma-running-shoes", "Puma Running Shoes", "Lightweight mesh upper, cushioned sole.", 2499, 5999, 400, 2),
		p("fashion", "fastrack-analog-watch", "Fastrack Analog Watch", "Stainless steel case, leather strap, water resistant.", 1195, 1995, 300, 3),
		p("fashion", "allen-solly-polo", "Allen Solly Polo T-Shirt", "100% cotton pique, regular fit.", 799, 1499, 600, 5),
		p("fashion", "biba-kurta-set", "BIBA Cotton Kurta Set", "Printed straight kurta with palazzo.", 1999, 3999, 250, 3),
		p("fashion", "wildcraft-backpack", "Wildcraft 35 L Backpack", "Water-resistant, padded laptop sleeve.", 1299, 2999, 350, 3),
		p("fashion", "rayban-aviator", "Ray-Ban Aviator Sunglasses", "Polarised green lenses, gold metal frame.", 6990, 9590, 80, 2),

		p("home", "wakefit-mattress", "Wakefit Orthopaedic Mattress", "Queen size, 6\" memory foam, 10-year warranty.", 8999, 16999, 90, 1),
		p("home", "cotton-bedsheet-set", "Cotton Double Bedsheet Set", "144 thread count, 2 pillow covers.", 599, 1299, 700, 5),
		p("home", "milton-thermosteel-flask", "Milton Thermosteel Flask 1 L", "Hot and cold for 24 hours, leak-proof.", 699, 1200, 800, 5),
		p("home", "pigeon-cookware-set", "Pigeon Non-Stick Cookware Set", "3 pieces, induction base, glass lid.", 1499, 3495, 300, 3),
		p("home", "godrej-office-chair", "Godrej Interio Office Chair", "Ergonomic mesh back, adjustable height.", 7499, 12999, 60, 1),
		p("home", "philips-led-bulbs", "Philips 9 W LED Bulbs (pack of 6)", "B22 base, cool daylight, 900 lumen.", 499, 900, 1000, 5),

		p("beauty", "philips-beard-trimmer", "Philips Beard Trimmer BT3221", "20 length settings, 90 min cordless use.", 1399, 2195, 400, 3),
		p("beauty", "nivea-skin-care-combo", "NIVEA Skin Care Combo", "Soft cream, body lotion and lip balm.", 449, 799, 800, 5),
		p("beauty", "mamaearth-vitamin-c-serum", "Mamaearth Vitamin C Face Serum", "30 ml, with turmeric, for glowing skin.", 399, 699, 900, 5),
		p("beauty", "havells-hair-dryer", "Havells Hair Dryer 1200 W", "2 heat settings, cool shot, foldable.", 999, 1795, 300, 3),

		p("sports", "sg-cricket-bat", "SG English Willow Cricket Bat", "Full size, thick edges, cane handle.", 3499, 5999, 120, 2),
		p("sports", "nivia-football", "Nivia Storm Football", "Size 5, 32 panels, all surfaces.", 549, 999, 500, 5),
		p("sports", "boldfit-yoga-mat", "Boldfit Yoga Mat 6 mm", "Anti-slip, with carrying strap.", 399, 999, 600, 5),
		p("sports", "hero-sprint-cycle", "Hero Sprint 26T Cycle", "18 speed, front suspension, disc brakes.", 7999, 11999, 50, 1),
	}
}

// Sort orders of a product listing. Every order lists buyable deals first
// (see Availability), then breaks ties by catalog position.
const (
	SortFeatured  = "featured" // catalog order: the shop's own ranking
	SortDiscount  = "discount" // biggest discount first
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
)

var sorts = []string{SortFeatured, SortDiscount, SortPriceAsc, SortPriceDesc}

// MaxSearchLen bounds ?q= (in characters): longer text is no search a shopper
// types, and each listing request scans the whole catalog with it.
const MaxSearchLen = 100

// ProductQuery is what GET /api/products?q=&category=&sort= asks for.
type ProductQuery struct {
	Q        string
	Category string
	Sort     string
}

// IsZero reports a query for the whole catalog in catalog order, the
// listing every shopper polls (served pre-encoded).
func (q ProductQuery) IsZero() bool { return q == ProductQuery{} }

// Normalize trims the search text and folds runs of spaces, so "  tv " and
// "tv" are the same search.
func (q *ProductQuery) Normalize() {
	q.Q = strings.Join(strings.Fields(q.Q), " ")
	q.Category = strings.TrimSpace(q.Category)
	q.Sort = strings.TrimSpace(q.Sort)
}

// Validate reports an EINVALID error naming each bad parameter.
func (q ProductQuery) Validate() error {
	fields := map[string]string{}
	switch {
	case !utf8.ValidString(q.Q):
		fields["q"] = "must be valid UTF-8 text"
	case utf8.RuneCountInString(q.Q) > MaxSearchLen:
		fields["q"] = fmt.Sprintf("must be at most %d characters", MaxSearchLen)
	}
	if _, ok := CategoryByID(q.Category); q.Category != "" && !ok {
		ids := make([]string, len(categories))
		for i, c := range categories {
			ids[i] = c.ID
		}
		fields["category"] = "must be one of " + strings.Join(ids, ", ")
	}
	if q.Sort != "" && !slices.Contains(sorts, q.Sort) {
		fields["sort"] = "must be one of " + strings.Join(sorts, ", ")
	}
	return invalid(fields, "Invalid product listing parameters.")
}

// Availability ranks a product for listings: what can be bought now comes
// first, then what is coming soon, then what sold out, then what ended.
type Availability int

// Availability ranks, best first.
const (
	Buyable Availability = iota
	ComingSoon
	SoldOut
	SaleEnded
)

// AvailabilityAt says how p can be bought at t.
func (p Product) AvailabilityAt(t time.Time) Availability {
	switch {
	case p.SaleEndsAt != nil && !t.Before(*p.SaleEndsAt):
		return SaleEnded
	case p.Stock == 0:
		return SoldOut
	case p.SaleStartsAt != nil && t.Before(*p.SaleStartsAt):
		return ComingSoon
	}
	return Buyable
}

// DiscountPercent is the advertised discount, rounded down (as the shop
// shows it) so a sort never promises more than the prices give.
func (p Product) DiscountPercent() int64 {
	if p.MRP <= 0 || p.Price >= p.MRP {
		return 0
	}
	return (p.MRP - p.Price) * 100 / p.MRP
}

// CategoryCount is a category with how many products of a listing fall in it.
type CategoryCount struct {
	Category
	Count int `json:"count"`
}

// Listing is the body of GET /api/products.
type Listing struct {
	Products []Product `json:"products"`
	// Categories counts the products matching the search text in each
	// category, ignoring the category filter, so the shop can show how many
	// results every category chip holds.
	Categories []CategoryCount `json:"categories"`
}

// List answers a query against the catalog (in catalog order) at t. The
// zero query returns the catalog in catalog order, unranked, so that the
// first product stays the doorbuster whatever its stock.
func List(catalog []Product, q ProductQuery, t time.Time) Listing {
	terms := strings.Fields(strings.ToLower(q.Q))
	counts := make(map[string]int, len(categories))
	out := make([]Product, 0, len(catalog))
	pos := make(map[string]int, len(catalog))
	for i, p := range catalog {
		if !matches(p, terms) {
			continue
		}
		counts[p.Category]++
		if q.Category != "" && p.Category != q.Category {
			continue
		}
		pos[p.ID] = i
		out = append(out, p)
	}
	if !q.IsZero() {
		slices.SortStableFunc(out, func(a, b Product) int {
			return cmp.Or(cmp.Compare(a.AvailabilityAt(t), b.AvailabilityAt(t)), byKey(a, b, q.Sort), cmp.Compare(pos[a.ID], pos[b.ID]))
		})
	}
	cats := make([]CategoryCount, len(categories))
	for i, c := range categories {
		cats[i] = CategoryCount{Category: c, Count: counts[c.ID]}
	}
	return Listing{Products: out, Categories: cats}
}

func byKey(a, b Product, sort string) int {
	switch sort {
	case SortDiscount:
		return cmp.Compare(b.DiscountPercent(), a.DiscountPercent())
	case SortPriceAsc:
		return cmp.Compare(a.Price, b.Price)
	case SortPriceDesc:
		return cmp.Compare(b.Price, a.Price)
	}
	return 0
}

// matches reports whether every search term occurs in the product's name,
// description or category name (case-insensitive): "samsung tv" finds the
// Samsung TV, not every Samsung.
func matches(p Product, terms []string) bool {
	if len(terms) == 0 {
		return true
	}
	cat, _ := CategoryByID(p.Category)
	text := strings.ToLower(p.Name + " " + p.Description + " " + cat.Name + " " + p.Category)
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}
