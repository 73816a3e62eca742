package http

import (
	"container/list"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/netutil"
)

// ConnLimiter bounds the client connections one instance holds. 19,990
// idle keep-alive connections once used up the open-file limit: the
// database pool and the SQLite file could not get descriptors, and new
// clients timed out in the accept queue. The listener never holds more
// than max connections (netutil.LimitListener), and connections that sit
// idle make way for new ones: when the last slot is taken the longest-idle
// connection is closed, and at the cap a connection is closed as soon as
// its response is written instead of kept alive. Wire both Listener and
// ConnState into the http.Server.
type ConnLimiter struct {
	max  int
	mu   sync.Mutex
	open int
	// Idle connections, longest idle first: they go idle in time order.
	idle   list.List
	idleAt map[net.Conn]*list.Element
}

// NewConnLimiter allows at most n open connections (at least 1).
func NewConnLimiter(n int) *ConnLimiter {
	return &ConnLimiter{max: max(1, n), idleAt: map[net.Conn]*list.Element{}}
}

// Max is the cap.
func (l *ConnLimiter) Max() int { return l.max }

// Open is the number of client connections open now.
func (l *ConnLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Listener wraps ln so that Accept waits while max connections are open.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener {
	return &countingListener{Listener: netutil.LimitListener(ln, l.max), l: l}
}

type countingListener struct {
	net.Listener
	l *ConnLimiter
}

func (cl *countingListener) Accept() (net.Conn, error) {
	c, err := cl.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l := cl.l
	var victim net.Conn
	l.mu.Lock()
	l.open++
	if e := l.idle.Front(); e != nil && l.open >= l.max {
		// The next client would wait for a slot: free one now.
		victim = e.Value.(net.Conn)
		l.notIdle(victim)
	}
	l.mu.Unlock()
	if victim != nil {
		_ = victim.Close()
	}
	return &countedConn{Conn: c, l: l}, nil
}

// countedConn gives its slot back on the first Close, whoever closes it.
type countedConn struct {
	net.Conn
	l    *ConnLimiter
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.notIdle(c)
		c.l.open--
		c.l.mu.Unlock()
	})
	return err
}

// ConnState is the http.Server hook that keeps the idle set.
func (l *ConnLimiter) ConnState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	switch state {
	case http.StateIdle:
		if l.open >= l.max {
			l.mu.Unlock()
			_ = c.Close()
			return
		}
		if _, ok := l.idleAt[c]; !ok {
			l.idleAt[c] = l.idle.PushBack(c)
		}
	case http.StateActive, http.StateClosed, http.StateHijacked:
		l.notIdle(c)
	}
	l.mu.Unlock()
}

func (l *ConnLimiter) notIdle(c net.Conn) {
	if e, ok := l.idleAt[c]; ok {
		l.idle.Remove(e)
		delete(l.idleAt, c)
	}
}
