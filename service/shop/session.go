package shop

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session is a signed-in browser. Only the SHA-256 of its token is stored,
// so a database leak yields no usable cookie. It ends at ExpiresAt
// (absolute: fixed at sign-in) or at IdleExpiresAt (pushed forward while
// the shopper is active), whichever comes first, or when revoked.
type Session struct {
	TokenHash     string
	AccountID     string
	CreatedAt     time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	// Account is the session's account, filled in by Store.GetSession.
	Account Account
}

// SessionTokenBytes is the token's entropy: 256 random bits.
const SessionTokenBytes = 32

// NewSession returns a fresh random token and the session it names for
// account, starting at now. A sign-in always gets a new token, so a token
// planted before sign-in (session fixation) never becomes signed in.
func NewSession(accountID string, now time.Time, idle, absolute time.Duration) (string, Session) {
	var b [SessionTokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now = now.UTC()
	s := Session{TokenHash: SessionTokenHash(tok), AccountID: accountID, CreatedAt: now,
		ExpiresAt: now.Add(absolute)}
	s.IdleExpiresAt = earlier(now.Add(idle), s.ExpiresAt)
	return tok, s
}

// SessionTokenHash is the stored form of a token.
func SessionTokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// ValidSessionToken reports whether tok has the shape NewSession gives, so
// a forged cookie of any other shape costs no store read.
func ValidSessionToken(tok string) bool {
	if len(tok) != base64.RawURLEncoding.EncodedLen(SessionTokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(tok)
	return err == nil
}

// Active reports whether the session is still valid at now.
func (s Session) Active(now time.Time) bool {
	return now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

// IdleRefresh returns the idle expiry a request at now earns, and whether
// it is worth a store write: only once every step, so an active shopper
// costs one write per step, not one per request.
func (s Session) IdleRefresh(now time.Time, idle, step time.Duration) (time.Time, bool) {
	next := earlier(now.UTC().Add(idle), s.ExpiresAt)
	return next, next.Sub(s.IdleExpiresAt) >= step
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
