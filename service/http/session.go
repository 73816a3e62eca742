package http

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

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
// nothing there. A signed-in request that needs it costs one primary-key
// lookup, or none when this pod looked the token up within
// sessionCacheTTL and the revocation feed vouches for it (see
// sessionCache). ctx bounds the lookup (the
// request's when nil).
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
	hash := shop.SessionTokenHash(tok)
	if ss, ok := s.sessions.get(hash, now); ok {
		return resolved{s: &ss}
	}
	ss, err := s.store.GetSession(ctx, hash, now)
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
	s.sessions.put(ss, now, s.cacheUntil(ss, now))
	return resolved{s: &ss}
}

// cacheUntil is how long a pod may keep ss: sessionCacheTTL, but no
// longer than until a request would next extend its idle expiry in the
// store (IdleRefresh). A shopper whose requests all hit the cache would
// otherwise never write it, and be signed out in the middle of shopping
// by a short FLASHSCALE_SESSION_IDLE.
func (s *Server) cacheUntil(ss shop.Session, now time.Time) time.Time {
	until := now.Add(sessionCacheTTL)
	idle, step := s.cfg.SessionIdle, touchStep(s.cfg.SessionIdle)
	if ss.ExpiresAt.Sub(ss.IdleExpiresAt) < step {
		return until // the absolute expiry is too close for another touch
	}
	if due := ss.IdleExpiresAt.Add(step - idle); due.Before(until) {
		until = due
		// A touch that failed is due already: try it again a second later,
		// not on every request.
		if soon := now.Add(time.Second); until.Before(soon) {
			until = soon
		}
	}
	return until
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
		hash := shop.SessionTokenHash(old)
		s.sessions.drop(hash)
		if err := s.store.DeleteSession(c, hash); err != nil {
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

// signOut revokes the caller's session in the store (this pod at once,
// the others through the revocation feed within about revocationPoll) and
// clears the cookie. A guest signing out is a no-op.
func (s *Server) signOut(c *gin.Context) {
	if tok, err := c.Cookie(SessionCookie); err == nil && shop.ValidSessionToken(tok) {
		hash := shop.SessionTokenHash(tok)
		s.sessions.drop(hash)
		if err := s.store.DeleteSession(c, hash); err != nil {
			s.writeError(c, err)
			return
		}
	}
	s.clearSessionCookie(c)
	c.Status(http.StatusNoContent)
}

// sessionCacheTTL is how long a pod keeps a session it looked up. Every
// signed-in shopper's product view, quote, checkout and order list needs
// the session; without the cache each is one more store read (a join of
// sessions and accounts), about 850 a second at the 5,000-shopper sale's
// peak. The cache can be long because revocations reach every pod through
// the store's revocation feed (revocationFeed) within about revocationPoll;
// sessions still expire on their own (Session.Active) and an entry ends
// early when its idle expiry is due a write (cacheUntil).
const sessionCacheTTL = 10 * time.Minute

// maxCachedSessions bounds the cache; past it, it starts over.
const maxCachedSessions = 100_000

type cachedSession struct {
	s     shop.Session
	until time.Time
	// alone is until when the entry is trusted without the revocation
	// feed: revocationStale after its lookup, the whole cache of the
	// releases before the feed. A revocation reaches a pod whose feed is
	// failing no later than it did then.
	alone time.Time
}

// sessionCache holds recently looked-up sessions by token hash.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
	// vouched is until when (Unix nanoseconds, the server's clock) the
	// revocation feed vouches for the entries: revocationStale after the
	// start of its last successful read. Past it the feed is failing, and
	// only entries younger than revocationStale are trusted.
	vouched atomic.Int64
}

func newSessionCache() *sessionCache { return &sessionCache{m: map[string]cachedSession{}} }

// get is on every signed-in request that needs the shopper: a lock, a map
// lookup and an atomic load, nothing allocated.
func (c *sessionCache) get(hash string, now time.Time) (shop.Session, bool) {
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) || !e.s.Active(now) {
		return shop.Session{}, false
	}
	if now.UnixNano() >= c.vouched.Load() && !now.Before(e.alone) {
		return shop.Session{}, false
	}
	return e.s, true
}

func (c *sessionCache) put(ss shop.Session, now, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedSessions {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedSessions {
			clear(c.m)
		}
	}
	// Nothing served from the cache needs the password hash; a cache that
	// keeps sessions for minutes should not keep those too (and its ~100
	// bytes a session).
	ss.Account.PasswordHash = ""
	c.m[ss.TokenHash] = cachedSession{s: ss, until: until, alone: now.Add(revocationStale)}
}

