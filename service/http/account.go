package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// register creates an account and signs it in. A registered email is a
// 409: registration cannot hide which emails exist without an email round
// trip, so the per-address limit is what slows a scan.
func (s *Server) register(c *gin.Context) {
	var r shop.Registration
	if err := decodeJSON(c, &r); err != nil {
		s.writeError(c, err)
		return
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.signinLimits.allow(c.ClientIP(), "", s.now()); err != nil {
		s.signinMetric("rate_limited")
		s.writeError(c, err)
		return
	}
	a, err := s.newAccount(c, r)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.store.CreateAccount(c, a); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.startSession(c, a); err != nil {
		s.writeError(c, err)
		return
	}
	s.signinMetric("registered")
	c.JSON(http.StatusCreated, gin.H{"account": viewOf(a)})
}

func (s *Server) newAccount(c *gin.Context, r shop.Registration) (shop.Account, error) {
	release, err := s.hashes.acquire(c)
	if err != nil {
		return shop.Account{}, err
	}
	defer release()
	return shop.NewAccount(r, s.now())
}
