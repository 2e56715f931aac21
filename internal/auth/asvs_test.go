package auth

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// Production hashing meets the OWASP argon2id minimum (19 MiB, 2 passes, 1
// lane), with a 128-bit salt and a 256-bit key, and says so in the stored hash.
func TestDefaultArgon2idParametersMeetTheOWASPMinimum(t *testing.T) {
	p := DefaultParams
	if p.Memory < 19*1024 || p.Time < 2 || p.Threads < 1 {
		t.Fatalf("argon2id parameters below m=19456,t=2,p=1: %+v", p)
	}
	if p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("salt %d bytes, key %d bytes; want at least 16 and 32", p.SaltLen, p.KeyLen)
	}
	h, err := HashPassword("correct horse battery staple", p)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Time, p.Threads)
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("hash %q does not start with %q", h, prefix)
	}
	parts := strings.Split(h, "$")
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	if len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
		t.Fatalf("stored salt %d bytes, key %d bytes", len(salt), len(key))
	}
}

// A hash made with other parameters still verifies with the parameters it
// records, so the cost can be raised without locking anyone out.
func TestHashesVerifyWithTheParametersTheyRecord(t *testing.T) {
	old, _ := HashPassword("a password from last year", Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16})
	if ok, err := CheckPassword("a password from last year", old); err != nil || !ok {
		t.Fatalf("older parameters no longer verify: %v %v", ok, err)
	}
}

// Passwords are compared exactly as typed: no trimming, case folding,
// normalisation or truncation, at any length.
func TestPasswordsAreComparedExactlyAsTyped(t *testing.T) {
	p := Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	pw := " Ünïcode pass phrase with spaces, 密码 and " + strings.Repeat("x", 100) + " "
	h, _ := HashPassword(pw, p)
	for _, wrong := range []string{
		strings.TrimSpace(pw), strings.ToLower(pw), strings.ToUpper(pw),
		pw[:len(pw)-1], pw[:72], pw + " ",
	} {
		if ok, _ := CheckPassword(wrong, h); ok {
			t.Errorf("a changed password matched: %q", wrong)
		}
	}
	if ok, _ := CheckPassword(pw, h); !ok {
		t.Fatal("the exact password did not match")
	}
}

// Tokens (invitations, resets, calendar feeds) carry 256 random bits, far
// above the 128 required, and never repeat.
func TestTokensCarryAtLeast128RandomBits(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		tok, hash, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw)*8 < 128 {
			t.Fatalf("token %q: %d bits (%v)", tok, len(raw)*8, err)
		}
		if len(hash) != 32 || strings.Contains(string(hash), tok) {
			t.Fatalf("token stored as %x", hash)
		}
		if seen[tok] {
			t.Fatal("a token repeated")
		}
		seen[tok] = true
	}
}
