// Package sso is single sign-on with OpenID Connect, one identity provider
// per organisation: the settings an admin keeps (the client secret sealed
// with internal/secrets), and the authorization-code flow with PKCE, state
// and nonce that signs a person in. The ID token is verified by go-oidc
// (issuer, audience, expiry, signature from the provider's published keys).
//
// Who may use a password while an organisation enforces SSO is decided in
// one SQL function (password_sign_in_allowed) that the people domain asks.
// This package imports only core and secrets; storage implements Store.
package sso

import (
	"context"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"rapport/internal/core"
)

// Settings are an organisation's single sign-on settings as an admin sees
// them: the client secret is never read back, only whether one is set.
type Settings struct {
	OrgID        int64
	ProviderName string
	Issuer       string
	ClientID     string
	SecretSet    bool
	Domains      []string
	JIT          bool
	Enforce      bool
	BreakGlassID *int64
	// BreakGlassName is the break-glass admin's name; BreakGlassOK says they
	// are still an active admin (enforcement is suspended while not).
	BreakGlassName string
	BreakGlassOK   bool
	UpdatedAt      time.Time
}

// Stored is Settings with the sealed client secret, as storage keeps them.
type Stored struct {
	Settings
	SecretSealed []byte
	SecretKeyID  string
}

// Input is what an admin typed into the settings form. An empty
// ClientSecret keeps the secret already set.
type Input struct {
	ProviderName string
	Issuer       string
	ClientID     string
	ClientSecret string
	Domains      string
	JIT          bool
	Enforce      bool
	BreakGlassID *int64
}

// SealedSecret is an organisation's client secret as stored.
type SealedSecret struct {
	OrgID  int64
	Sealed []byte
	KeyID  string
}

// Account is the person an SSO sign-in found or made.
type Account struct {
	PersonID int64
	OrgID    int64
	Email    string
	Active   bool
	// Subject is the identity provider's subject the person is linked to
	// at the issuer, "" when none yet.
	Subject string
}

// Login is a sign-in under way: what the callback must find again.
type Login struct {
	StateHash []byte
	OrgID     int64
	Nonce     string
	Verifier  string
	Next      string
	ExpiresAt time.Time
}

// OrgOption is an organisation that signs in with SSO, for the sign-in page.
type OrgOption struct {
	OrgID        int64
	OrgName      string
	ProviderName string
}

// Admin is an active admin, who may be the break-glass admin.
type Admin struct {
	ID          int64
	Name, Email string
}

// Store is persistence for single sign-on. Every method that takes an org id
// touches only that organisation's rows.
type Store interface {
	// SSOSettings returns the organisation's settings; ENOTFOUND when none.
	SSOSettings(ctx context.Context, orgID int64) (Stored, error)
	// SaveSSOSettings writes an organisation's settings and an audit entry
	// (action "sso.settings", detail: the fields changed) in one transaction.
	// build runs inside it, under a per-organisation lock, on the settings
	// stored before (nil when none), and returns the settings to store and
	// the fields that change; nothing is written when none do.
	SaveSSOSettings(ctx context.Context, orgID, actorID int64, build func(old *Stored) (Stored, []string, error)) (changed bool, err error)
	// DeleteSSOSettings removes the organisation's settings and audits it
	// ("sso.removed"); false when there were none. Linked identities stay,
	// for when single sign-on is set up again with the same provider.
	DeleteSSOSettings(ctx context.Context, orgID, actorID int64) (bool, error)
	SSOOrgsForDomain(ctx context.Context, domain string) ([]OrgOption, error)
	// SSOProvider returns an organisation with SSO; ENOTFOUND otherwise.
	SSOProvider(ctx context.Context, orgID int64) (OrgOption, error)
	IsActiveAdmin(ctx context.Context, orgID, personID int64) (bool, error)
	// ActiveAdmins lists the organisation's active admins by name.
	ActiveAdmins(ctx context.Context, orgID int64) ([]Admin, error)

	// CreateSSOLogin stores a sign-in under way and forgets those that
	// expired before prune.
	CreateSSOLogin(ctx context.Context, l Login, prune time.Time) error
	// TakeSSOLogin returns and deletes a sign-in under way, so that a state
	// works once; ENOTFOUND when there is none.
	TakeSSOLogin(ctx context.Context, stateHash []byte) (Login, error)

	// SSOAccountBySubject finds the person linked to (issuer, subject);
	// ENOTFOUND when none.
	SSOAccountBySubject(ctx context.Context, orgID int64, issuer, subject string) (Account, error)
	// SSOAccountByEmail finds the person with the address, with the subject
	// they are linked to at issuer, if any; ENOTFOUND when none.
	SSOAccountByEmail(ctx context.Context, orgID int64, issuer, email string) (Account, error)
	// LinkSSOIdentity links a person to (issuer, subject); false when either
	// is linked already.
	LinkSSOIdentity(ctx context.Context, orgID, personID int64, issuer, subject string) (bool, error)
	// SSOSecretsToReseal lists the client secrets not sealed by currentKeyID.
	SSOSecretsToReseal(ctx context.Context, currentKeyID string) ([]SealedSecret, error)
	// ResealSSOSecret replaces old by sealed unless the row changed meanwhile.
	ResealSSOSecret(ctx context.Context, old, sealed SealedSecret) (bool, error)
	// CreateSSOPerson creates an employee without a manager or password,
	// linked to (issuer, subject), and audits it ("sso.person_created").
	CreateSSOPerson(ctx context.Context, orgID int64, name, email, issuer, subject string) (Account, error)
}

