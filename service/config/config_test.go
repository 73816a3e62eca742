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
		c.StoreTimeout != 5*time.Second || c.MaxConns != 0 || c.IdleTimeout != 75*time.Second {
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
	} {
		_, err := Parse(tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.want)
		}
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c, err := Parse(map[string]string{
		"DATABASE_URL":           "postgres://app:s3cr3t-pw@db.internal:5432/shop?sslmode=require",
		"FLASHSCALE_ADMIN_TOKEN": "admin-token-that-is-long",
		"DEPLOY_COLOR":           "green",
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "config", c)
	out := b.String()
	for _, secret := range []string{"s3cr3t-pw", "admin-token-that-is-long"} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret %q logged: %s", secret, out)
		}
	}
	if !strings.Contains(out, "db.internal") || !strings.Contains(out, "color=green") || !strings.Contains(out, "store=postgres") {
		t.Fatalf("config log lost useful values: %s", out)
	}
}
