package shop

// SeedCatalog is the flash-sale catalog an empty store starts with. The
// first four are the original system's products; images are the web shop's
// own SVGs under /images/.
func SeedCatalog() []Product {
	p := func(id, name, desc string, price, mrp int64, stock, maxPer int) Product {
		return Product{ID: id, Name: name, Description: desc, ImageURL: "/images/" + id + ".svg",
			Price: price * 100, MRP: mrp * 100, Currency: Currency, Stock: stock, MaxPerShopper: maxPer}
	}
	return []Product{
		p("dell-inspiron-15", "Dell Inspiron 15 Laptop", "15.6\" FHD, Intel Core i5, 16 GB RAM, 512 GB SSD.", 55000, 65000, 100, 2),
		p("samsung-43-4k-tv", "Samsung 43\" 4K LED TV", "Crystal 4K UHD smart TV with HDR10+.", 38000, 48000, 150, 2),
		p("lg-front-load-washer", "LG Front-Load Washing Machine", "8 kg, inverter direct drive, steam wash.", 32000, 39000, 80, 2),
		p("whirlpool-double-door-fridge", "Whirlpool Double-Door Refrigerator", "340 L frost-free, convertible freezer.", 45000, 52000, 60, 2),
		p("boat-airdopes-141", "boAt Airdopes 141", "True wireless earbuds, 42 h playback.", 1099, 4490, 1000, 5),
		p("mi-power-bank-20k", "Mi 20000 mAh Power Bank", "Dual USB-C, 22.5 W fast charging.", 1799, 2999, 800, 5),
		p("sony-wh-1000xm5", "Sony WH-1000XM5 Headphones", "Noise-cancelling wireless over-ear headphones.", 26990, 34990, 120, 2),
		p("prestige-induction-cooktop", "Prestige Induction Cooktop", "2000 W, 8 preset menus, auto switch-off.", 2199, 3995, 400, 3),
	}
}
