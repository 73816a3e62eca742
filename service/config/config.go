// Package config reads the service's typed configuration from the
// environment once at start-up, applies defaults, validates it and renders
// it for the log with secrets masked.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/flashscale/flashscale/service/buildinfo"
)

// Config is every knob of the service. README.md documents each variable.
type Config struct {
	Port        int    `env:"PORT" envDefault:"8080"`
	DatabaseURL string `env:"DATABASE_URL"`
	DBMaxConns  int    `env:"FLASHSCALE_DB_MAX_CONNS" envDefault:"20"`
	DataDir     string `env:"FLASHSCALE_DATA_DIR" envDefault:"./data"`
	Seed        bool   `env:"FLASHSCALE_SEED" envDefault:"true"`

	Color     string `env:"DEPLOY_COLOR"`
	Version   string `env:"APP_VERSION"`
	BuildTime string `env:"BUILD_TIME"`
	Commit    string `env:"-"`

	AdminToken     string   `env:"FLASHSCALE_ADMIN_TOKEN"`
	AllowedOrigins []string `env:"FLASHSCALE_ALLOWED_ORIGINS" envSeparator:","`
	CookieSecure   bool     `env:"FLASHSCALE_COOKIE_SECURE" envDefault:"false"`
	// TrustedProxies are the CIDRs whose X-Forwarded-For names the client
	// (the load balancer's subnets); empty trusts none and the TCP peer is
	// the client address the sign-in limit counts.
	TrustedProxies []string `env:"FLASHSCALE_TRUSTED_PROXIES" envSeparator:","`

	// A session ends when unused for SessionIdle or SessionMaxAge after
	// sign-in, whichever comes first.
	SessionIdle   time.Duration `env:"FLASHSCALE_SESSION_IDLE" envDefault:"168h"`
	SessionMaxAge time.Duration `env:"FLASHSCALE_SESSION_MAX_AGE" envDefault:"720h"`
	// Sign-in attempts allowed per minute per account and per client
	// address (registrations count against the address too); 0 is no limit.
	SigninPerAccount int `env:"FLASHSCALE_SIGNIN_PER_ACCOUNT" envDefault:"5"`
	SigninPerAddress int `env:"FLASHSCALE_SIGNIN_PER_ADDRESS" envDefault:"60"`
	// PasswordHashes bounds concurrent argon2id hashes (19 MiB each); 0
	// means GOMAXPROCS.
	PasswordHashes int `env:"FLASHSCALE_PASSWORD_HASHES" envDefault:"0"`

	DrainTimeout   time.Duration `env:"FLASHSCALE_DRAIN_TIMEOUT" envDefault:"20s"`
	ShutdownDelay  time.Duration `env:"FLASHSCALE_SHUTDOWN_DELAY" envDefault:"0s"`
	CatalogRefresh time.Duration `env:"FLASHSCALE_CATALOG_REFRESH" envDefault:"1s"`

	CheckoutMaxInFlight int           `env:"FLASHSCALE_CHECKOUT_MAX_INFLIGHT" envDefault:"256"`
	CheckoutQueueWait   time.Duration `env:"FLASHSCALE_CHECKOUT_QUEUE_WAIT" envDefault:"250ms"`
	CheckoutBatch       int           `env:"FLASHSCALE_CHECKOUT_BATCH" envDefault:"128"`

	StoreTimeout time.Duration `env:"FLASHSCALE_STORE_TIMEOUT" envDefault:"5s"`
	// MaxConns caps open client connections; 0 derives it from RLIMIT_NOFILE.
	MaxConns    int           `env:"FLASHSCALE_MAX_CONNS" envDefault:"0"`
	IdleTimeout time.Duration `env:"FLASHSCALE_IDLE_TIMEOUT" envDefault:"75s"`

	// The confirmation email sender (service/mail); off while SMTPAddr is
	// unset (the outbox still fills).
	SMTPAddr          string        `env:"FLASHSCALE_SMTP_ADDR"`
	SMTPUsername      string        `env:"FLASHSCALE_SMTP_USERNAME"`
	SMTPPassword      string        `env:"FLASHSCALE_SMTP_PASSWORD"`
	SMTPFrom          string        `env:"FLASHSCALE_SMTP_FROM"`
	SMTPTLS           string        `env:"FLASHSCALE_SMTP_TLS" envDefault:"starttls"`
	EmailPollInterval time.Duration `env:"FLASHSCALE_EMAIL_POLL_INTERVAL" envDefault:"2s"`
	EmailRetryBackoff time.Duration `env:"FLASHSCALE_EMAIL_RETRY_BACKOFF" envDefault:"30s"`
	EmailLease        time.Duration `env:"FLASHSCALE_EMAIL_LEASE" envDefault:"5m"`
	SMTPTimeout       time.Duration `env:"FLASHSCALE_SMTP_TIMEOUT" envDefault:"15s"`

	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on its
	// own listener: never the shop's port, off by default.
	DebugAddr string `env:"FLASHSCALE_DEBUG_ADDR"`

	LogLevel  slog.Level `env:"FLASHSCALE_LOG_LEVEL" envDefault:"info"`
	LogFormat string     `env:"FLASHSCALE_LOG_FORMAT" envDefault:"json"`
	AccessLog string     `env:"FLASHSCALE_ACCESS_LOG" envDefault:"errors"`
}

