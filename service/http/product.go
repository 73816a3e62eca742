package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
	"github.com/flashscale/flashscale/service/web"
)

// listProducts serves the catalog from memory. The plain listing every
// shopper polls is pre-rendered once per catalog version, with its ETag,
// gzipped form and header values, so serving it allocates nothing beyond
// what net/http and the middleware need; a search, category or sort
// (?q=&category=&sort=) is answered from the same in-memory catalog, never
// from the store.
func (s *Server) listProducts(c *gin.Context) {
	snap := s.catalog.current()
	if c.Request.URL.RawQuery == "" {
		serveJSON(c, snap.listing)
		return
	}
	q, err := productQuery(c.Request.URL.RawQuery)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if q.IsZero() {
		serveJSON(c, snap.listing)
		return
	}
	body, err := json.Marshal(shop.List(snap.list, q, s.now()))
	if err != nil {
		s.writeError(c, shop.Internal(err, "encoding products"))
		return
	}
	var gz []byte
	if len(body) > 1024 && acceptsGzip(c) {
		gz = gzipFast(body)
	}
	serveJSON(c, newEncoded(body, gz))
}

// productQuery reads ?q=&category=&sort=. Other parameters are ignored (a
// cache buster is harmless); a repeated one is ambiguous, so malformed.
func productQuery(raw string) (shop.ProductQuery, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return shop.ProductQuery{}, shop.Errorf(shop.EMALFORMED, "The query string is malformed.")
	}
	for _, k := range []string{"q", "category", "sort"} {
		if len(v[k]) > 1 {
			return shop.ProductQuery{}, &shop.Error{Code: shop.EMALFORMED, Message: "Parameter " + k + " is given more than once.",
				Fields: map[string]string{k: "must be given at most once"}}
		}
	}
	q := shop.ProductQuery{Q: v.Get("q"), Category: v.Get("category"), Sort: v.Get("sort")}
	q.Normalize()
	return q, q.Validate()
}

func acceptsGzip(c *gin.Context) bool {
	return strings.Contains(firstValue(c.Request.Header["Accept-Encoding"]), "gzip")
}

// encoded is a JSON body ready to serve: its bytes, its gzipped form (nil
// when not worth it) and the header values that go with them. The header
// slices are shared by every response that serves it; net/http only reads
// them, and their capacity equals their length, so an append elsewhere
// copies instead of writing into them.
type encoded struct {
	body, gz       []byte
	etag           string
	etagH          []string
	bodyLen, gzLen []string
}

func newEncoded(body, gz []byte) *encoded {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	e := &encoded{body: body, gz: gz, etag: etag, etagH: []string{etag}, bodyLen: []string{strconv.Itoa(len(body))}}
	if gz != nil {
		e.gzLen = []string{strconv.Itoa(len(gz))}
	}
	return e
}

var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noCache         = []string{"no-cache"}
	gzipEncoding    = []string{"gzip"}
	varyEncoding    = []string{"Accept-Encoding"}
	varyOrigin      = []string{"Origin"}
	// One value, so one header line: "Vary: Origin" and "Vary:
	// Accept-Encoding" on two lines mean the same to caches and browsers
	// (RFC 9110 5.3) and cost a line more to write and to parse.
	varyOriginEncoding = []string{"Origin, Accept-Encoding"}
)

// serveJSON answers with e (gzipped when the client accepts it), or 304
// when the client has it.
func serveJSON(c *gin.Context, e *encoded) {
	h := c.Writer.Header()
	h["Etag"] = e.etagH
	h["Cache-Control"] = noCache
	switch v := h["Vary"]; { // keep cors's Vary: Origin
	case len(v) == 0:
		h["Vary"] = varyEncoding
	case len(v) == 1 && v[0] == "Origin":
		h["Vary"] = varyOriginEncoding
	default:
		h["Vary"] = append(v, "Accept-Encoding")
	}
	if match := firstValue(c.Request.Header["If-None-Match"]); match != "" && web.ETagMatches(match, e.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body, length := e.body, e.bodyLen
	if e.gz != nil && acceptsGzip(c) {
		h["Content-Encoding"] = gzipEncoding
		body, length = e.gz, e.gzLen
	}
	// Set here rather than by c.Data, which allocates the Content-Type
	// slice; the length spares the client chunked framing.
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = length
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(body)
}

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func gzipFast(body []byte) []byte {
	var b bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&b)
	_, _ = zw.Write(body)
	_ = zw.Close()
	gzipWriters.Put(zw)
	return b.Bytes()
}

// productView is a product as one shopper sees it.
type productView struct {
	shop.Product
	// RemainingForShopper is how many more units the caller may buy of a
	// product with a per-shopper cap; absent without a cap, or when the
	// store could not say in time.
	RemainingForShopper *int `json:"remainingForShopper,omitempty"`
}

// getProduct reads the product from the store so its stock is current.
func (s *Server) getProduct(c *gin.Context) {
	p, err := s.store.GetProduct(c, c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	view := productView{Product: p}
	if p.MaxPerShopper > 0 {
		if bought := s.purchases(c, []string{p.ID}); bought != nil {
			left := max(0, p.MaxPerShopper-bought[p.ID])
			view.RemainingForShopper = &left
		}
	}
	c.JSON(http.StatusOK, gin.H{"product": view})
}

// purchasesTimeout bounds the store read behind a remaining allowance: it
// is a courtesy (checkout enforces the cap), not worth a slow page.
const purchasesTimeout = 500 * time.Millisecond

// purchases returns the units the caller bought of the products, or nil
// when the store cannot say in time. A guest has bought nothing (checkout
// needs an account), which needs no store read.
func (s *Server) purchases(c *gin.Context, ids []string) map[string]int {
	if len(ids) == 0 {
		return map[string]int{}
	}
	ctx, cancel := context.WithTimeout(c, purchasesTimeout)
	defer cancel()
	ss, err := s.session(c, ctx)
	if err != nil {
		s.log.WarnContext(c, "reading a session failed; caps are left to checkout", slog.Any("err", err))
		return nil
	}
	if ss == nil {
		return map[string]int{}
	}
	bought, err := s.store.PurchasedUnits(ctx, ss.Account.ShopperID, ids)
	if err != nil {
		s.log.WarnContext(c, "reading a shopper's purchases failed; caps are left to checkout", slog.Any("err", err))
		return nil
	}
	return bought
}
