package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// newAccount is an account as registration builds it; the hash is a
// placeholder (stores keep it as text and never look inside).
func newAccount(email string) shop.Account {
	a, err := shop.NewAccountWithHash(shop.Registration{Email: email, Name: "Asha Rao"},
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", time.Now())
	if err != nil {
		panic(err)
	}
	return a
}

func createAccount(t *testing.T, s shop.Store, email string) shop.Account {
	t.Helper()
	a := newAccount(email)
	if err := s.CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("CreateAccount(%s): %v", email, err)
	}
	return a
}

func testAccounts(t *testing.T, s shop.Store) {
	a := createAccount(t, s, "asha@example.in")
	got, err := s.AccountByEmail(t.Context(), "asha@example.in")
	if err != nil {
		t.Fatalf("AccountByEmail: %v", err)
	}
	closeTo(t, "CreatedAt", got.CreatedAt, a.CreatedAt)
	got.CreatedAt = a.CreatedAt
	if got != a {
		t.Errorf("AccountByEmail = %+v, want %+v", got, a)
	}
	if len(a.ShopperID) != 32 || a.ShopperID == a.ID {
		t.Errorf("shopper id %q: want 32 hex digits of its own", a.ShopperID)
	}

	// One email, one account: the second registration is a conflict and
	// changes nothing.
	dup := newAccount("asha@example.in")
	dup.Name = "Impostor"
	wantCode(t, s.CreateAccount(t.Context(), dup), shop.ECONFLICT)
	if got, _ := s.AccountByEmail(t.Context(), "asha@example.in"); got.Name != "Asha Rao" || got.ID != a.ID {
		t.Errorf("after a duplicate registration the account is %+v", got)
	}

	_, err = s.AccountByEmail(t.Context(), "nobody@example.in")
	wantCode(t, err, shop.ENOTFOUND)
	_, err = s.AccountByEmail(t.Context(), "bad\x00@example.in")
	wantCode(t, err, shop.ENOTFOUND)
}