// Colours a deployment may run as; "none" is a local run.
const (
	ColorBlue  = "blue"
	ColorGreen = "green"
	ColorNone  = "none"
)

// SMTP transport security (FLASHSCALE_SMTP_TLS).
const (
	SMTPStartTLS = "starttls" // STARTTLS required: the session fails without it
	SMTPNoTLS    = "none"     // plain text, for a relay on the same host (tests, local runs)
)

// Access log levels.
const (
	AccessLogAll    = "all"    // every request
	AccessLogErrors = "errors" // status >= 400 or slower than a second
	AccessLogOff    = "off"
)

// FromEnv reads Config from the process environment.
func FromEnv() (Config, error) { return Parse(nil) }

// Parse reads Config from environ (KEY=value pairs), or from the process
// environment when environ is nil. Tests pass their own.
func Parse(environ map[string]string) (Config, error) {
	var c Config
	opts := env.Options{}
	if environ != nil {
		opts.Environment = environ
	}
	if err := env.ParseWithOptions(&c, opts); err != nil {
		return c, namedParseError(err)
	}
	if c.Version == "" {
		c.Version = buildinfo.Version
	}
	if c.BuildTime == "" {
		c.BuildTime = buildinfo.BuildTime
	}
	c.Commit = buildinfo.Commit
	return c, c.Validate()
}