func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	delete(c.m, hash)
	c.mu.Unlock()
}

// revoke drops the revoked sessions, then lets the feed vouch for the
// rest until vouched.
func (c *sessionCache) revoke(hashes []string, vouched time.Time) {
	if len(hashes) > 0 {
		c.mu.Lock()
		for _, h := range hashes {
			delete(c.m, h)
		}
		c.mu.Unlock()
	}
	c.vouched.Store(vouched.UnixNano())
}

const (
	// revocationPoll is how often each pod reads the revocation feed: about
	// how long a sign-out on one pod takes to reach the others.
	revocationPoll = time.Second
	// revocationStale is how long a successful read of the feed vouches
	// for the cache (five polls). Past it, a pod trusts an entry only for
	// revocationStale after its lookup, as every entry before the feed: a
	// failing feed never delays a sign-out more than the old 5 s cache did.
	revocationStale = 5 * time.Second
	// revocationOverlap is how far before the latest database time it saw
	// a pod reads the feed again (at least; twice the store timeout if that
	// is longer). A revocation can commit after a read that its time
	// precedes, by as long as its transaction ran, which the store timeout
	// (and PostgreSQL's statement_timeout) bounds. The cost is reading each
	// revocation for the overlap's 30 polls, a hash each.
	revocationOverlap = 30 * time.Second
	// revocationRetention is how long the store keeps a revocation: far
	// longer than sessionCacheTTL plus the overlap, so a revocation is
	// never pruned while a pod may hold the session, whatever the skew
	// between the pods' clocks and the database's.
	revocationRetention = time.Hour
	// Each pod prunes once a minute (database time), at most
	// revocationPruneBatch rows at once, sooner again when it hit the limit.
	revocationPruneEvery = time.Minute
	revocationPruneBatch = 1000
)

// revocationFeed polls the store's session revocations and drops them
// from the cache. Only its own goroutine polls (Start's first poll comes
// before that goroutine starts).
type revocationFeed struct {
	store   shop.Store
	cache   *sessionCache
	log     *slog.Logger
	now     func() time.Time
	reads   *prometheus.CounterVec
	overlap time.Duration
	since   time.Time // the database's clock: the last latest minus the overlap
	pruned  time.Time // the database's clock at the last prune
	failed  int       // reads failed in a row
	// pruning is set while a prune runs (in a goroutine of its own, so a
	// prune queued behind checkouts for the SQLite writer never delays a
	// read); more when it deleted a full batch and more are due.
	pruning, more atomic.Bool
}

func newRevocationFeed(s *Server) *revocationFeed {
	return &revocationFeed{store: s.store, cache: s.sessions, log: s.log, now: s.now, reads: s.metrics.revocationReads,
		overlap: max(revocationOverlap, 2*s.cfg.StoreTimeout)}
}

func (f *revocationFeed) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.poll(ctx)
		}
	}
}

// poll reads the revocations since the last read (minus the overlap),
// drops them, and extends the feed's word by revocationStale from the
// read's start: what it read covers every revocation committed before it.
func (f *revocationFeed) poll(ctx context.Context) {
	start := f.now()
	hashes, latest, err := f.store.SessionRevocations(ctx, f.since)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping
		}
		f.reads.WithLabelValues("error").Inc()
		if f.failed++; f.failed == 1 {
			f.log.WarnContext(ctx, "reading session revocations failed; until it recovers, a cached session is trusted only briefly after its lookup",
				slog.Duration("trustedFor", revocationStale), slog.Any("err", err))
		}
		return
	}
	f.cache.revoke(hashes, start.Add(revocationStale))
	f.reads.WithLabelValues("ok").Inc()
	if f.failed > 0 {
		f.log.InfoContext(ctx, "reading session revocations recovered; cached sessions trusted again", slog.Int("failedReads", f.failed))
		f.failed = 0
	}
	f.since = latest.Add(-f.overlap)
	if (f.more.Load() || latest.Sub(f.pruned) >= revocationPruneEvery) && f.pruning.CompareAndSwap(false, true) {
		f.pruned = latest
		f.more.Store(false)
		go f.prune(ctx, latest.Add(-revocationRetention))
	}
}

func (f *revocationFeed) prune(ctx context.Context, before time.Time) {
	defer f.pruning.Store(false)
	n, err := f.store.PruneSessionRevocations(ctx, before, revocationPruneBatch)
	switch {
	case err != nil && ctx.Err() == nil:
		f.log.WarnContext(ctx, "pruning session revocations failed; trying again in a minute", slog.Any("err", err))
	case n == revocationPruneBatch:
		f.more.Store(true) // a full batch: prune again after the next read
	}
}
