package http

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

func (s *Server) buildInfo(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{
		"version": s.cfg.Version, "color": s.cfg.Color,
		"buildTime": s.cfg.BuildTime, "commit": s.cfg.Commit,
	})
}

// pingStore bounds the readiness check so a hung database fails the probe
// instead of hanging it.
func (s *Server) pingStore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.store.Ping(ctx)
}

// health is the shop's health page: more detail than the probes.
func (s *Server) health(c *gin.Context) {
	status, store, code := "ok", "ok", http.StatusOK
	if err := s.pingStore(c); err != nil {
		status, store, code = "unavailable", "unreachable", http.StatusServiceUnavailable
	}
	if s.Draining() {
		status, code = "draining", http.StatusServiceUnavailable
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(code, gin.H{
		"status": status, "store": store, "storeKind": s.cfg.StoreKind(),
		"color": s.cfg.Color, "version": s.cfg.Version,
		"uptimeSeconds": int64(time.Since(s.started).Seconds()),
	})
}

// healthz is liveness: the process answers. It never checks the database,
// so a database outage does not make Kubernetes restart every pod.
func (s *Server) healthz(c *gin.Context) { c.String(http.StatusOK, "ok") }

// readyz is readiness: the store answers (on PostgreSQL over a connection
// of its own, so it never queues behind shoppers; on SQLite including
// whether it can write) and we are not draining.
func (s *Server) readyz(c *gin.Context) {
	if s.Draining() {
		c.String(http.StatusServiceUnavailable, "draining")
		return
	}
	if err := s.pingStore(c); err != nil {
		// The store's own words: "unreachable" or "cannot be written".
		c.String(http.StatusServiceUnavailable, "store unavailable: "+shop.ErrorMessage(err))
		return
	}
	c.String(http.StatusOK, "ready")
}