// Validate reports every invalid value at once, naming the variable.
func (c *Config) Validate() error {
	var errs []error
	switch c.Color {
	case "":
		c.Color = ColorNone
	case ColorBlue, ColorGreen:
	default:
		errs = append(errs, fmt.Errorf("DEPLOY_COLOR=%q: must be blue or green (or unset for a local run)", c.Color))
	}
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT=%d: must be 1-65535", c.Port))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_URL: must be a postgres:// URL (unset uses the embedded SQLite store)"))
		}
	}
	if c.DBMaxConns < 1 || c.DBMaxConns > 1000 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_DB_MAX_CONNS=%d: must be 1-1000", c.DBMaxConns))
	}
	if c.DrainTimeout <= 0 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_DRAIN_TIMEOUT=%s: must be positive", c.DrainTimeout))
	}
	if c.ShutdownDelay < 0 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SHUTDOWN_DELAY=%s: must not be negative", c.ShutdownDelay))
	}
	if c.CatalogRefresh < 10*time.Millisecond || c.CatalogRefresh > time.Second {
		errs = append(errs, fmt.Errorf("FLASHSCALE_CATALOG_REFRESH=%s: must be between 10ms and 1s (listings may lag stock by at most a second)", c.CatalogRefresh))
	}
	if c.CheckoutMaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_CHECKOUT_MAX_INFLIGHT=%d: must be at least 1", c.CheckoutMaxInFlight))
	}
	if c.CheckoutBatch < 1 || c.CheckoutBatch > 1000 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_CHECKOUT_BATCH=%d: must be 1-1000 (1 turns group commit off)", c.CheckoutBatch))
	}
	if c.CheckoutQueueWait < 0 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_CHECKOUT_QUEUE_WAIT=%s: must not be negative", c.CheckoutQueueWait))
	}
	if c.StoreTimeout < 100*time.Millisecond || c.StoreTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("FLASHSCALE_STORE_TIMEOUT=%s: must be between 100ms and 1m", c.StoreTimeout))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_MAX_CONNS=%d: must not be negative (0 derives it from the open-file limit)", c.MaxConns))
	}
	if c.IdleTimeout < time.Second {
		errs = append(errs, fmt.Errorf("FLASHSCALE_IDLE_TIMEOUT=%s: must be at least 1s", c.IdleTimeout))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("FLASHSCALE_ADMIN_TOKEN: must be at least 16 characters"))
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			if net.ParseIP(p) == nil {
				errs = append(errs, fmt.Errorf("FLASHSCALE_TRUSTED_PROXIES: %q is not an IP address or CIDR like 10.0.0.0/16", p))
			}
		}
	}
	if c.DebugAddr != "" {
		if host, port, err := net.SplitHostPort(c.DebugAddr); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("FLASHSCALE_DEBUG_ADDR=%q: must be host:port, like 127.0.0.1:6060", c.DebugAddr))
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			// The profiler shows goroutine stacks and heap contents: it is
			// for kubectl port-forward, which reaches the pod's loopback,
			// and never for the network.
			errs = append(errs, fmt.Errorf("FLASHSCALE_DEBUG_ADDR=%q: must be a loopback address (127.0.0.1, ::1 or localhost)", c.DebugAddr))
		}
	}
	if c.SessionIdle < time.Minute {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SESSION_IDLE=%s: must be at least 1m", c.SessionIdle))
	}
	if c.SessionMaxAge < c.SessionIdle {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SESSION_MAX_AGE=%s: must be at least FLASHSCALE_SESSION_IDLE (%s)", c.SessionMaxAge, c.SessionIdle))
	}
	if c.SigninPerAccount < 0 || c.SigninPerAddress < 0 {
		errs = append(errs, errors.New("FLASHSCALE_SIGNIN_PER_ACCOUNT, FLASHSCALE_SIGNIN_PER_ADDRESS: must not be negative (0 is no limit)"))
	}
	if c.PasswordHashes < 0 || c.PasswordHashes > 64 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_PASSWORD_HASHES=%d: must be 0-64 (0 is GOMAXPROCS; each hash takes 19 MiB)", c.PasswordHashes))
	}
	for _, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
			errs = append(errs, fmt.Errorf("FLASHSCALE_ALLOWED_ORIGINS: %q is not an origin like https://shop.example.com", o))
		}
	}
	errs = append(errs, c.validateSMTP()...)
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("FLASHSCALE_LOG_FORMAT=%q: must be json or text", c.LogFormat))
	}
	switch c.AccessLog {
	case AccessLogAll, AccessLogErrors, AccessLogOff:
	default:
		errs = append(errs, fmt.Errorf("FLASHSCALE_ACCESS_LOG=%q: must be all, errors or off", c.AccessLog))
	}
	return errors.Join(errs...)
}

