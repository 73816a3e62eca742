// Package smtptest runs a real SMTP server for tests: aiosmtpd, from
// Debian's python3-aiosmtpd (.ci/deps.sh installs it), as a process of its
// own that a test can stop and start again on the same port to stage an
// outage. Every message it accepts is kept as one file, so a test sees
// exactly what a receiver would, duplicates included.
package smtptest

import (
	"bufio"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

//go:embed smtpd.py
var script []byte

// Python is the interpreter Debian's python3-aiosmtpd belongs to (a
// python3 earlier on PATH, such as a pyenv one, does not see it).
const Python = "/usr/bin/python3"

// Required reports whether a missing server must fail the test rather than
// skip it: in CI, or when FLASHSCALE_REQUIRE_TOOLS is set.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") != ""
}

// Check fails (when Required) or skips the test if aiosmtpd is missing.
func Check(tb testing.TB) {
	tb.Helper()
	if err := exec.Command(Python, "-c", "import aiosmtpd").Run(); err != nil {
		msg := fmt.Sprintf("the SMTP tests need aiosmtpd (apt-get install python3-aiosmtpd; .ci/deps.sh does): %s -c 'import aiosmtpd': %v", Python, err)
		if Required() {
			tb.Fatal(msg)
		}
		tb.Skip("SKIPPING SMTP TESTS: " + msg + " (this fails instead when CI=true or FLASHSCALE_REQUIRE_TOOLS is set)")
	}
}

// Server is a running (or stopped) aiosmtpd.
type Server struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string // the Maildir

	tb     testing.TB
	script string
	cmd    *exec.Cmd
	done   chan struct{}
}

// New prepares a server on port (0 picks a free one) without starting it:
// a test of an outage starts it later. It is stopped when the test ends.
func New(tb testing.TB, port int) *Server {
	tb.Helper()
	Check(tb)
	if port == 0 {
		port = smoketest.FreePort(tb)
	}
	dir := tb.TempDir()
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port,
		Dir: filepath.Join(dir, "maildir"), tb: tb, script: filepath.Join(dir, "smtpd.py")}
	if err := os.WriteFile(s.script, script, 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Start runs a server on a free port.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := New(tb, 0)
	s.Start()
	return s
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("smtptest: already running")
	}
	cmd := exec.Command(Python, s.script, "127.0.0.1", strconv.Itoa(s.Port), s.Dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, out)
	}()
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "ready" {
			s.Stop()
			s.tb.Fatalf("smtptest: aiosmtpd on %s did not start (said %q)", s.Addr, line)
		}
	case <-time.After(30 * time.Second):
		s.Stop()
		s.tb.Fatalf("smtptest: aiosmtpd on %s not ready after 30s", s.Addr)
	}
}

// Stop stops the server (an outage); the messages it kept stay readable.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Message is one accepted message.
type Message struct {
	Header mail.Header
	// To is the envelope recipients (RCPT TO), as the server recorded them.
	To []string
	// Text and HTML are the decoded text/plain and text/html parts.
	Text, HTML string
	Raw        string
}

// Messages reads every message the server accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.tb.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(s.Dir, sub))
		if err != nil && !os.IsNotExist(err) {
			s.tb.Fatal(err)
		}
		for _, e := range entries {
			files = append(files, filepath.Join(s.Dir, sub, e.Name()))
		}
	}
	// Python's Maildir names a message "<seconds>.M<microseconds>P<pid>Q<n>...":
	// the microseconds are not zero-padded, so two messages of one second
	// sort by name in the wrong order; compare the numbers.
	sort.Slice(files, func(i, j int) bool {
		si, ui := deliveryTime(filepath.Base(files[i]))
		sj, uj := deliveryTime(filepath.Base(files[j]))
		if si != sj {
			return si < sj
		}
		if ui != uj {
			return ui < uj
		}
		return files[i] < files[j]
	})
	var out []Message
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			s.tb.Fatal(err)
		}
		m, err := Parse(string(b))
		if err != nil {
			s.tb.Fatalf("smtptest: %s: %v", f, err)
		}
		out = append(out, m)
	}
	return out
}

// Wait waits until the server has accepted at least n messages and
// returns all of them.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	s.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("smtptest: %d messages after %s, want %d", len(got), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Parse reads a message as the server stored it.
func Parse(raw string) (Message, error) {
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	out := Message{Header: m.Header, Raw: raw}
	for _, to := range m.Header["X-Rcptto"] {
		for _, a := range strings.Split(to, ",") {
			out.To = append(out.To, strings.TrimSpace(a))
		}
	}
	err = readPart(&out, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return out, err
}

func readPart(out *Message, contentType, encoding string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readPart(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		out.Text += string(b)
	case "text/html":
		out.HTML += string(b)
	}
	return nil
}

var maildirName = regexp.MustCompile(`^(\d+)\.M(\d+)P`)

// deliveryTime reads the seconds and microseconds a Maildir file name starts
// with (zero for a name of another shape, which then sorts by name).
func deliveryTime(name string) (sec, usec int64) {
	m := maildirName.FindStringSubmatch(name)
	if m == nil {
		return 0, 0
	}
	sec, _ = strconv.ParseInt(m[1], 10, 64)
	usec, _ = strconv.ParseInt(m[2], 10, 64)
	return sec, usec
}
