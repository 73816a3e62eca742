package http

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
