package http

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"
)

// ShopperCookie holds the shopper's opaque token. Only its SHA-256 is
// stored with orders, so a database leak reveals no usable token.
const ShopperCookie = "fs_shopper"

const (
	shopperTokenKey = "flashscale.shopperToken"
	// newShopperKey is set when this request got a fresh token: a shopper
	// with no orders yet.
	newShopperKey = "flashscale.newShopper"
	tokenBytes    = 32
	cookieMaxAge  = 365 * 24 * 60 * 60
)

// shopper makes sure every API caller has a shopper token, issuing one on
// first contact.
func (s *Server) shopper(c *gin.Context) {
	if tok, err := c.Cookie(ShopperCookie); err == nil && validToken(tok) {
		c.Set(shopperTokenKey, tok)
		c.Next()
		return
	}
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	c.Set(shopperTokenKey, tok)
	c.Set(newShopperKey, true)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: ShopperCookie, Value: tok, Path: "/", MaxAge: cookieMaxAge,
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	c.Next()
}

func validToken(tok string) bool {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil
}

// newShopper reports whether the request came without a shopper identity,
// so the one it was given exists only in this response's Set-Cookie.
func newShopper(c *gin.Context) bool { return c.GetBool(newShopperKey) }

// shopperID returns the stored identity of the caller: the hash of its token.
func shopperID(c *gin.Context) string {
	sum := sha256.Sum256([]byte(c.GetString(shopperTokenKey)))
	return hex.EncodeToString(sum[:16])
}
