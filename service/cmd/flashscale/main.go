// Command flashscale runs the FlashScale shop: the HTTP API and the
// embedded web shop on one port ("serve", the default), or checks a running
// deployment ("smoke").
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/flashscale/flashscale/service/buildinfo"
	"github.com/flashscale/flashscale/service/config"
	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/smoke"
	"github.com/flashscale/flashscale/service/web"
)

const usage = `usage: flashscale [command] [flags]

commands:
  serve     run the shop (default); configured by environment variables (see README.md)
  smoke     check a running deployment (flashscale smoke -h)
  version   print the build's version, commit and build time
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if err := serve(stderr); err != nil {
			fmt.Fprintln(stderr, "flashscale:", err)
			return 1
		}
		return 0
	case "smoke":
		return smoke.Main(args, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "flashscale %s (commit %s, built %s)\n", buildinfo.Version, buildinfo.Commit, buildinfo.BuildTime)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "flashscale: unknown command %q\n%s", cmd, usage)
	return 2
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// serve runs until SIGINT or SIGTERM, then drains: readiness fails at once,
// in-flight requests finish (bounded by FLASHSCALE_DRAIN_TIMEOUT), and only
// then does the store close.
func serve(logw io.Writer) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg, logw)
	slog.SetDefault(log)
	log.Info("starting flashscale", slog.Any("config", cfg))
	fileLimit, err := raiseFileLimit()
	if err != nil {
		return err
	}

	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	appCtx, cancelApp := context.WithCancel(context.Background())
	defer cancelApp()

	store, err := openStore(sigCtx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Seed {
		seeded, err := store.SeedProducts(sigCtx, shop.SeedCatalog())
		if err != nil {
			return fmt.Errorf("seeding catalog: %w", err)
		}
		if seeded {
			log.Info("seeded an empty catalog")
		}
	}

	if !web.Built() {
		log.Warn("web shop not built: / serves a 'run make' page; the API works")
	}
	reg := metricsRegistry(store)
	// The sender stops with the HTTP drain and before the store closes
	// (deferred earlier, so it runs later).
	emailCtx, stopEmail := context.WithCancel(context.Background())
	emailDone, err := startEmail(emailCtx, cfg, store, reg, log)
	if err != nil {
		stopEmail()
		return err
	}
	defer func() { stopEmail(); <-emailDone }()

	if cfg.DebugAddr != "" {
		stopDebug, err := startDebug(cfg.DebugAddr, log)
		if err != nil {
			return fmt.Errorf("FLASHSCALE_DEBUG_ADDR: %w", err)
		}
		defer stopDebug()
	}

	srv := fshttp.New(fshttp.Options{Config: cfg, Store: store, Logger: log, Web: web.New(), Registry: reg})
	if err := srv.Start(appCtx); err != nil {
		return fmt.Errorf("loading catalog: %w", err)
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	conns := fshttp.NewConnLimiter(connCap(cfg.MaxConns, fileLimit, cfg.DBMaxConns))
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ConnState:         conns.ConnState,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(conns.Listener(ln)) }()
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("color", cfg.Color), slog.String("version", cfg.Version),
		slog.Int("maxConns", conns.Max()), slog.Uint64("fileLimit", fileLimit), slog.Duration("idleTimeout", cfg.IdleTimeout))

	select {
	case err := <-serveErr:
		return err
	case <-sigCtx.Done():
	}
	stop() // a second signal kills the process the default way

	srv.Drain()
	stopEmail()
	log.Info("draining", slog.Duration("shutdownDelay", cfg.ShutdownDelay), slog.Duration("drainTimeout", cfg.DrainTimeout))
	time.Sleep(cfg.ShutdownDelay)
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(drainCtx); err != nil {
		log.Error("drain timed out; closing remaining connections", slog.Any("err", err))
		_ = httpSrv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	cancelApp()
	log.Info("stopped")
	return nil
}
