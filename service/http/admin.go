package http

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// requireAdmin guards the admin API with a bearer token. Without a
// configured token the admin API does not exist (404), so a forgotten
// variable can never leave it open.
func (s *Server) requireAdmin(c *gin.Context) {
	if s.cfg.AdminToken == "" {
		s.writeError(c, shop.Errorf(shop.EADMINDISABLED, "The admin API is disabled."))
		return
	}
	tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="flashscale-admin"`)
		s.writeError(c, shop.Errorf(shop.EUNAUTHORIZED, "A valid admin bearer token is required."))
		return
	}
	c.Next()
}

func (s *Server) setStock(c *gin.Context) {
	var body struct {
		Stock *int `json:"stock"`
	}
	if err := decodeJSON(c, &body); err != nil {
		s.writeError(c, err)
		return
	}
	if body.Stock == nil {
		s.writeError(c, &shop.Error{Code: shop.EINVALID, Message: "Stock is required.", Fields: map[string]string{"stock": "is required"}})
		return
	}
	if err := shop.ValidateStock(*body.Stock); err != nil {
		s.writeError(c, err)
		return
	}
	p, err := s.store.SetStock(c, c.Param("id"), *body.Stock)
	s.productChanged(c, p, err)
}

func (s *Server) setSale(c *gin.Context) {
	var w shop.SaleWindow
	if err := decodeJSON(c, &w); err != nil {
		s.writeError(c, err)
		return
	}
	if err := w.Validate(); err != nil {
		s.writeError(c, err)
		return
	}
	p, err := s.store.SetSaleWindow(c, c.Param("id"), w)
	s.productChanged(c, p, err)
}

func (s *Server) setLimit(c *gin.Context) {
	var body struct {
		MaxPerShopper *int `json:"maxPerShopper"`
	}
	if err := decodeJSON(c, &body); err != nil {
		s.writeError(c, err)
		return
	}
	if body.MaxPerShopper == nil {
		s.writeError(c, &shop.Error{Code: shop.EINVALID, Message: "maxPerShopper is required.", Fields: map[string]string{"maxPerShopper": "is required"}})
		return
	}
	if err := shop.ValidateLimit(*body.MaxPerShopper); err != nil {
		s.writeError(c, err)
		return
	}
	p, err := s.store.SetMaxPerShopper(c, c.Param("id"), *body.MaxPerShopper)
	s.productChanged(c, p, err)
}

// productChanged answers an admin product update and refreshes the catalog
// at once, so the listing does not wait for the next tick.
func (s *Server) productChanged(c *gin.Context, p shop.Product, err error) {
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.catalog.refresh(c); err != nil {
		s.log.Warn("catalog refresh after admin update failed", "err", err)
	}
	c.JSON(http.StatusOK, gin.H{"product": p})
}

func (s *Server) advanceOrder(c *gin.Context) {
	o, err := s.store.AdvanceOrder(c, c.Param("id"), s.now().UTC())
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": o})
}
