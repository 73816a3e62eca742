package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// CrashStore is what Crash needs of a store.
type CrashStore struct {
	// Target makes an empty database for the test (a file path, a URL) and
	// returns its name; the parent and the child process share it.
	Target func(t *testing.T) string
	// Open opens a migrated store on target, in both processes, with
	// checkouts batched as the server runs them; it closes the store when t
	// ends.
	Open func(t *testing.T, target string) shop.Store
}

const crashEnv = "FLASHSCALE_STORETEST_CRASH_TARGET"

const (
	crashShoppers = 32
	crashHot      = 600 // units of p-hot: enough not to sell out before the kill
	crashAcks     = 150 // acknowledged orders before the kill
	crashCap      = 2   // p-capped per shopper
)

// Crash runs the calling test again as a child process that places orders
// from many shoppers at once and prints each order the store acknowledged,
// kills it with SIGKILL (kill -9) mid-flight, reopens the database and
// checks that every acknowledged order is there whole, that the stock
// decrease equals the units of the stored orders (no order half written,
// none lost, none oversold) and that per-shopper limits held. It must be
// called from a top-level test, which the child runs again by name.
func Crash(t *testing.T, c CrashStore) {
	if target := os.Getenv(crashEnv); target != "" {
		crashChild(t, c.Open(t, target))
		return
	}
	target := c.Target(t)
	s := c.Open(t, target)
	seed(t, s,
		shop.Product{ID: "p-hot", Name: "Hot", Price: 100, MRP: 200, Currency: shop.Currency, Stock: crashHot},
		shop.Product{ID: "p-capped", Name: "Capped", Price: 100, MRP: 200, Currency: shop.Currency, Stock: 1000, MaxPerShopper: crashCap})
	if closer, ok := s.(interface{ Close() error }); ok {
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+target)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	type ack struct{ shopper, id string }
	var acks []ack
	var killedAt int
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) != 3 || f[0] != "ACK" {
			continue // the test framework's own output
		}
		acks = append(acks, ack{f[1], f[2]})
		if len(acks) == crashAcks {
			killedAt = len(acks)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if killedAt == 0 {
		t.Fatalf("the child acknowledged only %d orders before it ended (%v)", len(acks), err)
	}
	t.Logf("killed the child after %d acknowledged orders; %d acknowledgements were already written", killedAt, len(acks))

	s = c.Open(t, target)
	for _, a := range acks {
		if _, err := s.GetOrder(t.Context(), a.shopper, a.id); err != nil {
			t.Errorf("acknowledged order %s of %s after the crash: %v", a.id, a.shopper, err)
		}
	}
	sold := map[string]int{}
	for g := range crashShoppers {
		shopper := fmt.Sprint("crash-", g)
		mine := map[string]int{}
		for _, o := range listAll(t, s, shopper) {
			for _, it := range o.Items {
				mine[it.ProductID] += it.Quantity
				sold[it.ProductID] += it.Quantity
			}
		}
		if mine["p-capped"] > crashCap {
			t.Errorf("%s holds %d of p-capped, limit %d", shopper, mine["p-capped"], crashCap)
		}
		units, err := s.PurchasedUnits(t.Context(), shopper, []string{"p-hot", "p-capped"})
		if err != nil {
			t.Fatal(err)
		}
		if units["p-hot"] != mine["p-hot"] || units["p-capped"] != mine["p-capped"] {
			t.Errorf("%s: purchases %v, orders %v", shopper, units, mine)
		}
	}
	wantStocks(t, s, map[string]int{"p-hot": crashHot - sold["p-hot"], "p-capped": 1000 - sold["p-capped"]})
	if sold["p-hot"] < killedAt {
		t.Errorf("%d units of p-hot stored for %d acknowledged orders", sold["p-hot"], killedAt)
	}
	// The store takes orders again after the crash.
	place(t, s, order("crash-after", "k", line("p-hot", 1)))
}

// crashChild places orders until it is killed, printing "ACK shopper id"
// for each one only after PlaceOrder returned it.
func crashChild(t *testing.T, s shop.Store) {
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for g := range crashShoppers {
		wg.Go(func() {
			shopper := fmt.Sprint("crash-", g)
			for i := 0; ctx.Err() == nil; i++ {
				items := []shop.LineRequest{line("p-hot", 1+i%2)}
				if i%3 == 0 {
					items = append(items, line("p-capped", 1))
				}
				o, _, err := s.PlaceOrder(ctx, order(shopper, strconv.Itoa(i), items...))
				switch shop.ErrorCode(err) {
				case "":
					mu.Lock()
					_, _ = fmt.Fprintf(os.Stdout, "ACK %s %s\n", shopper, o.ID)
					mu.Unlock()
				case shop.ESOLDOUT:
					return
				case shop.ELIMIT:
				default:
					if ctx.Err() == nil {
						t.Errorf("child checkout: %v", err)
					}
					return
				}
			}
		})
	}
	wg.Wait()
}
