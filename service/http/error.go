package http

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// codeStatus is the one table mapping domain error codes to HTTP statuses.
var codeStatus = map[string]int{
	shop.EMALFORMED:      http.StatusBadRequest,
	shop.EKEYREQUIRED:    http.StatusBadRequest,
	shop.EUNAUTHORIZED:   http.StatusUnauthorized,
	shop.ENOTFOUND:       http.StatusNotFound,
	shop.EADMINDISABLED:  http.StatusNotFound,
	shop.EMETHOD:         http.StatusMethodNotAllowed,
	shop.ECONFLICT:       http.StatusConflict,
	shop.ESOLDOUT:        http.StatusConflict,
	shop.ESALEINACTIVE:   http.StatusConflict,
	shop.ELIMIT:          http.StatusConflict,
	shop.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	shop.EUNSUPPORTED:    http.StatusUnsupportedMediaType,
	shop.EINVALID:        http.StatusUnprocessableEntity,
	shop.EIDEMPOTENCY:    http.StatusUnprocessableEntity,
	shop.EINTERNAL:       http.StatusInternalServerError,
	shop.EOVERLOADED:     http.StatusServiceUnavailable,
	shop.EUNAVAILABLE:    http.StatusServiceUnavailable,
	shop.ESIGNINREQUIRED: http.StatusUnauthorized,
	shop.EBADCREDENTIALS: http.StatusUnauthorized,
	shop.ERATELIMITED:    http.StatusTooManyRequests,
	shop.EORIGIN:         http.StatusForbidden,
}

// ErrorStatus returns the HTTP status for a domain error code.
func ErrorStatus(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error *shop.Error `json:"error"`
}

// writeError sends err as {"error":{...}} with its status. Only internal
// errors are logged: everything else is the shopper's input, not our fault.
func (s *Server) writeError(c *gin.Context, err error) {
	var e *shop.Error
	if !errors.As(err, &e) {
		e = shop.Internal(err, "unexpected error")
	}
	status := ErrorStatus(e.Code)
	switch e.Code {
	case shop.EINTERNAL:
		s.log.ErrorContext(c.Request.Context(), "internal error",
			slog.String("route", routeOf(c)), slog.String("method", c.Request.Method), slog.Any("err", err))
		e = &shop.Error{Code: shop.EINTERNAL, Message: shop.ErrorMessage(err)}
	case shop.EUNAVAILABLE:
		// Not the shopper's doing either: the operator needs the cause (a
		// timeout, a lost connection, a full disk); the shopper a retry.
		s.log.WarnContext(c.Request.Context(), "store unavailable",
			slog.String("route", routeOf(c)), slog.String("method", c.Request.Method), slog.Any("err", err))
	}
	switch {
	case e.RetryAfter > 0:
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		c.Header("Retry-After", "1")
	}
	c.AbortWithStatusJSON(status, errorBody{Error: e})
}
