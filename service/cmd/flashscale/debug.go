package main

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves Go's profiler on addr (FLASHSCALE_DEBUG_ADDR, loopback
// only, validated by config) until stopped. It has its own listener and
// mux, so nothing of it is reachable through the shop's port, and its own
// timeouts: a CPU profile or trace holds its response for ?seconds=. It
// stops when the returned function is called.
func startDebug(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		// pprof refuses a ?seconds= longer than this.
		WriteTimeout: 2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug listener stopped", slog.Any("err", err))
		}
	}()
	log.Info("profiler listening", slog.String("addr", ln.Addr().String()))
	return func() {
		_ = srv.Close() // a profile in progress is cut off: the process is exiting
		<-done
	}, nil
}
