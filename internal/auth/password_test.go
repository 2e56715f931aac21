package auth

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestHashPasswordRoundTripsAndRejectsWrongPassword(t *testing.T) {
	p := Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	h, err := HashPassword("correct horse battery", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if ok, err := CheckPassword("correct horse battery", h); err != nil || !ok {
		t.Fatalf("right password rejected: %v %v", ok, err)
	}
	if ok, _ := CheckPassword("wrong horse battery", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery", p)
	if h == h2 {
		t.Fatal("two hashes of the same password share a salt")
	}
}

func TestCheckPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$aa$bb", "$argon2id$v=19$m=x$aa$bb"} {
		if ok, err := CheckPassword("x", h); ok || err == nil {
			t.Errorf("hash %q: ok=%v err=%v", h, ok, err)
		}
	}
	if CheckPasswordOrDummy("x", "") {
		t.Error("empty hash matched")
	}
}

func TestNewTokenIsRandomAndHashed(t *testing.T) {
	a, ha, _ := NewToken()
	b, _, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("weak tokens %q %q", a, b)
	}
	if string(HashToken(a)) != string(ha) {
		t.Fatal("hash mismatch")
	}
}

// The written-out dummy hash is one of DefaultParams, so an unknown address
// costs what a known one does in production; other parameters get a dummy of
// their own.
func TestDummyHashCostsWhatARealOneDoes(t *testing.T) {
	p := DefaultParams
	prefix := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Time, p.Threads)
	if !strings.HasPrefix(dummyHash, prefix) {
		t.Fatalf("dummy hash %q does not record DefaultParams (%s): write out a new one", dummyHash, prefix)
	}
	parts := strings.Split(dummyHash, "$")
	salt, _ := base64.RawStdEncoding.DecodeString(parts[4])
	key, _ := base64.RawStdEncoding.DecodeString(parts[5])
	if len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
		t.Fatalf("dummy salt %d bytes, key %d bytes; want %d and %d", len(salt), len(key), p.SaltLen, p.KeyLen)
	}
	if ok, err := CheckPassword("no-such-account-password", dummyHash); err != nil || !ok {
		t.Fatalf("dummy hash does not verify: %v %v", ok, err)
	}
	fast := Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	if h := dummyFor(fast); !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") || dummyFor(fast) != h {
		t.Fatalf("dummy for %+v: %q", fast, h)
	}
	if CheckPasswordOrDummyWith("no-such-account-password", "", fast) {
		t.Error("a missing hash matched")
	}
}
