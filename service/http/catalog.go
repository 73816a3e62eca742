package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// catalog keeps the product list in memory, pre-rendered, because
// GET /api/products is the hottest path of a sale: thousands of shoppers
// refresh it and none of them may queue on the database. Stock in it lags
// by at most one refresh interval; checkout is the authority.
type catalog struct {
	store   shop.Store
	metrics *metrics
	log     *slog.Logger
	snap    atomic.Pointer[catalogSnapshot]
}

type catalogSnapshot struct {
	products map[string]shop.Product
	list     []shop.Product // in catalog order, for filtered listings
	// listing is the plain GET /api/products answer:
	// {"products":[...],"categories":[...]}, rendered once per version.
	listing *encoded
	etag    string
	body    []byte
}

func newCatalog(store shop.Store, m *metrics, log *slog.Logger) *catalog {
	return &catalog{store: store, metrics: m, log: log}
}

func (c *catalog) current() *catalogSnapshot { return c.snap.Load() }

// pageExists tells the web shop which product pages exist, so that a link
// to a product the catalog does not have is a 404 like any unknown page.
func (s *catalogSnapshot) pageExists(route string, params map[string]string) bool {
	if route == "/products/:id" {
		_, ok := s.products[params["id"]]
		return ok
	}
	return true
}

// refresh reloads the catalog; unchanged bytes keep the old snapshot (and
// its ETag) so clients' caches stay valid.
func (c *catalog) refresh(ctx context.Context) error {
	products, err := c.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	// The zero query lists the catalog as stored; its category counts do
	// not depend on the time, so the body only changes with the catalog.
	body, err := json.Marshal(shop.List(products, shop.ProductQuery{}, time.Time{}))
	if err != nil {
		return shop.Internal(err, "encoding catalog")
	}
	for _, p := range products {
		c.metrics.stock.WithLabelValues(p.ID).Set(float64(p.Stock))
	}
	if old := c.snap.Load(); old != nil && bytes.Equal(old.body, body) {
		return nil
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	byID := make(map[string]shop.Product, len(products))
	for _, p := range products {
		byID[p.ID] = p
	}
	listing := newEncoded(body, gz.Bytes())
	c.snap.Store(&catalogSnapshot{products: byID, list: products, listing: listing, etag: listing.etag, body: body})
	return nil
}

func (c *catalog) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.refresh(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("catalog refresh failed; serving the previous one", slog.Any("err", err))
			}
		}
	}
}
