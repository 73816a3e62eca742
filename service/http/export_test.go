package http

import (
	"time"

	"github.com/flashscale/flashscale/service/config"
)

// HoldCheckoutSlots takes n admission slots, as n slow checkouts would, so
// tests can drive the shedding path deterministically.
func (s *Server) HoldCheckoutSlots(n int) (release func()) {
	for range n {
		s.admission.slots <- struct{}{}
	}
	done := false
	return func() {
		if !done {
			done = true
			for range n {
				s.admission.release()
			}
		}
	}
}

// HoldHashSlots takes every password-hashing slot, as a flood of sign-ins
// would, so tests can drive the hashing limit deterministically.
func (s *Server) HoldHashSlots() (release func()) {
	n := cap(s.hashes.slots)
	for range n {
		s.hashes.slots <- struct{}{}
	}
	return func() {
		for range n {
			s.hashes.release()
		}
	}
}

// Config is the server's configuration.
func (s *Server) Config() config.Config { return s.cfg }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.now() }

// RevocationFeedVouches reports whether the revocation feed's last read is
// recent enough, by the server's clock, for the cache to be trusted
// beyond 5 s after a lookup.
func (s *Server) RevocationFeedVouches() bool { return s.now().UnixNano() < s.sessions.vouched.Load() }