func (c *Config) validateSMTP() []error {
	var errs []error
	switch c.SMTPTLS {
	case SMTPStartTLS, SMTPNoTLS:
	default:
		errs = append(errs, fmt.Errorf("FLASHSCALE_SMTP_TLS=%q: must be starttls or none", c.SMTPTLS))
	}
	if c.EmailPollInterval < 10*time.Millisecond || c.EmailPollInterval > time.Minute {
		errs = append(errs, fmt.Errorf("FLASHSCALE_EMAIL_POLL_INTERVAL=%s: must be between 10ms and 1m", c.EmailPollInterval))
	}
	if c.EmailRetryBackoff < 10*time.Millisecond || c.EmailRetryBackoff > time.Hour {
		errs = append(errs, fmt.Errorf("FLASHSCALE_EMAIL_RETRY_BACKOFF=%s: must be between 10ms and 1h", c.EmailRetryBackoff))
	}
	if c.SMTPTimeout < 100*time.Millisecond || c.SMTPTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SMTP_TIMEOUT=%s: must be between 100ms and 1m", c.SMTPTimeout))
	} else if c.EmailLease < 10*c.SMTPTimeout || c.EmailLease > time.Hour {
		// 10: mail.MinLeaseTimeouts (config does not import the sender).
		errs = append(errs, fmt.Errorf("FLASHSCALE_EMAIL_LEASE=%s: must be at least 10 × FLASHSCALE_SMTP_TIMEOUT (%s) and at most 1h", c.EmailLease, c.SMTPTimeout))
	}
	if c.SMTPAddr == "" {
		return errs
	}
	host, port, err := net.SplitHostPort(c.SMTPAddr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SMTP_ADDR=%q: must be host:port, like email-smtp.ap-south-1.amazonaws.com:587", c.SMTPAddr))
	}
	if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || strings.ContainsAny(a.Address, "\r\n") {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SMTP_FROM=%q: must be an address like \"FlashScale <orders@mail.example.com>\" when FLASHSCALE_SMTP_ADDR is set", c.SMTPFrom))
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		errs = append(errs, errors.New("FLASHSCALE_SMTP_USERNAME and FLASHSCALE_SMTP_PASSWORD: set both or neither"))
	}
	// Credentials in clear text cross no network: without TLS only a relay
	// on this host may be told them.
	if c.SMTPTLS == SMTPNoTLS && c.SMTPPassword != "" && !isLoopback(host) {
		errs = append(errs, fmt.Errorf("FLASHSCALE_SMTP_TLS=none: would send the SMTP password to %s in clear text; use starttls", host))
	}
	return errs
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// EmailEnabled reports whether the confirmation email sender runs.
func (c Config) EmailEnabled() bool { return c.SMTPAddr != "" }

// namedParseError rewrites the parser's errors, which name Go fields, to
// name the environment variable an operator has to fix.
func namedParseError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	var errs []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := reflect.TypeOf(Config{}).FieldByName(pe.Name); ok {
				errs = append(errs, fmt.Errorf("%s: cannot parse as %s: %w", f.Tag.Get("env"), pe.Type, pe.Err))
				continue
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// LogValue renders the config for the start-up log with secrets masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("port", c.Port),
		slog.String("store", c.StoreKind()),
		slog.String("databaseUrl", maskURL(c.DatabaseURL)),
		slog.Int("dbMaxConns", c.DBMaxConns),
		slog.String("dataDir", c.DataDir),
		slog.String("color", c.Color),
		slog.String("version", c.Version),
		slog.String("buildTime", c.BuildTime),
		slog.String("commit", c.Commit),
		slog.Bool("adminApi", c.AdminToken != ""),
		slog.String("allowedOrigins", strings.Join(c.AllowedOrigins, ",")),
		slog.String("trustedProxies", strings.Join(c.TrustedProxies, ",")),
		slog.Duration("sessionIdle", c.SessionIdle),
		slog.Duration("sessionMaxAge", c.SessionMaxAge),
		slog.Int("signinPerAccount", c.SigninPerAccount),
		slog.Int("signinPerAddress", c.SigninPerAddress),
		slog.Int("passwordHashes", c.PasswordHashes),
		slog.Duration("drainTimeout", c.DrainTimeout),
		slog.Duration("shutdownDelay", c.ShutdownDelay),
		slog.Int("checkoutMaxInFlight", c.CheckoutMaxInFlight),
		slog.Duration("checkoutQueueWait", c.CheckoutQueueWait),
		slog.Int("checkoutBatch", c.CheckoutBatch),
		slog.Duration("storeTimeout", c.StoreTimeout),
		slog.Int("maxConns", c.MaxConns),
		slog.Duration("idleTimeout", c.IdleTimeout),
		slog.String("accessLog", c.AccessLog),
		slog.String("smtpAddr", c.SMTPAddr),
		slog.String("smtpUsername", c.SMTPUsername),
		slog.String("smtpPassword", mask(c.SMTPPassword)),
		slog.String("smtpFrom", c.SMTPFrom),
		slog.String("smtpTls", c.SMTPTLS),
		slog.Duration("emailPollInterval", c.EmailPollInterval),
		slog.Duration("emailRetryBackoff", c.EmailRetryBackoff),
		slog.Duration("emailLease", c.EmailLease),
		slog.Duration("smtpTimeout", c.SMTPTimeout),
		slog.String("debugAddr", c.DebugAddr),
	)
}

// StoreKind names the store the config selects.
func (c Config) StoreKind() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "xxxxx"
}

func maskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
