// Package http is FlashScale's HTTP layer: Gin routes, middleware, the
// in-memory catalog, checkout admission control and Prometheus metrics.
// Every request is handled in one of the per-entity files (product.go,
// cart.go, checkout.go, order.go, account.go, session.go, admin.go,
// system.go); csrf.go guards every state-changing request, ratelimit.go
// sign-in; errors are mapped to statuses in error.go.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
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
	// hashes bounds concurrent argon2id hashes (19 MiB each), so a flood
	// of sign-ins queues briefly and is then shed instead of taking all
	// memory and CPU.
	hashes       *admission
	signinLimits *signinLimits
	sessions     *sessionCache
	revocations  *revocationFeed
	engine       *gin.Engine
	now          func() time.Time
	started      time.Time
	draining     atomic.Bool
	origins      map[string][]string // allowed origin → its Access-Control-Allow-Origin value
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
		cfg: o.Config,
		// Every store call gets a deadline: a lock or a slow disk fails a
		// request with 503 instead of holding its connection and goroutine.
		store:   shop.WithDeadline(o.Store, o.Config.StoreTimeout),
		log:     o.Logger,
		now:     o.Now,
		started: o.Now(),
		metrics: newMetrics(o.Registry, o.Config.Version, o.Config.Color, o.Config.Commit),
	}
	s.origins = allowedOrigins(o.Config.AllowedOrigins)
	s.catalog = newCatalog(s.store, s.metrics, o.Logger)
	s.admission = newAdmission(o.Config.CheckoutMaxInFlight, o.Config.CheckoutQueueWait)
	registerAdmission(o.Registry, s.admission)
	hashes := o.Config.PasswordHashes
	if hashes <= 0 {
		hashes = runtime.GOMAXPROCS(0)
	}
	s.hashes = newAdmission(hashes, hashQueueWait)
	s.signinLimits = newSigninLimits(o.Config.SigninPerAccount, o.Config.SigninPerAddress)
	s.sessions = newSessionCache()
	s.revocations = newRevocationFeed(s)
	csrf := s.newCSRF(o.Config.AllowedOrigins)

	e := gin.New()
	// The client address the sign-in limit counts: X-Forwarded-For only
	// from the configured proxies (Gin trusts every peer by default, which
	// would let any client pick its own address). Config validated them.
	_ = e.SetTrustedProxies(o.Config.TrustedProxies)
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	// Gin would answer /api/products/ with a 301 and an HTML body; an API
	// client wants the JSON 404 that names the mistake.
	e.RedirectTrailingSlash = false
	e.Use(s.recoverJSON, s.observe, s.securityHeaders, s.cors)

	// Probes and metrics sit outside /api: no session, no CORS or CSRF needs.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry})))

	api := e.Group("/api", s.validParams, csrf)
	api.GET("/products", s.listProducts)
	api.GET("/products/:id", s.getProduct)
	api.POST("/cart/quote", s.quoteCart)
	api.POST("/checkout", s.checkout)
	api.GET("/orders", s.listOrders)
	api.GET("/orders/:id", s.getOrder)
	api.POST("/accounts", s.register)
	api.GET("/session", s.getSession)
	api.POST("/session", s.signIn)
	api.DELETE("/session", s.signOut)
	api.GET("/build-info", s.buildInfo)
	api.GET("/health", s.health)

	admin := api.Group("/admin", s.requireAdmin)
	admin.PUT("/products/:id/stock", s.setStock)
	admin.PUT("/products/:id/sale", s.setSale)
	admin.PUT("/products/:id/limit", s.setLimit)
	admin.POST("/orders/:id/advance", s.advanceOrder)

	e.NoMethod(func(c *gin.Context) {
		s.writeError(c, shop.Errorf(shop.EMETHOD, "Method %.20q is not allowed here.", clientMethod(c.Request)))
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

// hashQueueWait is how long a sign-in waits for a hashing slot before it
// is shed with 503 and Retry-After.
const hashQueueWait = time.Second

func (s *Server) signinMetric(outcome string) { s.metrics.signins.WithLabelValues(outcome).Inc() }

// isReserved reports paths that must never fall back to the web shop's
// index.html: a typo in an API call must be a JSON 404, not a 200 page.
func isReserved(p string) bool {
	switch p {
	case "/api", "/metrics", "/healthz", "/readyz":
		return true
	}
	return strings.HasPrefix(p, "/api/")
}

// Start loads the catalog and keeps it fresh until ctx ends, and polls
// the session revocation feed. The first read comes before the server
// serves, so its cache is trusted from the first request; a failure there
// only means the cache is not trusted yet (see revocationFeed).
func (s *Server) Start(ctx context.Context) error {
	if err := s.catalog.refresh(ctx); err != nil {
		return err
	}
	go s.catalog.run(ctx, s.cfg.CatalogRefresh)
	s.revocations.poll(ctx)
	go s.revocations.run(ctx, revocationPoll)
	return nil
}

// Handler returns the root handler. HEAD is answered as GET without the
// body (curl -I, uptime checkers): net/http drops what the GET handler
// writes because the request it holds is still a HEAD.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.WithContext(context.WithValue(r.Context(), headKey{}, true))
			r.Method = http.MethodGet
		}
		s.engine.ServeHTTP(w, r)
	})
}

// Routes lists the registered routes (README.md's API table is checked against it).
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// headKey marks a HEAD request served as GET, so metrics still say HEAD.
type headKey struct{}

// clientMethod is the method the client sent.
func clientMethod(r *http.Request) string {
	if head, _ := r.Context().Value(headKey{}).(bool); head {
		return http.MethodHead
	}
	return r.Method
}

// MaxParamBytes bounds an id in a path.
const MaxParamBytes = 128

// validParams answers 404 for a path id that no product or order can have
// (a NUL, invalid UTF-8, control characters, absurd length) before any
// store sees it: PostgreSQL fails on such text with an error, SQLite just
// finds nothing, and both must say not_found.
func (s *Server) validParams(c *gin.Context) {
	for _, p := range c.Params {
		if len(p.Value) > MaxParamBytes || shop.TextProblem(p.Value, false) != "" {
			s.writeError(c, shop.Errorf(shop.ENOTFOUND, "Not found."))
			return
		}
	}
	c.Next()
}

// Drain marks the server as shutting down: readiness fails at once so the
// load balancer stops sending new work, and keep-alive connections are
// closed after their current response so clients reconnect elsewhere.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }
