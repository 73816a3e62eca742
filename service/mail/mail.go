// Package mail delivers the order confirmation emails that the store's
// outbox holds (shop.Outbox): a Sender in every pod claims due emails with
// a lease, renders each from its committed order, hands it to an SMTP
// server (Amazon SES in production) and records the outcome in the store.
// Everything it knows is in the store, so a pod that restarts, crashes or
// is replaced loses nothing: an email claimed but not recorded as sent is
// claimed again when its lease ends. Delivery is therefore at least once;
// the Message-ID is derived from the order id, so a receiver can tell a
// resend from a new email.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/flashscale/flashscale/service/shop"
)

// Config is what a Sender needs; service/config reads it from the
// environment (FLASHSCALE_SMTP_*, FLASHSCALE_EMAIL_*).
type Config struct {
	Addr               string // host:port of the SMTP server
	Username, Password string // both empty: no authentication
	From               string // "FlashScale <orders@mail.example.com>"
	// StartTLS requires STARTTLS before anything else is sent (a server
	// that does not offer it fails the attempt); false talks plain SMTP,
	// for a relay on the same host.
	StartTLS bool
	// PollInterval is how often an idle sender looks for due emails.
	PollInterval time.Duration
	// RetryBackoff is the delay before the first retry; it doubles with
	// every failed attempt up to MaxBackoff, with jitter.
	RetryBackoff time.Duration
	// StoreTimeout bounds every store call.
	StoreTimeout time.Duration
	// Timeout bounds each step of an SMTP session (connect, each command).
	Timeout time.Duration
	// Lease is how long a claim keeps its emails from other senders. A
	// sender stops sending a batch once half of it has passed (see Poll),
	// and one email takes a few Timeouts at worst, so with Lease at least
	// MinLeaseTimeouts × Timeout a lease never ends while its holder may
	// still send. A sender killed while it holds a lease leaves those
	// emails to the next claim after it.
	Lease time.Duration
}

// MinLeaseTimeouts is how many SMTP timeouts a lease spans at least.
const MinLeaseTimeouts = 10

const (
	// Batch is how many emails one claim takes: one SMTP session sends
	// them all, so a backlog after a sale drains without a connection (and
	// a TLS handshake) per email.
	Batch = 20
	// MaxBackoff caps the retry delay: a long SMTP outage is retried at
	// least hourly.
	MaxBackoff = time.Hour
	// backlogEvery is how often an idle sender refreshes the outbox gauges.
	backlogEvery = 10 * time.Second
)

// Sender delivers confirmation emails from an outbox.
type Sender struct {
	store  shop.Outbox
	cfg    Config
	from   *netmail.Address
	domain string // of From: the Message-ID's right-hand side
	log    *slog.Logger
	m      *metrics
	now    func() time.Time
}

// New checks cfg and registers the sender's metrics on reg.
func New(store shop.Outbox, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Sender, error) {
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", cfg.From, err)
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	if _, _, err := hostPort(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.PollInterval <= 0 || cfg.RetryBackoff <= 0 || cfg.StoreTimeout <= 0 || cfg.Timeout <= 0 {
		return nil, errors.New("mail: poll interval, retry backoff, store and SMTP timeouts must be positive")
	}
	if cfg.Lease < MinLeaseTimeouts*cfg.Timeout {
		return nil, fmt.Errorf("mail: lease %s is shorter than %d SMTP timeouts (%s)", cfg.Lease, MinLeaseTimeouts, cfg.Timeout)
	}
	return &Sender{store: store, cfg: cfg, from: from, domain: domain, log: log, m: newMetrics(reg), now: time.Now}, nil
}

func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || host == "" || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("mail: SMTP address %q is not host:port", addr)
	}
	return host, port, nil
}

