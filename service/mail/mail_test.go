package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flashscale/flashscale/service/mail/smtptest"
	"github.com/flashscale/flashscale/service/postgres"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
)

// The sender is tested end to end: a real store (both of them), a real
// SMTP server (aiosmtpd), and what that server received.

func forEachStore(t *testing.T, fn func(t *testing.T, s shop.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		fn(t, s)
	})
}

func openSQLite(t *testing.T) shop.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flashscale.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var buyer = func() shop.Customer {
	r := shop.CheckoutRequest{Customer: shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "9876543210",
		AddressLine1: "12 MG Road", City: "Bengaluru", State: "Karnataka", PinCode: "560001"}}
	r.Normalize()
	return r.Customer
}()

func placeOrder(t *testing.T, s shop.Store, email string, items ...shop.LineRequest) shop.Order {
	t.Helper()
	c := buyer
	c.Email = email
	req := shop.CheckoutRequest{Items: items, Customer: c}
	o, _, err := s.PlaceOrder(t.Context(), shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: "shopper-" + email,
		IdempotencyKey: shop.NewOrderID(), RequestHash: req.Hash(), Items: items, Customer: c,
		PaymentMethod: req.Payment(), At: time.Now()})
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	return o
}

func seedCatalog(t *testing.T, s shop.Store) {
	t.Helper()
	if ok, err := s.SeedProducts(t.Context(), shop.SeedCatalog()); !ok || err != nil {
		t.Fatalf("seed: %v %v", ok, err)
	}
}

type running struct {
	*Sender
	stop func()
}

// run starts a sender on s against addr and stops it when the test ends.
func run(t *testing.T, s shop.Store, addr string, tweak ...func(*Config)) *running {
	t.Helper()
	cfg := Config{Addr: addr, From: "FlashScale <orders@mail.flashscale.test>", PollInterval: 20 * time.Millisecond,
		RetryBackoff: 200 * time.Millisecond, StoreTimeout: 10 * time.Second, Timeout: 5 * time.Second, Lease: time.Minute}
	for _, f := range tweak {
		f(&cfg)
	}
	snd, err := New(s, cfg, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { snd.Run(ctx) })
	stop := sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(stop)
	return &running{snd, stop}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exactlyOne waits for n messages, then a while longer, and fails if any
// more arrive: a duplicate would come within a few polls.
func exactly(t *testing.T, smtp *smtptest.Server, n int) []smtptest.Message {
	t.Helper()
	smtp.Wait(n, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	got := smtp.Messages()
	if len(got) != n {
		t.Fatalf("the SMTP server received %d messages, want exactly %d", len(got), n)
	}
	return got
}

func TestDeliversOneEmailPerOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, s shop.Store) {
		smtp := smtptest.Start(t)
		seedCatalog(t, s)
		o := placeOrder(t, s, "asha@example.in",
			shop.LineRequest{ProductID: "dell-inspiron-15", Quantity: 2}, shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1})
		snd := run(t, s, smtp.Addr)

		m := exactly(t, smtp, 1)[0]
		if len(m.To) != 1 || m.To[0] != "asha@example.in" {
			t.Errorf("envelope recipients %v, want asha@example.in", m.To)
		}
		if got, want := m.Header.Get("Message-Id"), "<order-"+o.ID+"@mail.flashscale.test>"; got != want {
			t.Errorf("Message-ID %q, want %q (derived from the order, for receivers to drop resends)", got, want)
		}
		if got := m.Header.Get("From"); !strings.Contains(got, "orders@mail.flashscale.test") {
			t.Errorf("From %q", got)
		}
		subject, _ := (&mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
		if !strings.Contains(subject, o.ID) {
			t.Errorf("subject %q lacks the order number %s", subject, o.ID)
		}
		if len(o.Items) != 2 {
			t.Fatalf("order items %+v", o.Items)
		}
		for _, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			for _, want := range []string{o.ID, o.Items[0].Name, o.Items[1].Name, Money(o.Total),
				Money(o.Items[0].LineTotal), Money(o.Items[1].LineTotal)} {
				if !strings.Contains(body, want) {
					t.Errorf("the email lacks %q:\n%s", want, body)
				}
			}
		}
		for _, it := range o.Items {
			if want := fmt.Sprintf("%s: %d × %s = %s", it.Name, it.Quantity, Money(it.UnitPrice), Money(it.LineTotal)); !strings.Contains(m.Text, want) {
				t.Errorf("the text lacks the line %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.Text, "Total: "+Money(o.Total)) {
			t.Errorf("the text lacks the total %s:\n%s", Money(o.Total), m.Text)
		}
		waitFor(t, "the sent counter", func() bool { return testutil.ToFloat64(snd.m.sent) == 1 })
		if n, _, err := s.EmailBacklog(t.Context()); err != nil || n != 0 {
			t.Errorf("backlog after delivery = %d, %v; want 0", n, err)
		}
		// A second order is a second email, to its own recipient.
		o2 := placeOrder(t, s, "ravi@example.in", shop.LineRequest{ProductID: "mi-power-bank-20k", Quantity: 3})
		m2 := exactly(t, smtp, 2)[1]
		if m2.To[0] != "ravi@example.in" || !strings.Contains(m2.Text, o2.ID) || !strings.Contains(m2.Text, "3 × ") {
			t.Errorf("second email to %v:\n%s", m2.To, m2.Text)
		}
	})
}

