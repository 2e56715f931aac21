package secrets_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rapport/internal/secrets"
)

func TestParseKeyTakesBase64OrHexOf32BytesOnly(t *testing.T) {
	raw := bytes.Repeat([]byte{0xfb}, 32)
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(raw),
		base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		hex.EncodeToString(raw),
		" " + hex.EncodeToString(raw) + "\n",
	} {
		k, err := secrets.ParseKey(s)
		if err != nil || !bytes.Equal(k, raw) {
			t.Errorf("ParseKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, bad := range []string{"", "secret", base64.StdEncoding.EncodeToString(raw[:16]), hex.EncodeToString(raw[:31]), strings.Repeat("z", 64)} {
		if _, err := secrets.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

func keyring(t *testing.T, current string, old ...string) *secrets.Keyring {
	t.Helper()
	parse := func(s string) []byte {
		k, err := secrets.ParseKey(s)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	var olds [][]byte
	for _, o := range old {
		olds = append(olds, parse(o))
	}
	k, err := secrets.NewKeyring(parse(current), olds...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealedValuesOpenWithTheirKeyAndRecordOnly(t *testing.T) {
	k1, k2 := secrets.GenerateKey(), secrets.GenerateKey()
	first := keyring(t, k1)
	id, sealed := first.Seal([]byte("https://hooks.example.com/T/B/token"), "row:1")
	if bytes.Contains(sealed, []byte("token")) || id != first.CurrentID() {
		t.Fatalf("sealed %q with key %s", sealed, id)
	}
	if got, err := first.Open(id, sealed, "row:1"); err != nil || string(got) != "https://hooks.example.com/T/B/token" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := first.Open(id, sealed, "row:2"); !errors.Is(err, secrets.ErrCorrupt) {
		t.Errorf("opened under another record: %v", err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := first.Open(id, tampered, "row:1"); !errors.Is(err, secrets.ErrCorrupt) {
		t.Errorf("opened a tampered value: %v", err)
	}

	// After rotation the old key still opens; a keyring without it cannot.
	rotated := keyring(t, k2, k1)
	if rotated.CurrentID() == id || !rotated.Has(id) {
		t.Fatalf("rotated keyring: current %s, has old %v", rotated.CurrentID(), rotated.Has(id))
	}
	if got, err := rotated.Open(id, sealed, "row:1"); err != nil || !strings.HasSuffix(string(got), "token") {
		t.Errorf("the old key no longer opens: %q, %v", got, err)
	}
	if _, err := keyring(t, k2).Open(id, sealed, "row:1"); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Errorf("opened without the key: %v", err)
	}
}

func TestKeyFileIsCreatedOnceAndKeptPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	k1, created, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k1) != secrets.KeySize {
		t.Fatalf("first load: %d bytes, created %v, %v", len(k1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	k2, created, err := secrets.LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Errorf("second load: created %v, same key %v, %v", created, bytes.Equal(k1, k2), err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := secrets.LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged key file: %v, want an error naming it", err)
	}
}

func TestSignaturesVerifyUnderTheirKeyAndContextOnly(t *testing.T) {
	raw := func() []byte { b, _ := secrets.ParseKey(secrets.GenerateKey()); return b }
	oldKey, newKey := raw(), raw()
	before, _ := secrets.NewKeyring(oldKey)
	after, _ := secrets.NewKeyring(newKey, oldKey)
	other, _ := secrets.NewKeyring(raw())
	sig := before.Sign([]byte("7:pulse_open"), "unsubscribe")
	if !before.Verify([]byte("7:pulse_open"), sig, "unsubscribe") {
		t.Fatal("a signature does not verify under its own key")
	}
	if !after.Verify([]byte("7:pulse_open"), sig, "unsubscribe") {
		t.Error("a signature made before a rotation does not verify with the old key kept")
	}
	if other.Verify([]byte("7:pulse_open"), sig, "unsubscribe") {
		t.Error("a signature verifies under an unrelated key")
	}
	if before.Verify([]byte("8:pulse_open"), sig, "unsubscribe") {
		t.Error("a signature verifies for another message")
	}
	if before.Verify([]byte("7:pulse_open"), sig, "other") {
		t.Error("a signature verifies in another context")
	}
	if bytes.Equal(after.Sign([]byte("7:pulse_open"), "unsubscribe"), sig) {
		t.Error("the new key signs like the old one")
	}
}