// Run delivers until ctx ends (SIGTERM). It then sends no further email:
// the one being handed to the server is finished and recorded (a cut-off
// DATA would be sent again by the next claim anyway, but needlessly), and
// the rest of the batch is handed back for the next sender at once. Run
// returns when it has stopped; the store must stay open until then.
func (s *Sender) Run(ctx context.Context) {
	s.log.Info("email sender started", slog.String("smtpAddr", s.cfg.Addr), slog.Bool("startTls", s.cfg.StartTLS),
		slog.Duration("pollInterval", s.cfg.PollInterval), slog.Duration("lease", s.cfg.Lease))
	var lastBacklog time.Time
	for {
		more := s.Poll(ctx)
		if ctx.Err() != nil {
			s.log.Info("email sender stopped")
			return
		}
		if more || time.Since(lastBacklog) >= backlogEvery {
			s.refreshBacklog(ctx)
			lastBacklog = time.Now()
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			s.log.Info("email sender stopped")
			return
		case <-time.After(s.cfg.PollInterval):
		}
	}
}

// Poll claims one batch of due emails and delivers it. It reports whether
// more may be due right away (a full batch went out).
func (s *Sender) Poll(ctx context.Context) (more bool) {
	claimedAt := s.now()
	var emails []shop.Email
	err := s.call(ctx, func(ctx context.Context) (err error) {
		emails, err = s.store.ClaimEmails(ctx, claimedAt, s.cfg.Lease, Batch)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("email sender: claiming from the outbox failed", slog.Any("err", err))
		}
		return false
	}
	if len(emails) == 0 {
		return false
	}
	// Past the claim, work goes on to its end even as ctx is cancelled:
	// every claimed email is either sent and recorded or handed back.
	work := context.WithoutCancel(ctx)
	client, err := s.dial(work)
	if err != nil {
		// One line for the batch: an outage must not log a line per email
		// of a backlog on every backoff round.
		ids := make([]string, len(emails))
		for i, e := range emails {
			ids[i] = e.Order.ID
			s.failed(work, e, err, false)
		}
		s.log.Warn("email sender: cannot reach the SMTP server; the batch will be retried", slog.Int("emails", len(emails)),
			slog.Any("orderIds", ids), slog.Any("err", err))
		return false
	}
	defer func() { _ = client.Close() }()
	for i, e := range emails {
		if ctx.Err() != nil || s.now().Sub(claimedAt) > s.cfg.Lease/2 {
			s.release(work, emails[i:])
			return false
		}
		if err := s.send(client, e); err != nil {
			s.failed(work, e, err, true)
			continue
		}
		s.m.sent.Inc()
		if err := s.call(work, func(ctx context.Context) error { return s.store.MarkEmailSent(ctx, e.ID, s.now()) }); err != nil {
			// It went out; the next claim after the lease sends it again.
			s.log.Error("email sender: the email was sent but recording it failed; it will be sent again",
				slog.String("orderId", e.Order.ID), slog.Any("err", err))
		}
	}
	return len(emails) == Batch
}

// dial opens the batch's SMTP session.
func (s *Sender) dial(ctx context.Context) (*session, error) {
	host, port, _ := hostPort(s.cfg.Addr)
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(s.cfg.Timeout)}
	if s.cfg.StartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	dialCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	sc, err := c.DialToSMTPClientWithContext(dialCtx)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", s.cfg.Addr, err)
	}
	return &session{c: c, sc: sc}, nil
}

type session struct {
	c  *gomail.Client
	sc *smtp.Client
}

func (ss *session) Close() error { return ss.c.CloseWithSMTPClient(ss.sc) }

// send hands one email to the server.
func (s *Sender) send(ss *session, e shop.Email) error {
	msg, err := s.message(e)
	if err != nil {
		return err
	}
	start := time.Now()
	err = ss.c.SendWithSMTPClient(ss.sc, msg)
	s.m.duration.Observe(time.Since(start).Seconds())
	return err
}

// MessageID is the Message-ID of order orderID's confirmation, the same
// for every attempt so that a receiver can drop a resend. Order ids are
// [A-Z0-9-], valid on the left of a Message-ID as they are.
func MessageID(orderID, domain string) string {
	return "order-" + orderID + "@" + domain
}

