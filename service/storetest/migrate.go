package storetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// PreviousRelease is the previous release's SQL, run on a database that has
// only its schema and then on the one this release migrated: during a
// blue/green flip both releases share the database.
type PreviousRelease struct {
	DB *sql.DB
	// InsertProduct takes (id); InsertOrder (id, shopper, key) and returns
	// the order's seq; InsertItem (seq); SelectOrders (shopper).
	InsertProduct, InsertOrder, InsertItem, SelectOrders string
}

// CheckMigration writes the previous release's data, opens this release's
// store on it (which migrates), and checks that the old orders read back,
// that seeded products got their category, and that the previous release
// still places and reads orders on the migrated schema.
func CheckMigration(t *testing.T, prev PreviousRelease, open func() shop.Store) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"dell-inspiron-15", "old-thing"} {
		if _, err := prev.DB.ExecContext(ctx, prev.InsertProduct, id); err != nil {
			t.Fatal(err)
		}
	}
	var seq int64
	if err := prev.DB.QueryRowContext(ctx, prev.InsertOrder, "FS-OLD1", "shopper-1", "k1").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	if _, err := prev.DB.ExecContext(ctx, prev.InsertItem, seq); err != nil {
		t.Fatal(err)
	}

	s := open()
	o, err := s.GetOrder(ctx, "shopper-1", "FS-OLD1")
	want := shop.Customer{Name: "Ravi", Email: "ravi@example.in", Phone: "9876543210", Address: "4 Park Street, Kolkata"}
	if err != nil || o.Customer != want || o.PaymentMethod != "" || len(o.Items) != 1 {
		t.Fatalf("an order of the previous release reads back as %+v, %v", o, err)
	}
	if p, err := s.GetProduct(ctx, "dell-inspiron-15"); err != nil || p.Category != "electronics" {
		t.Fatalf("a seeded product gets its category: %+v, %v", p, err)
	}
	if p, err := s.GetProduct(ctx, "old-thing"); err != nil || p.Category != "" {
		t.Fatalf("an unknown product keeps no category: %+v, %v", p, err)
	}

	if err := prev.DB.QueryRowContext(ctx, prev.InsertOrder, "FS-OLD2", "shopper-1", "k2").Scan(&seq); err != nil {
		t.Fatalf("the previous release cannot place an order after the migration: %v", err)
	}
	rows, err := prev.DB.QueryContext(ctx, prev.SelectOrders, "shopper-1")
	if err != nil {
		t.Fatalf("the previous release cannot read orders after the migration: %v", err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Close(); err != nil || n != 2 {
		t.Fatalf("the previous release reads %d orders (%v), want 2", n, err)
	}
	if got, err := s.ListOrders(ctx, "shopper-1", shop.OrderPage{}); err != nil || len(got) != 2 {
		t.Fatalf("this release lists %d orders of the previous release (%v), want 2", len(got), err)
	}
	// The order the previous release placed during the flip gets its
	// confirmation email; the one from before the migration does not (it
	// would arrive long after the fact).
	emails, err := s.ClaimEmails(ctx, time.Now(), time.Minute, shop.MaxEmailClaim)
	if err != nil || len(emails) != 1 || emails[0].Order.ID != "FS-OLD2" || emails[0].Recipient != "ravi@example.in" {
		t.Fatalf("emails after the migration: %+v, %v; want one, for FS-OLD2", emails, err)
	}
}
