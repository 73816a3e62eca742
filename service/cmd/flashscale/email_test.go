package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/mail/smtptest"
	"github.com/flashscale/flashscale/service/postgres"
	"github.com/flashscale/flashscale/service/postgres/pgtest"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
	"github.com/flashscale/flashscale/service/sqlite"
)

// TestConfirmationEmailSurvivesKill9: the real binary is killed with
// SIGKILL twice between an order's commit and its email, once while it
// holds the email's lease in the middle of an SMTP session and once while
// the SMTP server is down and it is retrying. After a restart with the
// server up, every order's email arrives exactly once.
func TestConfirmationEmailSurvivesKill9(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) { testEmailSurvivesKill9(t, kind) })
	}
}

func testEmailSurvivesKill9(t *testing.T, kind string) {
	smtptest.Check(t)
	data := t.TempDir()
	env := []string{"FLASHSCALE_DATA_DIR=" + data, "FLASHSCALE_ACCESS_LOG=off", "FLASHSCALE_STORE_TIMEOUT=30s"}
	openStore := func() shop.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(data, "flashscale.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if kind == "postgres" {
		url := pgtest.NewDatabase(t)
		env = append(env, "DATABASE_URL="+url)
		openStore = func() shop.Store {
			s, err := postgres.Open(t.Context(), url, 2)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}

	// Order 1 commits before any sender runs.
	s := openStore()
	if _, err := s.SeedProducts(t.Context(), shop.SeedCatalog()); err != nil {
		t.Fatal(err)
	}
	c := shop.Customer{Name: "Asha Rao", Email: "asha@example.in", Phone: "9876543210", Address: "12 MG Road, Bengaluru 560001"}
	items := []shop.LineRequest{{ProductID: "dell-inspiron-15", Quantity: 1}}
	req := shop.CheckoutRequest{Items: items, Customer: c}
	o1, _, err := s.PlaceOrder(t.Context(), shop.PlaceOrder{ID: shop.NewOrderID(), ShopperID: "shopper-1", IdempotencyKey: "k1",
		RequestHash: req.Hash(), Items: items, Customer: c, PaymentMethod: req.Payment(), At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	// 1. An SMTP server that accepts the connection and never greets: the
	// sender has claimed order 1's email and waits in the session when it
	// is killed. Its lease (10 s) keeps the email from everyone until it
	// ends.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := hole.Addr().(*net.TCPAddr).Port
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			conn, err := hole.Accept()
			if err != nil {
				return
			}
			accepted <- conn
		}
	}()
	emailEnv := append(env, "FLASHSCALE_SMTP_ADDR=127.0.0.1:"+strconv.Itoa(port), "FLASHSCALE_SMTP_FROM=FlashScale <orders@mail.flashscale.test>",
		"FLASHSCALE_SMTP_TLS=none", "FLASHSCALE_EMAIL_POLL_INTERVAL=50ms", "FLASHSCALE_EMAIL_RETRY_BACKOFF=100ms",
		"FLASHSCALE_SMTP_TIMEOUT=1s", "FLASHSCALE_EMAIL_LEASE=10s")
	p := smoketest.Start(t, emailEnv...)
	select {
	case conn := <-accepted:
		defer conn.Close()
	case <-time.After(30 * time.Second):
		t.Fatalf("the sender never connected to the SMTP server\n%s", p.Log())
	}
	kill9(t, p)
	hole.Close()
	s = openStore()
	if n, _, err := s.EmailBacklog(t.Context()); err != nil || n != 1 {
		t.Fatalf("after kill -9 the backlog is %d, %v; want order 1's email", n, err)
	}
	if e, err := s.ClaimEmails(t.Context(), time.Now(), time.Second, shop.MaxEmailClaim); err != nil || len(e) != 0 {
		t.Fatalf("the killed sender's lease should still hold order 1's email: claimed %+v, %v", e, err)
	}
	_ = s.Close()

	// 2. The SMTP server is down. A restarted instance takes order 2 over
	// HTTP, fails to deliver it (connection refused) and is killed too.
	p = smoketest.Start(t, emailEnv...)
	o2 := checkout(t, p.URL)
	waitLog(t, p, "cannot reach the SMTP server", o2)
	kill9(t, p)

	// 3. The server is back on its port; one more restart delivers both,
	// order 1 once the dead sender's lease has ended.
	smtp := smtptest.New(t, port)
	smtp.Start()
	p = smoketest.Start(t, emailEnv...)
	smtp.Wait(2, 60*time.Second)
	time.Sleep(time.Second) // a duplicate would come within a few polls
	msgs := smtp.Messages()
	var got []string
	for _, m := range msgs {
		got = append(got, m.Header.Get("X-Flashscale-Order"))
		if id := m.Header.Get("X-Flashscale-Order"); m.Header.Get("Message-Id") != "<order-"+id+"@mail.flashscale.test>" {
			t.Errorf("message for %s has Message-ID %q", id, m.Header.Get("Message-Id"))
		}
	}
	sort.Strings(got)
	want := []string{o1.ID, o2}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("delivered emails for %v, want exactly one each for %v\n%s", got, want, p.Log())
	}
	p.Stop()
	if !strings.Contains(p.Log(), "email sender stopped") {
		t.Errorf("SIGTERM did not stop the sender cleanly:\n%s", p.Log())
	}
}

func kill9(t *testing.T, p *smoketest.Server) {
	t.Helper()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the process survived SIGKILL")
	}
}

// waitLog waits for a log line that contains every one of parts.
func waitLog(t *testing.T, p *smoketest.Server, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, line := range strings.Split(p.Log(), "\n") {
			if containsAll(line, parts) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line said all of %q:\n%s", parts, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// checkout places one order through the API as a shopper does (sign up,
// then check out) and returns its id.
func checkout(t *testing.T, base string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	// Checkout needs a signed-in shopper; the session cookie stays in jar.
	if err := signUp(c, base, "ravi@example.in"); err != nil {
		t.Fatal(err)
	}
	body := `{"items":[{"productId":"boat-airdopes-141","quantity":2}],"customer":{"name":"Ravi","email":"ravi@example.in","phone":"9876543210","address":"1 Test Street, Chennai"}}`
	req, _ := http.NewRequest("POST", base+"/api/checkout", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "email-kill9")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("checkout: %d %s", res.StatusCode, b)
	}
	_, after, _ := strings.Cut(string(b), `"id":"`)
	id, _, _ := strings.Cut(after, `"`)
	return id
}