// TestOutageDelaysThenDelivers: the SMTP server is down when the order
// commits; the sender retries with backoff and delivers once it is back,
// exactly once.
func TestOutageDelaysThenDelivers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s shop.Store) {
		smtp := smtptest.New(t, 0) // not started: the outage
		seedCatalog(t, s)
		o := placeOrder(t, s, "asha@example.in", shop.LineRequest{ProductID: "sony-wh-1000xm5", Quantity: 1})
		snd := run(t, s, smtp.Addr)
		retries := func() float64 { return testutil.ToFloat64(snd.m.failures.WithLabelValues(outcomeRetry)) }
		waitFor(t, "two failed attempts", func() bool { return retries() >= 2 })
		if n, _, err := s.EmailBacklog(t.Context()); err != nil || n != 1 {
			t.Fatalf("backlog during the outage = %d, %v; want 1", n, err)
		}
		smtp.Start()
		m := exactly(t, smtp, 1)[0]
		if !strings.Contains(m.Text, o.ID) {
			t.Fatalf("delivered %q", m.Text)
		}
		if got := testutil.ToFloat64(snd.m.failures.WithLabelValues(outcomeGaveUp)); got != 0 {
			t.Errorf("gave up %v times on an outage", got)
		}
	})
}

// TestRefusedRecipientIsGivenUp: a 550 for the recipient is final (no
// retries, no backlog), and does not hold up the other emails of the batch.
func TestRefusedRecipientIsGivenUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, s shop.Store) {
		smtp := smtptest.Start(t)
		seedCatalog(t, s)
		placeOrder(t, s, "bounce@example.in", shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1})
		ok := placeOrder(t, s, "asha@example.in", shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1})
		snd := run(t, s, smtp.Addr)
		m := exactly(t, smtp, 1)[0]
		if m.To[0] != "asha@example.in" || !strings.Contains(m.Text, ok.ID) {
			t.Fatalf("delivered to %v: %s", m.To, m.Text)
		}
		waitFor(t, "the given-up count", func() bool {
			return testutil.ToFloat64(snd.m.failures.WithLabelValues(outcomeGaveUp)) == 1
		})
		time.Sleep(500 * time.Millisecond) // several polls and backoffs
		if got := testutil.ToFloat64(snd.m.failures.WithLabelValues(outcomeRetry)); got != 0 {
			t.Errorf("a refused recipient was retried %v times", got)
		}
		if n, _, err := s.EmailBacklog(t.Context()); err != nil || n != 0 {
			t.Errorf("backlog = %d, %v; want 0", n, err)
		}
	})
}

