package http_test

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	fshttp "github.com/flashscale/flashscale/service/http"
)

// An instance holds at most its cap of client connections, and idle
// keep-alive connections make way for new clients instead of locking them
// out (19,990 idle connections once used up the file descriptors and new
// clients timed out). On loopback, with the real handler: 3× the cap of
// keep-alive clients each get served at once although the idle timeout is
// far longer than the test, and the server never holds more than the cap.
func TestConnLimiterBoundsConnectionsAndServesNewClients(t *testing.T) {
	env := newEnv(t, nil)
	const limit = 8
	conns := fshttp.NewConnLimiter(limit)
	var mu sync.Mutex
	peak := 0
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	blocked := make(chan struct{}, 3*limit)
	handler := env.server.Handler()
	srv := &http.Server{
		IdleTimeout: 10 * time.Minute, ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				blocked <- struct{}{}
				<-release
			}
			handler.ServeHTTP(w, r)
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			conns.ConnState(c, s)
			mu.Lock()
			peak = max(peak, conns.Open())
			mu.Unlock()
		},
	}
	go func() { _ = srv.Serve(conns.Listener(inner)) }()
	t.Cleanup(func() { srv.Close() })
	base := "http://" + inner.Addr().String()

	// Each client keeps its connection alive, as a browser does.
	get := func(path string) error {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		res, err := c.Get(base + path)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		return res.Body.Close()
	}
	for i := range 3 * limit {
		if err := get("/healthz"); err != nil {
			t.Fatalf("client %d with %d idle connections open: %v", i+1, conns.Open(), err)
		}
	}

	// With every slot busy, the next client waits for one to finish, then
	// gets in (that connection closes instead of idling at the cap).
	errs := make(chan error, limit+1)
	for range limit {
		go func() { errs <- get("/slow") }()
	}
	for range limit {
		<-blocked
	}
	waiting := make(chan error, 1)
	go func() { waiting <- get("/healthz") }()
	select {
	case err := <-waiting:
		t.Fatalf("a client got in with every slot busy: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-waiting; err != nil {
		t.Fatalf("the waiting client once a slot freed: %v", err)
	}
	close(release)
	for range limit {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > limit || peak < limit-1 {
		t.Fatalf("peak of %d open connections, want at most the cap of %d (and near it)", peak, limit)
	}
}
