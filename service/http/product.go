package http

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// listProducts serves the pre-rendered catalog with an ETag, gzipped when
// the client accepts it; no allocation beyond the response itself.
func (s *Server) listProducts(c *gin.Context) {
	snap := s.catalog.current()
	h := c.Writer.Header()
	h["Etag"] = []string{snap.etag}
	h["Cache-Control"] = []string{"no-cache"}
	h["Vary"] = append(h["Vary"], "Accept-Encoding") // keep cors's Vary: Origin
	if match := c.Request.Header.Get("If-None-Match"); match != "" && etagMatches(match, snap.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	if strings.Contains(c.Request.Header.Get("Accept-Encoding"), "gzip") {
		h["Content-Encoding"] = []string{"gzip"}
		c.Data(http.StatusOK, "application/json; charset=utf-8", snap.gzipped)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", snap.body)
}

func etagMatches(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// getProduct reads the product from the store so its stock is current.
func (s *Server) getProduct(c *gin.Context) {
	p, err := s.store.GetProduct(c, c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"product": p})
}
