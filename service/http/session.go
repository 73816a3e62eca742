package http

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flashscale/flashscale/service/shop"
)

// SessionCookie holds a signed-in shopper's opaque session token (256
// random bits). Only its SHA-256 is stored, so a database leak reveals no
// usable cookie. Guests have no cookie at all: browsing, search and the
// cart need no identity.
const SessionCookie = "fs_session"

const sessionKey = "flashscale.session"

// resolved is the memo of one request's session lookup.
type resolved struct {
	s   *shop.Session
	err error
}

// session returns the caller's active session, nil for a guest. It is
// resolved only by the handlers that need an identity, once per request:
// the product listing every shopper polls never reads it, so it costs
// nothing there, and a signed-in request that needs it costs one
// primary-key lookup (no cache: a sign-out is effective at once on every
// pod). ctx bounds the lookup (the request's when nil).
func (s *Server) session(c *gin.Context, ctx context.Context) (*shop.Session, error) {
	if v, ok := c.Get(sessionKey); ok {
		r := v.(resolved)
		return r.s, r.err
	}
	if ctx == nil {
		ctx = c
	}
	r := s.lookupSession(c, ctx)
	c.Set(sessionKey, r)
	return r.s, r.err
}

func (s *Server) lookupSession(c *gin.Context, ctx context.Context) resolved {
	tok, err := c.Cookie(SessionCookie)
	if err != nil || tok == "" {
		return resolved{}
	}
	if !shop.ValidSessionToken(tok) {
		s.clearSessionCookie(c)
		return resolved{}
	}
	now := s.now().UTC()
	ss, err := s.store.GetSession(ctx, shop.SessionTokenHash(tok), now)
	switch shop.ErrorCode(err) {
	case "":
	case shop.ENOTFOUND: // expired or revoked: a guest again
		s.clearSessionCookie(c)
		return resolved{}
	default:
		return resolved{err: err}
	}
	// Idle expiry moves with use, but a write at most once per step per
	// session: an active shopper is not a write per request.
	if next, due := ss.IdleRefresh(now, s.cfg.SessionIdle, touchStep(s.cfg.SessionIdle)); due {
		if err := s.store.TouchSession(ctx, ss.TokenHash, next); err != nil {
			s.log.WarnContext(c, "extending a session failed; it keeps its idle expiry", slog.Any("err", err))
		} else {
			ss.IdleExpiresAt = next
		}
	}
	return resolved{s: &ss}
}

// touchStep is how far the idle expiry must be able to move before it is
// written: 1/168 of the idle timeout (an hour of a week), so idle expiry
// is exact to that.
func touchStep(idle time.Duration) time.Duration { return max(time.Second, idle/168) }

// requireShopper returns the signed-in caller's shopper id, or
// signin_required for a guest.
func (s *Server) requireShopper(c *gin.Context) (string, error) {
	ss, err := s.session(c, nil)
	if err != nil {
		return "", err
	}
	if ss == nil {
		return "", shop.Errorf(shop.ESIGNINREQUIRED, "Please sign in: orders belong to your account.")
	}
	return ss.Account.ShopperID, nil
}

// startSession creates a session for a and sets its cookie. A session the
// request came with is revoked first: a sign-in always gets a new token.
func (s *Server) startSession(c *gin.Context, a shop.Account) error {
	if old, err := c.Cookie(SessionCookie); err == nil && shop.ValidSessionToken(old) {
		if err := s.store.DeleteSession(c, shop.SessionTokenHash(old)); err != nil {
			return err
		}
	}
	tok, ss := shop.NewSession(a.ID, s.now(), s.cfg.SessionIdle, s.cfg.SessionMaxAge)
	if err := s.store.CreateSession(c, ss); err != nil {
		return err
	}
	// The cookie lives as long as the session can; the server ends it
	// sooner when it sits idle.
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: tok, Path: "/", MaxAge: int(s.cfg.SessionMaxAge.Seconds()),
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	ss.Account = a
	c.Set(sessionKey, resolved{s: &ss})
	return nil
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}

// accountView is an account as its owner sees it.
type accountView struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

func viewOf(a shop.Account) *accountView { return &accountView{Email: a.Email, Name: a.Name} }

// getSession is "who am I": the signed-in account, or null for a guest.
func (s *Server) getSession(c *gin.Context) {
	ss, err := s.session(c, nil)
	if err != nil {
		s.writeError(c, err)
		return
	}
	var view *accountView
	if ss != nil {
		view = viewOf(ss.Account)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"account": view})
}

// signIn checks an email and password and starts a new session. An
// unknown email and a wrong password get the same answer after the same
// work (one argon2id hash), so neither the body nor the time tells which
// emails are registered.
func (s *Server) signIn(c *gin.Context) {
	var cred shop.Credentials
	if err := decodeJSON(c, &cred); err != nil {
		s.writeError(c, err)
		return
	}
	cred.Normalize()
	if err := cred.Validate(); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.signinLimits.allow(c.ClientIP(), cred.Email, s.now()); err != nil {
		s.signinMetric("rate_limited")
		s.writeError(c, err)
		return
	}
	a, err := s.checkPassword(c, cred)
	if err != nil {
		if shop.ErrorCode(err) == shop.EBADCREDENTIALS {
			s.signinMetric("invalid_credentials")
		}
		s.writeError(c, err)
		return
	}
	if err := s.startSession(c, a); err != nil {
		s.writeError(c, err)
		return
	}
	s.signinMetric("signed_in")
	c.JSON(http.StatusOK, gin.H{"account": viewOf(a)})
}

var errBadCredentials = shop.Errorf(shop.EBADCREDENTIALS, "The email or password is not right.")

func (s *Server) checkPassword(c *gin.Context, cred shop.Credentials) (shop.Account, error) {
	release, err := s.hashes.acquire(c)
	if err != nil {
		return shop.Account{}, err
	}
	defer release()
	a, err := s.store.AccountByEmail(c, cred.Email)
	switch shop.ErrorCode(err) {
	case "":
	case shop.ENOTFOUND:
		shop.VerifyNoAccount(cred.Password)
		return shop.Account{}, errBadCredentials
	default:
		return shop.Account{}, err
	}
	ok, err := shop.VerifyPassword(a.PasswordHash, cred.Password)
	if err != nil {
		return shop.Account{}, err
	}
	if !ok {
		return shop.Account{}, errBadCredentials
	}
	return a, nil
}

// signOut revokes the caller's session in the store (every pod sees it at
// once) and clears the cookie. A guest signing out is a no-op.
func (s *Server) signOut(c *gin.Context) {
	if tok, err := c.Cookie(SessionCookie); err == nil && shop.ValidSessionToken(tok) {
		if err := s.store.DeleteSession(c, shop.SessionTokenHash(tok)); err != nil {
			s.writeError(c, err)
			return
		}
	}
	s.clearSessionCookie(c)
	c.Status(http.StatusNoContent)
}
