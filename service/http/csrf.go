package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// newCSRF refuses cross-site state-changing requests: the session cookie
// is SameSite=Lax, which already keeps it off cross-site POSTs, and this
// is the second lock, for browsers and same-site-but-cross-origin pages
// Lax does not cover. net/http's CrossOriginProtection lets safe methods
// (GET, HEAD, OPTIONS) through and rejects any other whose Sec-Fetch-Site
// is not same-origin or none, or, from browsers too old to send that,
// whose Origin is not this host. Requests with neither header are not from
// a browser (curl, Locust, the load bench) and carry no ambient cookie
// risk, so they pass. The origins allowed for CORS are trusted here too.
func (s *Server) newCSRF(trusted []string) gin.HandlerFunc {
	p := http.NewCrossOriginProtection()
	for _, o := range trusted {
		_ = p.AddTrustedOrigin(o) // config validated them as origins
	}
	refused := shop.Errorf(shop.EORIGIN, "Cross-origin request refused: send it from the shop's own pages.")
	return func(c *gin.Context) {
		if err := p.Check(c.Request); err != nil {
			s.writeError(c, refused)
			return
		}
		c.Next()
	}
}
