package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flashscale/flashscale/service/shop"
)

// The outbox contract: exactly one confirmation email per committed order,
// none for a checkout that did not commit, and claims that lease, retry and
// finish the way the sender (service/mail) relies on.

var outboxTests = []struct {
	name string
	fn   func(t *testing.T, s shop.Store)
}{
	{"OutboxOneEmailPerOrder", testOutboxOneEmail},
	{"OutboxNothingForRejectedCheckouts", testOutboxRejected},
	{"OutboxRejectedInOneBatch", testOutboxRejectedConcurrent},
	{"OutboxLeaseRetrySent", testOutboxLease},
	{"OutboxGiveUpAndBoundedError", testOutboxGiveUp},
	{"OutboxConcurrentClaimsNeverOverlap", testOutboxConcurrentClaims},
	{"OutboxClaimBounds", testOutboxClaimBounds},
}

const lease = time.Minute

func claim(t *testing.T, s shop.Store, now time.Time, limit int) []shop.Email {
	t.Helper()
	got, err := s.ClaimEmails(t.Context(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimEmails(%v): %v", now, err)
	}
	return got
}

func wantBacklog(t *testing.T, s shop.Store, n int, oldest time.Time) {
	t.Helper()
	got, at, err := s.EmailBacklog(t.Context())
	if err != nil || got != n {
		t.Fatalf("EmailBacklog = %d, %v; want %d", got, err, n)
	}
	if oldest.IsZero() {
		if !at.IsZero() {
			t.Errorf("oldest = %v with nothing pending, want zero", at)
		}
		return
	}
	closeTo(t, "oldest pending", at, oldest)
}

func testOutboxOneEmail(t *testing.T, s shop.Store) {
	seed(t, s)
	wantBacklog(t, s, 0, time.Time{})
	p := order("shopper-1", "key-1", line("p-tv", 1), line("p-buds", 3))
	o := place(t, s, p)
	// A replay is the same order: no second email.
	if _, replayed, err := s.PlaceOrder(t.Context(), p); err != nil || !replayed {
		t.Fatalf("replay = %v, %v", replayed, err)
	}
	wantBacklog(t, s, 1, o.CreatedAt)

	now := time.Now()
	got := claim(t, s, now, shop.MaxEmailClaim)
	if len(got) != 1 {
		t.Fatalf("claimed %d emails for one order, want 1: %+v", len(got), got)
	}
	e := got[0]
	if e.Recipient != customer.Email || e.Attempt != 1 || e.LastError != "" || !reflect.DeepEqual(e.Order, o) {
		t.Fatalf("claimed %+v\nwant an email to %s with the order\n%+v", e, customer.Email, o)
	}
	closeTo(t, "email createdAt", e.CreatedAt, o.CreatedAt)
	if again := claim(t, s, now, shop.MaxEmailClaim); len(again) != 0 {
		t.Fatalf("a leased email was claimed again: %+v", again)
	}
	wantBacklog(t, s, 1, o.CreatedAt) // claimed is not delivered
}

func testOutboxRejected(t *testing.T, s shop.Store) {
	seed(t, s)
	start := time.Now().Add(time.Hour)
	if _, err := s.SetSaleWindow(t.Context(), "p-laptop", shop.SaleWindow{SaleStartsAt: &start}); err != nil {
		t.Fatal(err)
	}
	place(t, s, order("shopper-1", "cap", line("p-capped", 2)))
	if got := claim(t, s, time.Now(), shop.MaxEmailClaim); len(got) != 1 {
		t.Fatalf("claimed %d emails, want the one order's", len(got))
	}
	rejected := map[string]shop.PlaceOrder{
		shop.ESOLDOUT:      order("shopper-1", "k1", line("p-buds", 1), line("p-tv", 6)),
		shop.EINVALID:      order("shopper-1", "k2", line("p-buds", 1), line("p-ghost", 1)),
		shop.ESALEINACTIVE: order("shopper-1", "k3", line("p-buds", 1), line("p-laptop", 1)),
		shop.ELIMIT:        order("shopper-1", "k4", line("p-buds", 1), line("p-capped", 1)),
	}
	for code, p := range rejected {
		_, _, err := s.PlaceOrder(t.Context(), p)
		wantCode(t, err, code)
	}
	// The same key, now reused for a different cart, is refused too.
	_, _, err := s.PlaceOrder(t.Context(), order("shopper-1", "cap", line("p-buds", 1)))
	wantCode(t, err, shop.EIDEMPOTENCY)
	if got := claim(t, s, time.Now().Add(2*lease), shop.MaxEmailClaim); len(got) != 1 || got[0].Order.Items[0].ProductID != "p-capped" {
		t.Fatalf("after rejected checkouts the outbox holds %+v; want only the placed order's email", got)
	}
}

// testOutboxRejectedConcurrent: many checkouts of a product with few units
// at once, so that a store that groups them (PostgreSQL's batches) commits
// the winners and drops the losers in one transaction.
func testOutboxRejectedConcurrent(t *testing.T, s shop.Store) {
	seed(t, s, shop.Product{ID: "p-few", Name: "Few", Price: 100, MRP: 200, Currency: shop.Currency, Stock: 5})
	const n = 40
	ids := make([]string, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		var o shop.Order
		o, _, errs[i] = s.PlaceOrder(t.Context(), order(fmt.Sprint("few-", i), "k", line("p-few", 1)))
		ids[i] = o.ID
	})
	placed := map[string]bool{}
	for i, err := range errs {
		switch shop.ErrorCode(err) {
		case "":
			placed[ids[i]] = true
		case shop.ESOLDOUT:
		default:
			t.Fatalf("checkout %d: %v", i, err)
		}
	}
	if len(placed) != 5 {
		t.Fatalf("%d checkouts placed, want 5", len(placed))
	}
	got := claim(t, s, time.Now(), shop.MaxEmailClaim)
	emailed := map[string]bool{}
	for _, e := range got {
		emailed[e.Order.ID] = true
	}
	if len(got) != 5 || !reflect.DeepEqual(emailed, placed) {
		t.Fatalf("emails for %v (%d), want exactly the placed orders %v", emailed, len(got), placed)
	}
}