// TestStartTLSIsRequired: with STARTTLS required, a server that does not
// offer it gets nothing in clear text; the email waits.
func TestStartTLSIsRequired(t *testing.T) {
	smtp := smtptest.Start(t)
	s := openSQLite(t)
	seedCatalog(t, s)
	placeOrder(t, s, "asha@example.in", shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1})
	snd := run(t, s, smtp.Addr, func(c *Config) { c.StartTLS = true })
	waitFor(t, "a failed attempt", func() bool { return testutil.ToFloat64(snd.m.failures.WithLabelValues(outcomeRetry)) >= 1 })
	snd.stop()
	if got := smtp.Messages(); len(got) != 0 {
		t.Fatalf("sent %d messages without TLS", len(got))
	}
	if n, _, err := s.EmailBacklog(t.Context()); err != nil || n != 1 {
		t.Fatalf("backlog = %d, %v; want the email still pending", n, err)
	}
	e, err := s.ClaimEmails(t.Context(), time.Now().Add(time.Hour), time.Minute, 1)
	if err != nil || len(e) != 1 || !strings.Contains(strings.ToLower(e[0].LastError), "tls") {
		t.Fatalf("the recorded failure %+v, %v should say STARTTLS was missing", e, err)
	}
}

// TestStopReturnsAndHandsBack: Run returns promptly when its context ends
// and leaves nothing leased: the next sender takes over at once.
func TestStopReturnsAndHandsBack(t *testing.T) {
	smtp := smtptest.Start(t)
	s := openSQLite(t)
	seedCatalog(t, s)
	snd := run(t, s, smtp.Addr)
	start := time.Now()
	snd.stop()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Run took %s to stop", d)
	}
	// Claimed, then stopped before sending: handed back due now.
	placeOrder(t, s, "asha@example.in", shop.LineRequest{ProductID: "boat-airdopes-141", Quantity: 1})
	claimed, err := s.ClaimEmails(t.Context(), time.Now(), time.Minute, Batch)
	if err != nil || len(claimed) != 1 {
		t.Fatal(claimed, err)
	}
	snd.release(t.Context(), claimed)
	run(t, s, smtp.Addr)
	exactly(t, smtp, 1)
}

func TestMoney(t *testing.T) {
	for paise, want := range map[int64]string{
		0: "₹0", 100: "₹1", 99_900: "₹999", 100_000: "₹1,000", 109_900: "₹1,099", 109_950: "₹1,099.50",
		5_500_000: "₹55,000", 11_000_000: "₹1,10,000", 1_234_567_805: "₹1,23,45,678.05", 5: "₹0.05", -250_000: "-₹2,500",
	} {
		if got := Money(paise); got != want {
			t.Errorf("Money(%d) = %q, want %q", paise, got, want)
		}
	}
}

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		lo, hi  time.Duration
	}{{1, 15 * time.Second, 30 * time.Second}, {2, 30 * time.Second, time.Minute}, {4, 2 * time.Minute, 4 * time.Minute},
		{12, MaxBackoff / 2, MaxBackoff}, {1000, MaxBackoff / 2, MaxBackoff}} {
		if got := Backoff(30*time.Second, tc.attempt, 0); got != tc.lo {
			t.Errorf("attempt %d, u=0: %s, want %s", tc.attempt, got, tc.lo)
		}
		if got := Backoff(30*time.Second, tc.attempt, 0.999999); got < tc.hi-10*time.Millisecond || got >= tc.hi {
			t.Errorf("attempt %d, u→1: %s, want just under %s", tc.attempt, got, tc.hi)
		}
	}
}

// Shopper text cannot inject markup into the HTML part.
func TestRenderEscapesShopperText(t *testing.T) {
	o := shop.Order{ID: "FS-TEST", Total: 100, Currency: shop.Currency, CreatedAt: time.Date(2026, 10, 2, 3, 30, 0, 0, time.UTC),
		Customer: shop.Customer{Name: `<script>alert(1)</script>`, Address: "1 <b>Road</b>"},
		Items:    []shop.OrderItem{{Name: "A & B", Quantity: 1, UnitPrice: 100, LineTotal: 100}}}
	r := Render(o)
	if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>Road") || !strings.Contains(r.HTML, "A &amp; B") {
		t.Fatalf("unescaped HTML:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "Placed on: 2 Oct 2026, 9:00 AM IST") {
		t.Errorf("the order time is not in IST:\n%s", r.Text)
	}
}

var mimeDecoder = mime.WordDecoder{}
