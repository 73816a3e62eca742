package shop

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// Shopper-typed text ends up in a database, in the admin's order view, on
// a shipping label and in e-mails. Some bytes must never get that far:
// PostgreSQL cannot store NUL (a 500 there, while SQLite kept it), control
// characters forge log lines and labels, and bidi overrides make "Road 12"
// display as something else. The rules live in the domain so that both
// stores see the same orders, and an order that breaks them is refused
// before it reaches a store (and so never slows a checkout batch).

// TextProblem says what is wrong with s as shopper text, or "" when it is
// acceptable. multiline allows line breaks (\n, \r), as a postal address
// typed into a text area has them; every other control character is
// refused, C0 (including tab and NUL), DEL and C1 alike.
func TextProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			if !multiline {
				return "must be a single line"
			}
		case unicode.IsControl(r):
			return "must not contain control characters"
		case isBidiControl(r):
			return "must not contain bidirectional override characters"
		case r == utf8.RuneError:
			// encoding/json turns invalid UTF-8 in a request into U+FFFD
			// without an error; no real name or address contains one.
			return "must be valid UTF-8 text"
		}
	}
	return ""
}

// isBidiControl reports the embedding, override and isolate controls
// (U+202A–U+202E, U+2066–U+2069) that reorder how the text around them is
// displayed ("Trojan Source").
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// textTag is the struct tag that marks a string field as multi-line text:
// `text:"multiline"`. Every other string field is single-line.
const textTag = "text"

// validateText is a struct-level rule: it checks every string field of
// the struct, recursively through nested structs and slices, so a field
// added to Customer later is covered without anyone remembering a tag.
// Paths are the JSON names ("address", or "address.line1" when nested).
func validateText(sl validator.StructLevel) {
	walkText(sl, sl.Current(), "", false)
}

func walkText(sl validator.StructLevel, v reflect.Value, path string, multiline bool) {
	switch v.Kind() {
	case reflect.String:
		if msg := TextProblem(v.String(), multiline); msg != "" {
			sl.ReportError(v.Interface(), path, path, "text", msg)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(sl, v.Elem(), path, multiline)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkText(sl, v.Index(i), path+"["+strconv.Itoa(i)+"]", multiline)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if path != "" {
				name = path + "." + name
			}
			walkText(sl, v.Field(i), name, f.Tag.Get(textTag) == "multiline")
		}
	}
}