func testOutboxLease(t *testing.T, s shop.Store) {
	seed(t, s)
	o := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	// A millisecond past the truncation: truncated alone, "now" can fall
	// before the email was queued in the same millisecond, when it is not
	// due yet.
	now := time.Now().UTC().Truncate(time.Millisecond).Add(time.Millisecond)
	first := claim(t, s, now, 1)
	if len(first) != 1 || first[0].Attempt != 1 {
		t.Fatalf("first claim = %+v", first)
	}
	id := first[0].ID
	if got := claim(t, s, now.Add(lease-time.Millisecond), 1); len(got) != 0 {
		t.Fatalf("claimed within the lease: %+v", got)
	}
	// The first sender never reported back: the lease ends, the email is
	// due again as a second attempt.
	second := claim(t, s, now.Add(lease), 1)
	if len(second) != 1 || second[0].ID != id || second[0].Attempt != 2 || second[0].Order.ID != o.ID {
		t.Fatalf("claim after the lease = %+v; want attempt 2 of email %d", second, id)
	}
	// The first sender's late failure report must not cut the second
	// sender's lease short.
	if err := s.RetryEmail(t.Context(), id, 1, now.Add(lease), "stale"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, now.Add(lease+time.Millisecond), 1); len(got) != 0 {
		t.Fatalf("a stale attempt's retry rescheduled the email: %+v", got)
	}
	retryAt := now.Add(10 * time.Minute)
	if err := s.RetryEmail(t.Context(), id, 2, retryAt, "421 4.3.0 try again later"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, retryAt.Add(-time.Millisecond), 1); len(got) != 0 {
		t.Fatalf("claimed before its retry time: %+v", got)
	}
	third := claim(t, s, retryAt, 1)
	if len(third) != 1 || third[0].Attempt != 3 || third[0].LastError != "421 4.3.0 try again later" {
		t.Fatalf("claim at the retry time = %+v; want attempt 3 with the last error", third)
	}

	if err := s.MarkEmailSent(t.Context(), id, retryAt); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkEmailSent(t.Context(), id, retryAt.Add(time.Hour)); err != nil {
		t.Fatalf("marking a sent email sent again: %v", err)
	}
	// A report for the sent email changes nothing either.
	if err := s.RetryEmail(t.Context(), id, 3, retryAt, "late"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, now.Add(1000*time.Hour), shop.MaxEmailClaim); len(got) != 0 {
		t.Fatalf("a sent email was claimed again: %+v", got)
	}
	wantBacklog(t, s, 0, time.Time{})
	wantCode(t, s.MarkEmailSent(t.Context(), id+1000, now), shop.ENOTFOUND)
}

