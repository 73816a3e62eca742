package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DataDir != "./data" || c.Color != ColorNone || c.DrainTimeout != 20*time.Second ||
		c.StoreKind() != "sqlite" || c.AccessLog != AccessLogErrors || c.CatalogRefresh != time.Second || c.DBMaxConns != 20 ||
		c.StoreTimeout != 5*time.Second || c.MaxConns != 0 || c.IdleTimeout != 75*time.Second ||
		c.EmailEnabled() || c.SMTPTLS != SMTPStartTLS || c.EmailPollInterval != 2*time.Second || c.EmailRetryBackoff != 30*time.Second ||
		c.EmailLease != 5*time.Minute || c.SMTPTimeout != 15*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DEPLOY_COLOR": "purple"}, "DEPLOY_COLOR"},
		{map[string]string{"DEPLOY_COLOR": "Blue"}, "DEPLOY_COLOR"},
		{map[string]string{"PORT": "0"}, "PORT"},
		{map[string]string{"PORT": "http"}, "PORT"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"FLASHSCALE_ADMIN_TOKEN": "short"}, "FLASHSCALE_ADMIN_TOKEN"},
		{map[string]string{"FLASHSCALE_ALLOWED_ORIGINS": "https://a.com/path"}, "FLASHSCALE_ALLOWED_ORIGINS"},
		{map[string]string{"FLASHSCALE_CATALOG_REFRESH": "5s"}, "FLASHSCALE_CATALOG_REFRESH"},
		{map[string]string{"FLASHSCALE_ACCESS_LOG": "verbose"}, "FLASHSCALE_ACCESS_LOG"},
		{map[string]string{"FLASHSCALE_DRAIN_TIMEOUT": "0s"}, "FLASHSCALE_DRAIN_TIMEOUT"},
		{map[string]string{"FLASHSCALE_STORE_TIMEOUT": "0s"}, "FLASHSCALE_STORE_TIMEOUT"},
		{map[string]string{"FLASHSCALE_STORE_TIMEOUT": "2m"}, "FLASHSCALE_STORE_TIMEOUT"},
		{map[string]string{"FLASHSCALE_MAX_CONNS": "-1"}, "FLASHSCALE_MAX_CONNS"},
		{map[string]string{"FLASHSCALE_IDLE_TIMEOUT": "0s"}, "FLASHSCALE_IDLE_TIMEOUT"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": "smtp.example.com", "FLASHSCALE_SMTP_FROM": "o@example.com"}, "FLASHSCALE_SMTP_ADDR"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": ":587", "FLASHSCALE_SMTP_FROM": "o@example.com"}, "FLASHSCALE_SMTP_ADDR"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": "smtp.example.com:587"}, "FLASHSCALE_SMTP_FROM"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": "smtp.example.com:587", "FLASHSCALE_SMTP_FROM": "not an address"}, "FLASHSCALE_SMTP_FROM"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": "smtp.example.com:587", "FLASHSCALE_SMTP_FROM": "o@example.com",
			"FLASHSCALE_SMTP_USERNAME": "u"}, "FLASHSCALE_SMTP_PASSWORD"},
		{map[string]string{"FLASHSCALE_SMTP_ADDR": "smtp.example.com:587", "FLASHSCALE_SMTP_FROM": "o@example.com",
			"FLASHSCALE_SMTP_USERNAME": "u", "FLASHSCALE_SMTP_PASSWORD": "p", "FLASHSCALE_SMTP_TLS": "none"}, "FLASHSCALE_SMTP_TLS"},
		{map[string]string{"FLASHSCALE_SMTP_TLS": "tls"}, "FLASHSCALE_SMTP_TLS"},
		{map[string]string{"FLASHSCALE_EMAIL_POLL_INTERVAL": "0s"}, "FLASHSCALE_EMAIL_POLL_INTERVAL"},
		{map[string]string{"FLASHSCALE_EMAIL_RETRY_BACKOFF": "2h"}, "FLASHSCALE_EMAIL_RETRY_BACKOFF"},
		{map[string]string{"FLASHSCALE_SMTP_TIMEOUT": "5m"}, "FLASHSCALE_SMTP_TIMEOUT"},
		{map[string]string{"FLASHSCALE_EMAIL_LEASE": "1m"}, "FLASHSCALE_EMAIL_LEASE"}, // < 10 × 15s
		{map[string]string{"FLASHSCALE_DEBUG_ADDR": "6060"}, "FLASHSCALE_DEBUG_ADDR"},
		{map[string]string{"FLASHSCALE_DEBUG_ADDR": ":6060"}, "FLASHSCALE_DEBUG_ADDR"},        // every interface
		{map[string]string{"FLASHSCALE_DEBUG_ADDR": "0.0.0.0:6060"}, "FLASHSCALE_DEBUG_ADDR"}, // every interface
		{map[string]string{"FLASHSCALE_DEBUG_ADDR": "10.0.0.5:6060"}, "FLASHSCALE_DEBUG_ADDR"},
	} {
		_, err := Parse(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c, err := Parse(map[string]string{
		"DATABASE_URL":             "postgres://app:s3cr3t-pw@db.internal:5432/shop?sslmode=require",
		"FLASHSCALE_ADMIN_TOKEN":   "admin-token-that-is-long",
		"DEPLOY_COLOR":             "green",
		"FLASHSCALE_SMTP_ADDR":     "email-smtp.ap-south-1.amazonaws.com:587",
		"FLASHSCALE_SMTP_FROM":     "FlashScale <orders@mail.example.com>",
		"FLASHSCALE_SMTP_USERNAME": "AKIAEXAMPLE",
		"FLASHSCALE_SMTP_PASSWORD": "smtp-pa55word",
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "config", c)
	out := b.String()
	for _, secret := range []string{"s3cr3t-pw", "admin-token-that-is-long", "smtp-pa55word"} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q logged: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db.internal") || !strings.Contains(out, "color=green") || !strings.Contains(out, "store=postgres") ||
		!strings.Contains(out, "smtpAddr=email-smtp.ap-south-1.amazonaws.com:587") || !strings.Contains(out, "smtpPassword=xxxxx") {
		t.Fatalf("config log lost useful values: %s", out)
	}
}

// A relay on this host may take a password without TLS (a local
// development relay); and no SMTP at all is a valid configuration.
func TestSMTPWithoutTLSOnlyOnLoopback(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]"} {
		c, err := Parse(map[string]string{"FLASHSCALE_SMTP_ADDR": host + ":2525", "FLASHSCALE_SMTP_FROM": "o@example.com",
			"FLASHSCALE_SMTP_USERNAME": "u", "FLASHSCALE_SMTP_PASSWORD": "p", "FLASHSCALE_SMTP_TLS": "none"})
		if err != nil || !c.EmailEnabled() {
			t.Errorf("%s: %v", host, err)
		}
	}
}

func TestDebugAddrIsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.1:0"} {
		c, err := Parse(map[string]string{"FLASHSCALE_DEBUG_ADDR": addr})
		if err != nil || c.DebugAddr != addr {
			t.Errorf("FLASHSCALE_DEBUG_ADDR=%s: %v", addr, err)
		}
	}
	if c, err := Parse(nil); err != nil || c.DebugAddr != "" {
		t.Errorf("the profiler must be off by default: %q, %v", c.DebugAddr, err)
	}
}
