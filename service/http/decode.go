package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// MaxBodyBytes bounds every JSON request body; a checkout is far smaller.
const MaxBodyBytes = 64 << 10

// decodeJSON reads one JSON value from the request body into v.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return shop.Errorf(shop.EUNSUPPORTED, "Content-Type must be application/json.")
		}
	}
	return DecodeJSON(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes), v)
}

// DecodeJSON decodes exactly one JSON value from r into v and translates
// every failure into a shopper-readable EMALFORMED (or ETOOLARGE) error.
// Unknown fields are ignored so that older and newer clients interoperate;
// a client-sent price is simply never read.
func DecodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return jsonError(err)
		}
		return shop.Errorf(shop.EMALFORMED, "Request body must be a single JSON value.")
	}
	return nil
}

func jsonError(err error) error {
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return shop.Errorf(shop.ETOOLARGE, "Request body must be at most %d bytes.", MaxBodyBytes)
	case errors.Is(err, io.EOF):
		return shop.Errorf(shop.EMALFORMED, "Request body is empty; expected JSON.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return shop.Errorf(shop.EMALFORMED, "Request body is truncated JSON.")
	case errors.As(err, &syntaxErr):
		return shop.Errorf(shop.EMALFORMED, "Malformed JSON at byte %d.", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return &shop.Error{Code: shop.EMALFORMED, Message: fmt.Sprintf("Field %s has the wrong type: expected %s.", field, typeErr.Type),
			Fields: map[string]string{field: "must be " + typeErr.Type.String()}}
	}
	return shop.Errorf(shop.EMALFORMED, "Malformed JSON request body.")
}

// DecodeCheckout decodes, normalizes and validates a checkout body. It is
// the fuzz target: any input yields a valid request or a typed error.
func DecodeCheckout(r io.Reader) (shop.CheckoutRequest, error) {
	var req shop.CheckoutRequest
	if err := DecodeJSON(r, &req); err != nil {
		return req, err
	}
	req.Normalize()
	return req, req.Validate()
}