func testOutboxGiveUp(t *testing.T, s shop.Store) {
	seed(t, s)
	o1 := place(t, s, order("shopper-1", "key-1", line("p-tv", 1)))
	o2 := place(t, s, order("shopper-2", "key-1", line("p-buds", 1)))
	now := time.Now()
	got := claim(t, s, now, shop.MaxEmailClaim)
	if len(got) != 2 {
		t.Fatalf("claimed %d, want 2", len(got))
	}
	byOrder := map[string]shop.Email{got[0].Order.ID: got[0], got[1].Order.ID: got[1]}
	// The receiving server refused the first recipient for good.
	bounced := byOrder[o1.ID]
	if err := s.RetryEmail(t.Context(), bounced.ID, bounced.Attempt, time.Time{}, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}
	// A long reply with bytes no store keeps is cut and cleaned.
	long := "451 " + strings.Repeat("é", 400) + "\x00\xff" + strings.Repeat("x", 2000)
	failed := byOrder[o2.ID]
	if err := s.RetryEmail(t.Context(), failed.ID, failed.Attempt, now.Add(time.Second), long); err != nil {
		t.Fatal(err)
	}
	wantBacklog(t, s, 1, o2.CreatedAt)
	again := claim(t, s, now.Add(1000*time.Hour), shop.MaxEmailClaim)
	if len(again) != 1 || again[0].Order.ID != o2.ID {
		t.Fatalf("claimed %+v; want only the retried email, never the refused one", again)
	}
	if e := again[0].LastError; len(e) > shop.MaxEmailErrorBytes || !utf8.ValidString(e) ||
		strings.ContainsRune(e, 0) || !strings.HasPrefix(e, "451 éé") {
		t.Fatalf("stored error %q (%d bytes); want its valid start within %d bytes", e, len(e), shop.MaxEmailErrorBytes)
	}
}

// testOutboxConcurrentClaims: senders claiming at the same moment (as the
// pods of both colours do) each get different emails, and together all.
func testOutboxConcurrentClaims(t *testing.T, s shop.Store) {
	seed(t, s)
	const orders = 30
	want := map[string]bool{}
	for i := range orders {
		want[place(t, s, order(fmt.Sprint("shopper-", i), "k", line("p-buds", 1))).ID] = true
	}
	now := time.Now()
	var mu sync.Mutex
	seen := map[string]int{}
	concurrently(6, func(int) {
		for {
			got, err := s.ClaimEmails(t.Context(), now, lease, 4)
			if err != nil {
				t.Error(err)
				return
			}
			if len(got) == 0 {
				return
			}
			mu.Lock()
			for _, e := range got {
				seen[e.Order.ID]++
			}
			mu.Unlock()
		}
	})
	for id, n := range seen {
		if n != 1 || !want[id] {
			t.Errorf("order %s claimed %d times (placed: %v)", id, n, want[id])
		}
	}
	if len(seen) != orders {
		t.Errorf("claimed %d distinct emails, want %d", len(seen), orders)
	}
}

func testOutboxClaimBounds(t *testing.T, s shop.Store) {
	for _, limit := range []int{0, -1, shop.MaxEmailClaim + 1} {
		_, err := s.ClaimEmails(t.Context(), time.Now(), lease, limit)
		wantCode(t, err, shop.EINVALID)
	}
	_, err := s.ClaimEmails(t.Context(), time.Now(), 0, 1)
	wantCode(t, err, shop.EINVALID)
	if got := claim(t, s, time.Now(), 1); len(got) != 0 {
		t.Fatalf("an empty store has emails: %+v", got)
	}
}
