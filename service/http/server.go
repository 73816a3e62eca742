// Package http is FlashScale's HTTP layer: Gin routes, middleware, the
// in-memory catalog, checkout admission control and Prometheus metrics.
// Every request is handled in one of the per-entity files (product.go,
// cart.go, checkout.go, order.go, admin.go, system.go); errors are mapped
// to statuses in error.go.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/web"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// Options wires a Server.
type Options struct {
	Config config.Config
	Store  shop.Store
	Logger *slog.Logger
	// Registry receives the metrics; nil means a fresh registry.
	Registry *prometheus.Registry
	// Web serves the embedded shop for every path no API route matches,
	// with the current catalog inline; nil leaves such paths a JSON 404.
	Web *web.Handler
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}

// Server is the FlashScale HTTP server.
type Server struct {
	cfg       config.Config
	store     shop.Store
	log       *slog.Logger
	metrics   *metrics
	catalog   *catalog
	admission *admission
	engine    *gin.Engine
	now       func() time.Time
	started   time.Time
	draining  atomic.Bool
}

// New builds the server. Call Start to begin refreshing the catalog.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{
		cfg:     o.Config,
		store:   o.Store,
		log:     o.Logger,
		now:     o.Now,
		started: o.Now(),
		metrics: newMetrics(o.Registry, o.Config.Version, o.Config.Color, o.Config.Commit),
	}
	s.catalog = newCatalog(o.Store, s.metrics, o.Logger)
	s.admission = newAdmission(o.Config.CheckoutMaxInFlight, o.Config.CheckoutQueueWait)

	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.recoverJSON, s.observe, s.securityHeaders, s.cors)

	// Probes and metrics sit outside /api: no shopper cookie, no CORS needs.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry})))

	api := e.Group("/api", s.shopper)
	api.GET("/products", s.listProducts)
	api.GET("/products/:id", s.getProduct)
	api.POST("/cart/quote", s.quoteCart)
	api.POST("/checkout", s.checkout)
	api.GET("/orders", s.listOrders)
	api.GET("/orders/:id", s.getOrder)
	api.GET("/build-info", s.buildInfo)
	api.GET("/health", s.health)

	admin := api.Group("/admin", s.requireAdmin)
	admin.PUT("/products/:id/stock", s.setStock)
	admin.PUT("/products/:id/sale", s.setSale)
	admin.POST("/orders/:id/advance", s.advanceOrder)

	e.NoMethod(func(c *gin.Context) {
		s.writeError(c, shop.Errorf(shop.EMETHOD, "Method %s is not allowed here.", c.Request.Method))
	})
	e.NoRoute(func(c *gin.Context) {
		if isReserved(c.Request.URL.Path) || o.Web == nil || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
			s.writeError(c, shop.Errorf(shop.ENOTFOUND, "No such endpoint."))
			return
		}
		c.Set(routeKey, "web")
		snap := s.catalog.current()
		o.Web.Serve(c.Writer, c.Request, web.Data{Key: snap.etag, JSON: snap.body}, snap.pageExists)
	})
	s.engine = e
	return s
}

// isReserved reports paths that must never fall back to the web shop's
// index.html: a typo in an API call must be a JSON 404, not a 200 page.
func isReserved(p string) bool {
	switch p {
	case "/api", "/metrics", "/healthz", "/readyz":
		return true
	}
	return strings.HasPrefix(p, "/api/")
}

// Start loads the catalog and keeps it fresh until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	if err := s.catalog.refresh(ctx); err != nil {
		return err
	}
	go s.catalog.run(ctx, s.cfg.CatalogRefresh)
	return nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Drain marks the server as shutting down: readiness fails at once so the
// load balancer stops sending new work, and keep-alive connections are
// closed after their current response so clients reconnect elsewhere.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }
