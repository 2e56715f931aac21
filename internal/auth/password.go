// Package auth holds password hashing and single-use token helpers.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams follow the OWASP recommendation for argon2id (m=19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// MinPasswordLength is the shortest password we accept.
const MinPasswordLength = 10

// HashPassword returns an encoded argon2id hash of password in the PHC string format.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// CheckPassword reports whether password matches the encoded hash. An empty or
// malformed hash never matches.
func CheckPassword(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is compared against when an account does not exist, so a failed
// sign-in takes the same time whether or not the email is known. It is a hash
// of "no-such-account-password" made with DefaultParams, written out so that
// no process pays for an argon2id hash when it starts (a test checks that it
// records DefaultParams).
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$0LDfUbDM9iBm0YOUaTGiSA$jVPwKt5bzvDIxiGiuV5dmT0RGRIM1tTMwjWstzOvGSE"

// dummies holds the dummy hashes of parameters other than DefaultParams
// (Params → string), made on first use.
var dummies sync.Map

// dummyFor returns a hash made with p that stands in for a missing one.
func dummyFor(p Params) string {
	if p == DefaultParams {
		return dummyHash
	}
	if h, ok := dummies.Load(p); ok {
		return h.(string)
	}
	h, err := HashPassword("no-such-account-password", p)
	if err != nil {
		return dummyHash
	}
	v, _ := dummies.LoadOrStore(p, h)
	return v.(string)
}

// CheckPasswordOrDummy checks password against encoded, or burns the same CPU
// against a dummy hash made with DefaultParams when encoded is empty, and
// reports a match.
func CheckPasswordOrDummy(password, encoded string) bool {
	return CheckPasswordOrDummyWith(password, encoded, DefaultParams)
}

// CheckPasswordOrDummyWith is CheckPasswordOrDummy for passwords hashed with
// p: a missing hash costs what checking one made with p costs.
func CheckPasswordOrDummyWith(password, encoded string, p Params) bool {
	if encoded == "" {
		_, _ = CheckPassword(password, dummyFor(p))
		return false
	}
	ok, err := CheckPassword(password, encoded)
	return err == nil && ok
}

// NewToken returns a random URL-safe token and its SHA-256 hash for storage.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("read token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of a token, as stored in the database.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
