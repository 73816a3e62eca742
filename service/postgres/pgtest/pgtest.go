// Package pgtest gives tests a throwaway PostgreSQL database on the server
// named by FLASHSCALE_TEST_POSTGRES_URL, so tests run against the real thing
// and never see each other's data, even when several test binaries share the
// server at once.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server used when FLASHSCALE_TEST_POSTGRES_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// BaseURL returns the URL of the server (and maintenance database) tests
// create their databases on.
func BaseURL() string {
	if u := os.Getenv("FLASHSCALE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Required reports whether a missing server must fail tests rather than skip
// them: in CI, or when FLASHSCALE_REQUIRE_POSTGRES=1.
func Required() bool {
	ci := strings.ToLower(os.Getenv("CI"))
	return (ci != "" && ci != "false" && ci != "0") || os.Getenv("FLASHSCALE_REQUIRE_POSTGRES") == "1"
}

// NewDatabase creates an empty database with a random name and returns its
// URL; the database is dropped when the test ends. If the server cannot be
// reached the test fails when Required, and is skipped otherwise.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	base := BaseURL()
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("FLASHSCALE_TEST_POSTGRES_URL must be a postgres:// URL, got %q", redact(base))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s (set FLASHSCALE_TEST_POSTGRES_URL): %v", redact(base), err)
		if Required() {
			tb.Fatal(msg)
		}
		tb.Skip("SKIPPING POSTGRESQL TESTS: " + msg + " (this fails instead when CI is set or FLASHSCALE_REQUIRE_POSTGRES=1)")
	}
	defer admin.Close(context.Background())

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "flashscale_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE ends sessions a failed test may have leaked.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