// Limits of the settings form.
const (
	MaxProviderName = 60
	MaxIssuer       = 2048
	MaxClientID     = 500
	MaxClientSecret = 1000
	MaxDomains      = 50
)

// normalize trims the input.
func (in *Input) normalize() {
	in.ProviderName = strings.TrimSpace(in.ProviderName)
	in.Issuer = strings.TrimRight(strings.TrimSpace(in.Issuer), "/")
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
}

// validate checks the form, field by field; secretSet says whether a client
// secret is stored already (then the field may stay empty). It does not
// reach the issuer.
func (in Input) validate(secretSet bool) (*core.Validator, []string) {
	var v core.Validator
	v.Check(in.ProviderName != "", "provider_name", "Name the provider as people know it, e.g. Okta or Google Workspace.")
	v.Check(utf8.RuneCountInString(in.ProviderName) <= MaxProviderName, "provider_name", "Keep the name to 60 characters or fewer.")
	if msg := issuerProblem(in.Issuer); msg != "" {
		v.Check(false, "issuer", msg)
	}
	v.Check(in.ClientID != "", "client_id", "Enter the client id your provider gave Rapport.")
	v.Check(len(in.ClientID) <= MaxClientID, "client_id", "Keep the client id to 500 characters or fewer.")
	v.Check(in.ClientSecret != "" || secretSet, "client_secret", "Enter the client secret your provider gave Rapport.")
	v.Check(len(in.ClientSecret) <= MaxClientSecret, "client_secret", "Keep the client secret to 1,000 characters or fewer.")
	domains, msg := ParseDomains(in.Domains)
	if msg != "" {
		v.Check(false, "domains", msg)
	}
	v.Check(!in.Enforce || in.BreakGlassID != nil, "break_glass_id",
		"Choose a break-glass admin before enforcing single sign-on: they keep their password in case the provider fails.")
	return &v, domains
}

// issuerProblem says what is wrong with an issuer address, or "".
func issuerProblem(s string) string {
	if s == "" {
		return "Enter your provider's issuer address, like https://login.example.com."
	}
	if len(s) > MaxIssuer {
		return "Keep the address to 2,048 characters or fewer."
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "The address can't contain spaces."
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Opaque != "" || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "Use an https:// address, like https://login.example.com."
	case u.User != nil:
		return "Leave the user name and password out of the address."
	case u.RawQuery != "" || u.Fragment != "":
		return "The issuer address has no query or fragment (nothing after ? or #)."
	case u.Scheme == "http" && !loopback(u.Hostname()):
		return "Use https: an identity provider must not be reached over plain http."
	}
	return ""
}

// loopback reports whether host is this machine (plain http is allowed
// there, for a provider on the same host).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseDomains reads a list of email domains separated by commas, spaces or
// new lines ("@example.com" is read as "example.com"), lower-cased, sorted
// and without repeats; or a message saying what is wrong.
func ParseDomains(s string) ([]string, string) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		d := strings.ToLower(strings.TrimPrefix(f, "@"))
		if !validDomain(d) {
			return nil, "“" + truncate(f, 60) + "” is not a domain. Write domains like example.com, separated by commas."
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, "Enter at least one email domain, like example.com: only addresses there may sign in."
	}
	if len(out) > MaxDomains {
		return nil, "Enter at most 50 domains."
	}
	slices.Sort(out)
	return out, ""
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// EmailDomain returns the lower-cased domain of an address, or "".
func EmailDomain(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return ""
	}
	_, d, _ := strings.Cut(email, "@")
	if !validDomain(d) {
		return ""
	}
	return d
}

// changes names the fields that differ between what is stored and what will
// be; secretChanged says whether a new client secret was given.
func changes(old *Stored, s Stored, secretChanged bool) []string {
	if old == nil {
		return []string{"created"}
	}
	var out []string
	add := func(differ bool, name string) {
		if differ {
			out = append(out, name)
		}
	}
	add(old.ProviderName != s.ProviderName, "provider_name")
	add(old.Issuer != s.Issuer, "issuer")
	add(old.ClientID != s.ClientID, "client_id")
	add(secretChanged, "client_secret")
	add(!slices.Equal(old.Domains, s.Domains), "domains")
	add(old.JIT != s.JIT, "jit")
	add(old.Enforce != s.Enforce, "enforce")
	add(!equalID(old.BreakGlassID, s.BreakGlassID), "break_glass")
	return out
}

func equalID(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
