package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// rejectionReason maps an error code to the metric's reason label; "" for
// errors that are ours, not the shopper's.
func rejectionReason(code string) string {
	switch code {
	case shop.ESOLDOUT:
		return "sold_out"
	case shop.EINVALID, shop.EMALFORMED, shop.ETOOLARGE, shop.EKEYREQUIRED, shop.EUNSUPPORTED, shop.ESIGNINREQUIRED:
		return "invalid"
	case shop.ESALEINACTIVE:
		return "sale_not_active"
	case shop.ELIMIT:
		return "purchase_limit"
	case shop.EIDEMPOTENCY:
		return "idempotency_key_reused"
	case shop.EOVERLOADED:
		return "shed"
	}
	return ""
}

// checkout places an order. Stock is decremented inside store.PlaceOrder
// (service/sqlite/checkout.go, service/postgres/checkout.go) in the same
// transaction that records the order and its Idempotency-Key.
func (s *Server) checkout(c *gin.Context) {
	start := time.Now()
	order, replayed, err := s.placeOrder(c)
	outcome := "placed"
	switch {
	case err != nil:
		outcome = "error"
		if reason := rejectionReason(shop.ErrorCode(err)); reason != "" {
			outcome = "rejected"
			s.metrics.rejections.WithLabelValues(reason).Inc()
		}
		s.writeError(c, err)
	case replayed:
		outcome = "replayed"
		c.Header("Idempotent-Replayed", "true")
		c.JSON(http.StatusCreated, gin.H{"order": order})
	default:
		s.metrics.ordersPlaced.Inc()
		s.metrics.unitsSold.Add(float64(order.Units()))
		c.JSON(http.StatusCreated, gin.H{"order": order})
	}
	s.metrics.checkoutLatency.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
}

func (s *Server) placeOrder(c *gin.Context) (shop.Order, bool, error) {
	// Checkout belongs to an account: its orders, its per-shopper limits
	// and its Idempotency-Keys (scoped to the account, so a retry from
	// another device with the same key replays too). Refused before any
	// other work.
	shopper, err := s.requireShopper(c)
	if err != nil {
		return shop.Order{}, false, err
	}
	key := c.GetHeader("Idempotency-Key")
	if err := shop.ValidateIdempotencyKey(key); err != nil {
		return shop.Order{}, false, err
	}
	var req shop.CheckoutRequest
	if err := decodeJSON(c, &req); err != nil {
		return shop.Order{}, false, err
	}
	req.Normalize()
	if err := req.Validate(); err != nil {
		return shop.Order{}, false, err
	}
	release, err := s.admission.acquire(c)
	if err != nil {
		return shop.Order{}, false, err
	}
	defer release()
	p := shop.PlaceOrder{
		ID:             shop.NewOrderID(),
		ShopperID:      shopper,
		IdempotencyKey: key,
		RequestHash:    req.Hash(),
		Items:          req.Items,
		Customer:       req.Customer,
		PaymentMethod:  req.Payment(),
		At:             s.now().UTC(),
	}
	o, replayed, err := s.store.PlaceOrder(c, p)
	if shop.ErrorCode(err) == shop.ECONFLICT {
		// The only conflict PlaceOrder reports is an order id clash (60
		// random bits: rare, never twice): nothing was written, so retry.
		p.ID = shop.NewOrderID()
		o, replayed, err = s.store.PlaceOrder(c, p)
	}
	return o, replayed, err
}
