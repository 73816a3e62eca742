package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/postgres"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/sqlite"
)

// openStore picks PostgreSQL when DATABASE_URL is set, else the embedded
// SQLite file. Both run their migrations before returning. The HTTP layer
// bounds every call with FLASHSCALE_STORE_TIMEOUT; PostgreSQL also gets
// it as statement_timeout (and half of it as lock_timeout).
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (shop.Store, error) {
	if cfg.DatabaseURL != "" {
		log.Info("opening PostgreSQL store", slog.Int("maxConns", cfg.DBMaxConns), slog.Int("checkoutBatch", cfg.CheckoutBatch))
		batching := postgres.DefaultBatching()
		batching.MaxBatch = cfg.CheckoutBatch
		// A batch transaction is a store call like any other.
		batching.Timeout = cfg.StoreTimeout
		return postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns, postgres.WithBatching(batching),
			postgres.WithStatementTimeout(cfg.StoreTimeout))
	}
	path := filepath.Join(cfg.DataDir, "flashscale.db")
	log.Info("opening embedded SQLite store", slog.String("path", path), slog.Int("checkoutBatch", cfg.CheckoutBatch))
	batching := sqlite.DefaultBatching()
	batching.MaxBatch = cfg.CheckoutBatch
	batching.Timeout = cfg.StoreTimeout
	return sqlite.Open(ctx, path, sqlite.WithBatching(batching))
}

// metricsRegistry is the registry /metrics serves: the HTTP layer's metrics
// plus, on PostgreSQL, the connection pool's (flashscale_db_pool_*).
func metricsRegistry(store shop.Store) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	if pg, ok := store.(*postgres.Store); ok {
		reg.MustRegister(pg.Collector())
	}
	return reg
}
