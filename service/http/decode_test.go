package http_test

import (
	"errors"
	"strings"
	"testing"

	fshttp "github.com/flashscale/flashscale/service/http"
	"github.com/flashscale/flashscale/service/shop"
)

// FuzzDecodeCheckout feeds hostile bodies to the checkout decoder: it must
// never panic, and must either return a request that passes validation or
// a typed, shopper-safe error with a 4xx status. The seeds run in every
// `go test`; `make fuzz` explores further.
func FuzzDecodeCheckout(f *testing.F) {
	for _, seed := range []string{
		`{"items":[{"productId":"dell-inspiron-15","quantity":1}],"customer":{"name":"Asha","email":"asha@example.in","phone":"+91 98765 43210","address":"12 MG Road, Bengaluru"}}`,
		`{"items":[{"productId":"a","quantity":9223372036854775807}]}`,
		`{"items":[{"productId":"a","quantity":-1}],"customer":null}`,
		`{"items":[{"productId":"a","quantity":1.5}]}`,
		`{"items":null}`,
		`{"items":[{"productId":"\u0000","quantity":1}]}`,
		`{"items":[{"productId":"a","quantity":1},{"productId":"a","quantity":1}]}`,
		`[]`, `null`, `""`, `{}`, `{"items":[` + strings.Repeat(`{"productId":"x","quantity":1},`, 30) + `{}]}`,
		`{"customer":{"email":"a@b.c\r\nBcc: x@y.z"}}`,
		`{"a":1}{"b":2}`, "\xff\xfe", `{"items":[{"productId":"a","quantity":1}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := fshttp.DecodeCheckout(strings.NewReader(string(body)))
		if err == nil {
			if len(req.Items) == 0 || len(req.Items) > shop.MaxLinesPerOrder {
				t.Fatalf("accepted %d lines", len(req.Items))
			}
			for _, it := range req.Items {
				if it.Quantity < 1 || it.Quantity > shop.MaxQuantityPerLine || it.ProductID == "" {
					t.Fatalf("accepted line %+v", it)
				}
			}
			return
		}
		var e *shop.Error
		if !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
		if st := fshttp.ErrorStatus(e.Code); st < 400 || st >= 500 || e.Message == "" {
			t.Fatalf("decoder error %q maps to %d", e.Code, st)
		}
	})
}
