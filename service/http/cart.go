package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// quoteCart prices a cart from the in-memory catalog. Client prices are
// never read; availability is as of the last refresh (checkout decides).
// For capped products it reads what the shopper already bought, so the
// cart never offers more than checkout would accept.
func (s *Server) quoteCart(c *gin.Context) {
	var req shop.QuoteRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if err := req.Validate(); err != nil {
		s.writeError(c, err)
		return
	}
	products := s.catalog.current().products
	q := shop.PriceQuote(req.Items, products, s.purchases(c, shop.CappedIDs(req.Items, products)), s.now())
	c.JSON(http.StatusOK, gin.H{"quote": q})
}
