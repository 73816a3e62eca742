package shop

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Account is a registered shopper. ShopperID is the identity orders,
// purchases and idempotency keys are recorded under: it has the shape the
// anonymous shopper ids had (32 hex digits), so the checkout SQL and every
// per-shopper limit work unchanged, and it is the same on every device the
// account signs in on.
type Account struct {
	ID           string    `json:"-"`
	ShopperID    string    `json:"-"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"-"`
}

// Bounds of account fields. Passwords follow NIST SP 800-63B: at least 8
// characters, no composition rules, and at least 64 accepted; the byte
// bound only stops a megabyte "password" from being hashed.
const (
	MaxEmailBytes    = 254
	MaxNameChars     = 100
	MinPasswordChars = 8
	MaxPasswordBytes = 256
)

// Registration is the body of POST /api/accounts.
type Registration struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// Credentials is the body of POST /api/session.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// NormalizeEmail trims and lower-cases an address, so "Asha@Example.in "
// and "asha@example.in" are one account.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizePassword applies NFKC, as SP 800-63B advises, so the same
// password typed on two keyboards (composed or decomposed accents) hashes
// alike. Spaces are kept: they are part of a passphrase.
func NormalizePassword(s string) string { return norm.NFKC.String(s) }

// Normalize trims the email and name and normalizes the password.
func (r *Registration) Normalize() {
	r.Email = NormalizeEmail(r.Email)
	r.Name = strings.TrimSpace(r.Name)
	r.Password = NormalizePassword(r.Password)
}

// Validate returns EINVALID naming every field that is wrong.
func (r *Registration) Validate() error {
	fields := map[string]string{}
	if msg := emailProblem(r.Email); msg != "" {
		fields["email"] = msg
	}
	if msg := passwordProblem(r.Password); msg != "" {
		fields["password"] = msg
	}
	switch {
	case r.Name == "":
		fields["name"] = "is required"
	case utf8.RuneCountInString(r.Name) > MaxNameChars:
		fields["name"] = "must be at most 100 characters"
	default:
		if msg := TextProblem(r.Name, false); msg != "" {
			fields["name"] = msg
		}
	}
	return invalid(fields, "Registration is invalid.")
}

// Normalize trims the email and normalizes the password.
func (c *Credentials) Normalize() {
	c.Email = NormalizeEmail(c.Email)
	c.Password = NormalizePassword(c.Password)
}

// Validate refuses credentials no account can have before any store read
// or hash: an empty field, or a bound exceeded.
func (c *Credentials) Validate() error {
	fields := map[string]string{}
	if c.Email == "" {
		fields["email"] = "is required"
	} else if len(c.Email) > MaxEmailBytes {
		fields["email"] = "must be at most 254 bytes"
	}
	if c.Password == "" {
		fields["password"] = "is required"
	} else if len(c.Password) > MaxPasswordBytes {
		fields["password"] = "must be at most 256 bytes"
	}
	return invalid(fields, "Sign-in request is invalid.")
}

func emailProblem(e string) string {
	switch {
	case e == "":
		return "is required"
	case len(e) > MaxEmailBytes:
		return "must be at most 254 bytes"
	case TextProblem(e, false) != "":
		return TextProblem(e, false)
	case validate.Var(e, "email") != nil:
		return "must be a valid email address"
	}
	return ""
}

func passwordProblem(p string) string {
	switch {
	case p == "":
		return "is required"
	case !utf8.ValidString(p):
		return "must be valid UTF-8 text"
	case len(p) > MaxPasswordBytes:
		return "must be at most 256 bytes"
	case utf8.RuneCountInString(p) < MinPasswordChars:
		return "must be at least 8 characters"
	}
	return ""
}

// NewAccount builds the account a valid registration creates, with its
// password hashed.
func NewAccount(r Registration, at time.Time) (Account, error) {
	h, err := HashPassword(r.Password)
	if err != nil {
		return Account{}, err
	}
	return NewAccountWithHash(r, h, at)
}

// NewAccountWithHash is NewAccount with the password already hashed.
func NewAccountWithHash(r Registration, passwordHash string, at time.Time) (Account, error) {
	return Account{ID: randomHex(16), ShopperID: randomHex(16), Email: r.Email, Name: r.Name,
		PasswordHash: passwordHash, CreatedAt: at.UTC().Truncate(time.Microsecond)}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}
