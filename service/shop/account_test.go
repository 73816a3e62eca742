package shop_test

import (
	"strings"
	"testing"

	"github.com/flashscale/flashscale/service/shop"
)

func TestRegistrationRules(t *testing.T) {
	long64 := strings.Repeat("pässwörd", 8) // 64 characters, 80 bytes
	for _, tc := range []struct {
		name   string
		r      shop.Registration
		fields []string
	}{
		{"valid", shop.Registration{Email: " Asha@Example.IN ", Password: "correct horse", Name: " Asha Rao "}, nil},
		{"64-character password, no composition rules", shop.Registration{Email: "a@b.in", Password: long64, Name: "A"}, nil},
		{"all missing", shop.Registration{}, []string{"email", "password", "name"}},
		{"short password", shop.Registration{Email: "a@b.in", Password: "1234567", Name: "A"}, []string{"password"}},
		{"password over the byte bound", shop.Registration{Email: "a@b.in", Password: strings.Repeat("x", 257), Name: "A"}, []string{"password"}},
		{"not an email", shop.Registration{Email: "asha", Password: "correct horse", Name: "A"}, []string{"email"}},
		{"email too long", shop.Registration{Email: strings.Repeat("a", 250) + "@b.in", Password: "correct horse", Name: "A"}, []string{"email"}},
		{"name too long", shop.Registration{Email: "a@b.in", Password: "correct horse", Name: strings.Repeat("n", 101)}, []string{"name"}},
		{"name with a control character", shop.Registration{Email: "a@b.in", Password: "correct horse", Name: "A\x00B"}, []string{"name"}},
		{"name with a bidi override", shop.Registration{Email: "a@b.in", Password: "correct horse", Name: "A\u202eB"}, []string{"name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.Normalize()
			err := r.Validate()
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if r.Email != strings.ToLower(strings.TrimSpace(tc.r.Email)) || r.Name != strings.TrimSpace(tc.r.Name) {
					t.Errorf("normalized to %q, %q", r.Email, r.Name)
				}
				return
			}
			var e *shop.Error
			if shop.ErrorCode(err) != shop.EINVALID {
				t.Fatalf("Validate = %v; want invalid", err)
			}
			e = err.(*shop.Error)
			if len(e.Fields) != len(tc.fields) {
				t.Errorf("fields = %v; want %v", e.Fields, tc.fields)
			}
			for _, f := range tc.fields {
				if e.Fields[f] == "" {
					t.Errorf("field %s not named: %v", f, e.Fields)
				}
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := shop.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the OWASP parameters", h)
	}
	h2, _ := shop.HashPassword("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horse ": false, "Correct horse": false, "": false} {
		if ok, err := shop.VerifyPassword(h, pw); err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// NFKC: the same password typed with a composed or a decomposed "é".
	if ok, _ := shop.VerifyPassword(mustHash(t, shop.NormalizePassword("caf\u00e9 au lait")), shop.NormalizePassword("cafe\u0301 au lait")); !ok {
		t.Error("composed and decomposed forms of one password differ after normalization")
	}
	if _, err := shop.VerifyPassword("$2a$10$bcrypt", "x"); shop.ErrorCode(err) != shop.EINTERNAL {
		t.Errorf("a hash of another scheme: %v; want internal", err)
	}
}

func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := shop.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// BenchmarkHashPassword is the cost of one sign-in's hash (README.md).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := shop.HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
