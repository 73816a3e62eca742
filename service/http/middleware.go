package http

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/config"
	"github.com/flashscale/flashscale/service/shop"
)

const routeKey = "flashscale.route"

// routeOf returns the route template for metrics and logs: never the raw
// path, which would let any client mint new label values.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	if r := c.GetString(routeKey); r != "" {
		return r
	}
	return "unmatched"
}

// observe records metrics and the access log for every request.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	s.metrics.inFlight.Inc()
	if s.draining.Load() {
		c.Header("Connection", "close")
	}
	c.Next()
	s.metrics.inFlight.Dec()
	elapsed := time.Since(start)
	route, code := routeOf(c), c.Writer.Status()
	codeStr := statusText(code)
	method := methodLabel(c.Request)
	series := s.metrics.request(method, route, codeStr)
	series.requests.Inc()
	series.duration.Observe(elapsed.Seconds())

	switch s.cfg.AccessLog {
	case config.AccessLogOff:
		return
	case config.AccessLogErrors:
		if code < 400 && elapsed < time.Second {
			return
		}
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("method", clientMethod(c.Request)), slog.String("route", route),
		slog.String("path", c.Request.URL.Path), slog.Int("status", code),
		slog.Duration("elapsed", elapsed), slog.Int("bytes", c.Writer.Size()))
}

// methodLabel is the request's method for a metric label, from a closed
// set: net/http accepts any token as a method, and one series per made-up
// method once grew /metrics to 100 MB.
func methodLabel(r *http.Request) string {
	switch m := clientMethod(r); m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// statusCodes caches the label value of every status code.
var statusCodes = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func statusText(code int) string {
	if code >= 0 && code < len(statusCodes) {
		return statusCodes[code]
	}
	return strconv.Itoa(code)
}

// recoverJSON turns a panic into a logged 500 with the usual error body.
func (s *Server) recoverJSON(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", slog.Any("panic", r), slog.String("route", routeOf(c)))
			s.writeError(c, shop.Errorf(shop.EINTERNAL, "Internal error."))
		}
	}()
	c.Next()
}

// Security headers, built once: the slices are shared by every response
// (net/http only reads them), so the hot path allocates nothing for them.
// They are pairs in a slice, not a map, so setting them walks no map
// iterator. JSON endpoints get a strict "nothing may load" policy; the web
// shop gets the policy its own scripts, styles and images need.
//
// Responses under /api and the probes carry no Referrer-Policy: it sets
// the Referer of the requests that a document, a stylesheet or a redirect
// leads to, and these are JSON or plain text from routes that never
// redirect; one opened as a page may fetch nothing (default-src 'none').
// No browser or cache acts on it there. On GET /api/products, which every
// shopper polls, it was one more line to insert, copy, sort, write and
// parse per response, and the ninth key of net/http's header map, which
// holds eight before it grows. The shop's pages, which are documents, keep
// theirs.
var (
	apiSecurityHeaders = headerSet(
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
	)
	webSecurityHeaders = headerSet(
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Referrer-Policy", "strict-origin-when-cross-origin",
		"Cross-Origin-Opener-Policy", "same-origin",
		"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()",
		"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
	)
	hstsHeader = []string{"max-age=31536000; includeSubDomains"}
)

// headerField is one response header: its canonical name and its value,
// shared by every response.
type headerField struct {
	name  string
	value []string
}

func headerSet(kv ...string) []headerField {
	set := make([]headerField, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		set = append(set, headerField{http.CanonicalHeaderKey(kv[i]), []string{kv[i+1]}})
	}
	return set
}

func (s *Server) securityHeaders(c *gin.Context) {
	set := webSecurityHeaders
	if isReserved(c.Request.URL.Path) {
		set = apiSecurityHeaders
	}
	h := c.Writer.Header()
	for _, f := range set {
		h[f.name] = f.value
	}
	if s.cfg.CookieSecure && viaHTTPS(c.Request) {
		h["Strict-Transport-Security"] = hstsHeader
	}
	c.Next()
}

// firstValue is what http.Header.Get returns for the values of one
// canonical name. net/http canonicalised the names of the request's
// header, so the hot path reads the map directly instead of having Get
// canonicalise the name once more per lookup.
func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// viaHTTPS reports whether the client reached us over HTTPS: TLS here, or
// TLS ended at the load balancer, which says so in X-Forwarded-Proto. HSTS
// on a plain-HTTP response is meaningless (browsers must ignore it) and
// tells a scanner the operator meant HTTPS but serves HTTP. A client that
// forges the header only gets a header its browser ignores.
func viaHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// allowedOrigins builds, once, the header value of each allowed origin, so
// a cross-origin request allocates nothing for its CORS headers.
func allowedOrigins(origins []string) map[string][]string {
	m := make(map[string][]string, len(origins))
	for _, o := range origins {
		m[o] = []string{o}
	}
	return m
}

var (
	corsTrue    = []string{"true"}
	corsMethods = []string{"GET, POST, PUT, DELETE, OPTIONS"}
	corsHeaders = []string{"Content-Type, Idempotency-Key, Authorization, If-None-Match"}
	corsMaxAge  = []string{"600"}
	corsExpose  = []string{"ETag, Retry-After, Idempotent-Replayed"}
)

// cors allows cross-origin calls only from configured origins. The shop
// itself is same-origin and needs none.
func (s *Server) cors(c *gin.Context) {
	origin := firstValue(c.Request.Header["Origin"])
	h := c.Writer.Header()
	if len(s.origins) > 0 {
		// The answer depends on Origin whether or not this one is allowed:
		// a cache must not hand an allowed origin's response to another.
		if len(h["Vary"]) == 0 {
			h["Vary"] = varyOrigin
		} else {
			h["Vary"] = append(h["Vary"], "Origin")
		}
	}
	var allow []string
	if origin != "" {
		allow = s.origins[origin]
	}
	if allow == nil {
		if c.Request.Method == http.MethodOptions && origin != "" {
			s.writeError(c, shop.Errorf(shop.EORIGIN, "This origin may not call the API."))
			return
		}
		c.Next()
		return
	}
	h["Access-Control-Allow-Origin"] = allow
	h["Access-Control-Allow-Credentials"] = corsTrue
	if c.Request.Method == http.MethodOptions {
		h["Access-Control-Allow-Methods"] = corsMethods
		h["Access-Control-Allow-Headers"] = corsHeaders
		h["Access-Control-Max-Age"] = corsMaxAge
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	h["Access-Control-Expose-Headers"] = corsExpose
	c.Next()
}
