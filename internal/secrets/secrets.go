// Package secrets seals small secrets for storage in the database (webhook
// addresses, which embed their tokens) with AES-256-GCM under keys from
// configuration.
//
// Every ciphertext is stored with the id of the key that sealed it. A Keyring
// seals with its current key and opens with the current key or any old one, so
// a key can be replaced without downtime: configure the new key as current and
// the previous one as old, re-seal what is stored (`rapport secrets rotate`,
// also done at every start), then drop the old key. See docs/security-keys.md.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

var (
	// ErrUnknownKey is a ciphertext sealed by a key the keyring does not hold.
	ErrUnknownKey = errors.New("sealed with a key that is not configured")
	// ErrCorrupt is a ciphertext that does not open: altered, truncated, or
	// moved to another record.
	ErrCorrupt = errors.New("sealed value does not open (altered or moved)")
)

// ParseKey reads a 32-byte key written as base64 (standard or URL alphabet,
// padded or not) or as 64 hexadecimal digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes; use %d random bytes, e.g. from `openssl rand -base64 32`", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("use 32 random bytes in base64 or hex, e.g. from `openssl rand -base64 32`")
}

// GenerateKey returns a new random key, base64-encoded.
func GenerateKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // never fails (crypto/rand panics if the system's source breaks)
	return base64.StdEncoding.EncodeToString(b)
}

// KeyID names a key without revealing it: the first 8 bytes of a SHA-256 of
// the key, in hex.
func KeyID(key []byte) string {
	h := sha256.Sum256(append([]byte("rapport secret key id\x00"), key...))
	return hex.EncodeToString(h[:8])
}

type key struct {
	id   string
	aead cipher.AEAD
	mac  []byte
}

// Keyring seals with one current key and opens with it or any old key.
type Keyring struct {
	current key
	byID    map[string]cipher.AEAD
	macs    [][]byte
}

// NewKeyring builds a keyring from raw keys of KeySize bytes: current seals,
// current and old open.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{byID: map[string]cipher.AEAD{}}
	for i, raw := range append([][]byte{current}, old...) {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", i, len(raw), KeySize)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		id := KeyID(raw)
		m := hmac.New(sha256.New, raw)
		m.Write([]byte("rapport signing key\x00"))
		mac := m.Sum(nil)
		if i == 0 {
			k.current = key{id: id, aead: aead, mac: mac}
		}
		k.byID[id] = aead
		k.macs = append(k.macs, mac)
	}
	return k, nil
}

// CurrentID is the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.current.id }

// Has reports whether the keyring can open what key id sealed.
func (k *Keyring) Has(id string) bool { _, ok := k.byID[id]; return ok }

// Seal encrypts plaintext with the current key. context binds the ciphertext
// to its record (e.g. "team_webhooks:42"): opened under another context it
// fails, so a sealed value copied to another row is useless there.
func (k *Keyring) Seal(plaintext []byte, context string) (keyID string, sealed []byte) {
	nonce := make([]byte, k.current.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return k.current.id, k.current.aead.Seal(nonce, nonce, plaintext, []byte(context))
}

// Open decrypts what Seal returned, with the key named keyID.
func (k *Keyring) Open(keyID string, sealed []byte, context string) ([]byte, error) {
	aead, ok := k.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("key %s: %w", keyID, ErrUnknownKey)
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, ErrCorrupt
	}
	out, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
	if err != nil {
		return nil, ErrCorrupt
	}
	return out, nil
}

// Sign returns a MAC of msg under the current key, bound to context: links
// that must not be forged (one-click unsubscribe) carry it instead of a
// stored secret. It uses a key derived from the sealing key, never the
// sealing key itself.
func (k *Keyring) Sign(msg []byte, context string) []byte {
	return sign(k.current.mac, msg, context)
}

// Verify reports whether sig is Sign(msg, context) under the current key or
// an old one, so links signed before a rotation keep working until the old
// key is dropped.
func (k *Keyring) Verify(msg, sig []byte, context string) bool {
	ok := false
	for _, m := range k.macs {
		if hmac.Equal(sign(m, msg, context), sig) {
			ok = true
		}
	}
	return ok
}

func sign(key, msg []byte, context string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(context))
	h.Write([]byte{0})
	h.Write(msg)
	return h.Sum(nil)
}

// LoadOrCreateKeyFile reads the key stored at path, or creates the file with a
// new random key (mode 0600) when there is none. created says which.
func LoadOrCreateKeyFile(path string) (k []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("secret key file %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	s := GenerateKey()
	// O_EXCL: two processes starting at once must not each write their own key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("secret key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("secret key file %s: %w", path, err)
	}
	k, err = ParseKey(s)
	return k, true, err
}
