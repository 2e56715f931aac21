package sso_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/postgres"
	"rapport/internal/secrets"
	"rapport/internal/sso"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

func TestParseDomains(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string
		bad  string
	}{
		{in: "Example.com, @example.org\nexample.com", want: "example.com example.org"},
		{in: "a.example.co.uk; b-c.example", want: "a.example.co.uk b-c.example"},
		{in: "", bad: "at least one"},
		{in: "localhost", bad: "is not a domain"},
		{in: "exa mple.com", bad: "is not a domain"}, // "exa" has no dot
		{in: "-bad.example", bad: "is not a domain"},
		{in: "bad_.example", bad: "is not a domain"},
		{in: "ex\u00e4mple.com", bad: "is not a domain"},
	} {
		got, msg := sso.ParseDomains(tc.in)
		if tc.bad != "" {
			if !strings.Contains(msg, tc.bad) {
				t.Errorf("ParseDomains(%q): message %q, want one saying %q", tc.in, msg, tc.bad)
			}
			continue
		}
		if msg != "" || strings.Join(got, " ") != tc.want {
			t.Errorf("ParseDomains(%q) = %v, %q; want %s", tc.in, got, msg, tc.want)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Ana@Example.COM":          "example.com",
		" ana@example.com ":        "example.com",
		"Ana <ana@example.com>":    "",
		"ana@localhost":            "",
		"not an address":           "",
		"ana@example.com@evil.com": "",
	} {
		if got := sso.EmailDomain(in); got != want {
			t.Errorf("EmailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func key(t *testing.T) []byte {
	t.Helper()
	k, err := secrets.ParseKey(secrets.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ring(t *testing.T, current []byte, old ...[]byte) *secrets.Keyring {
	t.Helper()
	r, err := secrets.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClientSecretsAreResealedWithTheCurrentKey rotates the key that seals
// client secrets: secrets under the old key are sealed again under the new
// one, once; a secret under a key that is gone is left and counted.
func TestClientSecretsAreResealedWithTheCurrentKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dsn, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewSSOStore(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Rotating")
	admin := f.Person(t, org, testfx.PersonOpts{Role: "admin"})

	k1, k2, k3 := key(t), key(t), key(t)
	old := ring(t, k1)
	// The context binds a secret to its organisation's row.
	keyID, sealed := old.Seal([]byte("s3cret"), "org_sso.client_secret:"+strconv.FormatInt(org, 10))
	if _, err := store.SaveSSOSettings(ctx, org, admin.ID, func(*sso.Stored) (sso.Stored, []string, error) {
		return sso.Stored{Settings: sso.Settings{OrgID: org, ProviderName: "IdP", Issuer: "https://idp.example", ClientID: "rapport",
			Domains: []string{"example.com"}}, SecretSealed: sealed, SecretKeyID: keyID}, []string{"created"}, nil
	}); err != nil {
		t.Fatal(err)
	}

	res, err := sso.ResealSecrets(ctx, store, ring(t, k2, k1))
	if err != nil || res.Rotated < 1 {
		t.Fatalf("reseal with a new key: %+v, %v", res, err)
	}
	st, err := store.SSOSettings(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if st.SecretKeyID != ring(t, k2).CurrentID() {
		t.Fatalf("the secret is under key %s, want the new key", st.SecretKeyID)
	}
	if plain, err := ring(t, k2).Open(st.SecretKeyID, st.SecretSealed, "org_sso.client_secret:"+strconv.FormatInt(org, 10)); err != nil || string(plain) != "s3cret" {
		t.Fatalf("the resealed secret opens to %q, %v", plain, err)
	}
	if _, err := ring(t, k2).Open(st.SecretKeyID, st.SecretSealed, "org_sso.client_secret:"+strconv.FormatInt(org+1, 10)); err == nil {
		t.Errorf("the sealed secret opens for another organisation's row")
	}
	st0 := st
	if _, err := sso.ResealSecrets(ctx, store, ring(t, k2, k1)); err != nil {
		t.Fatal(err)
	}
	if st, _ := store.SSOSettings(ctx, org); string(st.SecretSealed) != string(st0.SecretSealed) {
		t.Errorf("a second reseal sealed the secret again")
	}
	res, err = sso.ResealSecrets(ctx, store, ring(t, k3))
	if err != nil || res.Unreadable < 1 {
		t.Errorf("reseal without the key that sealed: %+v, %v; want it counted unreadable", res, err)
	}
	if st, _ := store.SSOSettings(ctx, org); st.SecretKeyID != st0.SecretKeyID {
		t.Errorf("an unreadable secret was changed")
	}
}
