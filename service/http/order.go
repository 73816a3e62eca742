package http

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// listOrders returns the caller's orders, newest first; nextCursor is set
// when there may be more.
func (s *Server) listOrders(c *gin.Context) {
	shopper, err := s.requireShopper(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	page := shop.OrderPage{Limit: shop.DefaultPageSize}
	fields := map[string]string{}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > shop.MaxPageSize {
			fields["limit"] = "must be a whole number from 1 to 100"
		}
		page.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			fields["cursor"] = "is not a cursor this server issued"
		}
		page.Before = n
	}
	if len(fields) > 0 {
		s.writeError(c, &shop.Error{Code: shop.EINVALID, Message: "Invalid order listing parameters.", Fields: fields})
		return
	}
	orders, err := s.store.ListOrders(c, shopper, page)
	if err != nil {
		s.writeError(c, err)
		return
	}
	body := gin.H{"orders": orders}
	if len(orders) == page.Limit {
		body["nextCursor"] = strconv.FormatInt(orders[len(orders)-1].Seq, 10)
	}
	c.JSON(http.StatusOK, body)
}

// getOrder returns one of the caller's orders; anybody else's is a 404.
func (s *Server) getOrder(c *gin.Context) {
	shopper, err := s.requireShopper(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	o, err := s.store.GetOrder(c, shopper, c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": o})
}