func (s *Sender) message(e shop.Email) (*gomail.Msg, error) {
	r := Render(e.Order)
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(s.from)
	if err := m.To(e.Recipient); err != nil {
		return nil, &badRecipient{err}
	}
	id := MessageID(e.Order.ID, s.domain)
	m.SetMessageIDWithValue(id)
	// Amazon SES replaces Message-ID with its own; References survives,
	// so mail clients still put a resend in the same thread.
	m.SetGenHeader(gomail.HeaderReferences, "<"+id+">")
	m.SetGenHeader("X-FlashScale-Order", e.Order.ID)
	m.SetDateWithValue(e.CreatedAt)
	m.Subject(r.Subject)
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	return m, nil
}

// badRecipient is an address no server will take: retrying cannot help.
type badRecipient struct{ err error }

func (b *badRecipient) Error() string { return "invalid recipient address: " + b.err.Error() }

// permanent reports a failure no retry can get past: the address is
// malformed, or the server refused the recipient with a 5xx reply. Every
// other failure (the server down, a 4xx, a refused login, a TLS problem)
// is retried: a misconfiguration must not throw away every email of a
// sale, and the failure metric says something is wrong.
func permanent(err error) bool {
	var bad *badRecipient
	if errors.As(err, &bad) {
		return true
	}
	var se *gomail.SendError
	return errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp()
}

// failed records a failed attempt: retried after the backoff, or given up;
// logged when logIt (the caller logs a failed connection once per batch).
func (s *Sender) failed(ctx context.Context, e shop.Email, cause error, logIt bool) {
	var retryAt time.Time
	outcome := outcomeGaveUp
	if !permanent(cause) {
		retryAt = s.now().Add(Backoff(s.cfg.RetryBackoff, e.Attempt, rand.Float64()))
		outcome = outcomeRetry
	}
	s.m.failures.WithLabelValues(outcome).Inc()
	if logIt {
		s.log.Warn("email sender: delivery failed", slog.String("orderId", e.Order.ID), slog.Int("attempt", e.Attempt),
			slog.String("outcome", outcome), slog.Time("retryAt", retryAt), slog.Any("err", cause))
	}
	if err := s.call(ctx, func(ctx context.Context) error {
		return s.store.RetryEmail(ctx, e.ID, e.Attempt, retryAt, cause.Error())
	}); err != nil {
		// The lease runs out and the email is claimed again anyway.
		s.log.Warn("email sender: recording the failure failed", slog.String("orderId", e.Order.ID), slog.Any("err", err))
	}
}

// release hands unsent emails back, due at once, for another sender.
func (s *Sender) release(ctx context.Context, emails []shop.Email) {
	now := s.now()
	for _, e := range emails {
		if err := s.call(ctx, func(ctx context.Context) error {
			return s.store.RetryEmail(ctx, e.ID, e.Attempt, now, "not sent: the sender stopped or its lease was running out")
		}); err != nil {
			s.log.Warn("email sender: handing an email back failed; it is due when its lease ends",
				slog.String("orderId", e.Order.ID), slog.Any("err", err))
		}
	}
}

// Backoff is the delay after failed attempt number attempt (1 for the
// first): first doubled per attempt, capped at MaxBackoff, then "equal
// jitter", a uniformly random point of its upper half (u in [0,1)), so the
// emails of one outage do not all come back at the same moment.
func Backoff(first time.Duration, attempt int, u float64) time.Duration {
	d := first
	for i := 1; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	return d/2 + time.Duration(u*float64(d/2))
}

func (s *Sender) refreshBacklog(ctx context.Context) {
	var n int
	var oldest time.Time
	err := s.call(ctx, func(ctx context.Context) (err error) {
		n, oldest, err = s.store.EmailBacklog(ctx)
		return err
	})
	if err != nil {
		return // the gauges keep their last value; the claim's failure is logged
	}
	s.m.pending.Set(float64(n))
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, s.now().Sub(oldest).Seconds())
	}
	s.m.oldest.Set(age)
}

// call runs one store call under the store deadline.
func (s *Sender) call(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StoreTimeout)
	defer cancel()
	return fn(ctx)
}