func testSessions(t *testing.T, s shop.Store) {
	ctx := t.Context()
	a := createAccount(t, s, "ravi@example.in")
	const idle, absolute = time.Hour, 24 * time.Hour
	now := time.Now().UTC().Truncate(time.Millisecond)
	tok, ss := shop.NewSession(a.ID, now, idle, absolute)
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.GetSession(ctx, shop.SessionTokenHash(tok), now.Add(time.Minute))
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if got.Account.ShopperID != a.ShopperID || got.Account.Email != a.Email || got.AccountID != a.ID {
		t.Errorf("session's account = %+v, want %+v", got.Account, a)
	}
	closeTo(t, "IdleExpiresAt", got.IdleExpiresAt, now.Add(idle))
	closeTo(t, "ExpiresAt", got.ExpiresAt, now.Add(absolute))

	// The token itself is not the key: only its hash finds the session.
	_, err = s.GetSession(ctx, tok, now)
	wantCode(t, err, shop.ENOTFOUND)

	// Idle expiry: unused for longer than idle, the session is gone ...
	_, err = s.GetSession(ctx, ss.TokenHash, now.Add(idle+time.Second))
	wantCode(t, err, shop.ENOTFOUND)
	// ... unless it was used: a touch pushes the idle expiry forward.
	if err := s.TouchSession(ctx, ss.TokenHash, now.Add(50*time.Minute+idle)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	if _, err := s.GetSession(ctx, ss.TokenHash, now.Add(idle+time.Second)); err != nil {
		t.Errorf("touched session at its old idle expiry: %v", err)
	}
	// A touch never moves it past the absolute expiry, and that ends it
	// however active the shopper is.
	if err := s.TouchSession(ctx, ss.TokenHash, now.Add(absolute+idle)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	got, err = s.GetSession(ctx, ss.TokenHash, now.Add(absolute-time.Second))
	if err != nil {
		t.Fatalf("GetSession before the absolute expiry: %v", err)
	}
	closeTo(t, "IdleExpiresAt after a late touch", got.IdleExpiresAt, now.Add(absolute))
	_, err = s.GetSession(ctx, ss.TokenHash, now.Add(absolute+time.Second))
	wantCode(t, err, shop.ENOTFOUND)

	// Revocation: gone at once, and signing out twice is fine.
	tok2, ss2 := shop.NewSession(a.ID, now, idle, absolute)
	if tok2 == tok || ss2.TokenHash == ss.TokenHash {
		t.Fatal("two sign-ins got the same token")
	}
	if err := s.CreateSession(ctx, ss2); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if err := s.DeleteSession(ctx, ss2.TokenHash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.GetSession(ctx, ss2.TokenHash, now)
	wantCode(t, err, shop.ENOTFOUND)
	if err := s.DeleteSession(ctx, ss2.TokenHash); err != nil {
		t.Errorf("DeleteSession twice: %v", err)
	}
	// The other session of the account is untouched by that sign-out.
	if _, err := s.GetSession(ctx, ss.TokenHash, now); err != nil {
		t.Errorf("the account's other session after a sign-out: %v", err)
	}
	// Touching a revoked session does not bring it back.
	if err := s.TouchSession(ctx, ss2.TokenHash, now.Add(idle)); err != nil {
		t.Errorf("TouchSession of a revoked session: %v", err)
	}
	if _, err = s.GetSession(ctx, ss2.TokenHash, now); shop.ErrorCode(err) != shop.ENOTFOUND {
		t.Errorf("revoked session after a touch: %v; want not found", err)
	}

	// A session needs an account.
	_, orphan := shop.NewSession("no-such-account", now, idle, absolute)
	wantCode(t, s.CreateSession(ctx, orphan), shop.ENOTFOUND)
}

// A sign-in drops the account's sessions that have expired, so the table
// does not grow with every sign-in of a shopper who never signs out; the
// ones still active stay.
func testExpiredSessionsDropped(t *testing.T, s shop.Store) {
	ctx := t.Context()
	a := createAccount(t, s, "meera@example.in")
	now := time.Now().UTC()
	_, old := shop.NewSession(a.ID, now.Add(-2*time.Hour), time.Hour, 24*time.Hour)
	_, live := shop.NewSession(a.ID, now.Add(-time.Minute), time.Hour, 24*time.Hour)
	for _, ss := range []shop.Session{live, old} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	// The old session is still there for a clock that says it is active...
	if _, err := s.GetSession(ctx, old.TokenHash, now.Add(-90*time.Minute)); err != nil {
		t.Fatalf("old session before the next sign-in: %v", err)
	}
	_, fresh := shop.NewSession(a.ID, now, time.Hour, 24*time.Hour)
	if err := s.CreateSession(ctx, fresh); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	// ... and gone from the store after the next sign-in.
	_, err := s.GetSession(ctx, old.TokenHash, now.Add(-90*time.Minute))
	wantCode(t, err, shop.ENOTFOUND)
	for _, ss := range []shop.Session{live, fresh} {
		if _, err := s.GetSession(ctx, ss.TokenHash, now); err != nil {
			t.Errorf("active session dropped by a sign-in: %v", err)
		}
	}
	// A pod's clock may still call the dropped session active: it is in
	// the revocation feed like a sign-out, so no pod's cache keeps it.
	if got, _ := revocations(t, s, time.Time{}); !slices.Equal(got, []string{old.TokenHash}) {
		t.Errorf("revocations after a sign-in dropped an expired session: %v; want exactly that one", got)
	}
}

// Two devices of one account buy the same capped product at the same
// moment: each resolves its own session to the account's one shopper id,
// and however the checkouts interleave the account never gets more than
// the cap, with stock taken exactly for what was sold.
func testAccountCapAcrossSessions(t *testing.T, s shop.Store) {
	ctx := t.Context()
	seed(t, s)
	a := createAccount(t, s, "dev@example.in")
	now := time.Now()
	var shoppers [2]string
	for i := range shoppers {
		_, ss := shop.NewSession(a.ID, now, time.Hour, 24*time.Hour)
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		got, err := s.GetSession(ctx, ss.TokenHash, now)
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
		shoppers[i] = got.Account.ShopperID
	}
	if shoppers[0] != shoppers[1] || shoppers[0] != a.ShopperID {
		t.Fatalf("two sessions of one account resolve to shoppers %q and %q", shoppers[0], shoppers[1])
	}
	const perDevice = 10
	errs := make([]error, 2*perDevice)
	concurrently(len(errs), func(i int) {
		_, _, errs[i] = s.PlaceOrder(ctx, order(shoppers[i%2], fmt.Sprintf("device-%d-key-%d", i%2, i), line("p-capped", 1)))
	})
	placed := placedWithinCap(t, errs)
	if placed != 2 {
		t.Errorf("%d orders from two devices of one account passed a cap of 2", placed)
	}
	wantStocks(t, s, map[string]int{"p-capped": 98})
	bought, err := s.PurchasedUnits(ctx, a.ShopperID, []string{"p-capped"})
	if err != nil || bought["p-capped"] != 2 {
		t.Errorf("PurchasedUnits = %v, %v; want 2", bought, err)
	}
}

// placedWithinCap counts the checkouts that placed an order; the others
// must have been refused for the per-shopper cap, nothing else.
func placedWithinCap(t *testing.T, errs []error) int {
	t.Helper()
	placed := 0
	for _, err := range errs {
		switch shop.ErrorCode(err) {
		case "":
			placed++
		case shop.ELIMIT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	return placed
}
