package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"rapport/internal/core"
	"rapport/internal/secrets"
)

// LoginTTL is how long a sign-in may take between leaving for the identity
// provider and coming back.
const LoginTTL = 10 * time.Minute

// Service applies single sign-on's rules.
type Service struct {
	Store Store
	Keys  *secrets.Keyring
	Clock core.Clock
	Log   *slog.Logger
	// HTTP reaches identity providers (discovery, keys, tokens). The
	// application's client refuses internal networks unless allowed.
	HTTP *http.Client
	// CallbackURL is where providers send people back: BaseURL + "/sso/callback".
	CallbackURL string

	// Sign-ins reuse a provider's discovery (and its key set, which fetches
	// keys it does not know yet) for providerTTL.
	mu        sync.Mutex
	providers map[string]cachedProvider
}

// providerTTL is how long sign-ins trust a fetched discovery document.
const providerTTL = 10 * time.Minute

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

// signInProvider is provider for sign-ins: from the cache while fresh.
// Settings and the connection test always fetch anew.
func (s *Service) signInProvider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < providerTTL {
		return c.p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, _, err := s.provider(ctx, issuer)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.providers == nil {
		s.providers = map[string]cachedProvider{}
	}
	s.providers[issuer] = cachedProvider{p: p, at: now}
	s.mu.Unlock()
	return p, nil
}

// sealContext binds a sealed client secret to its organisation's row.
func sealContext(orgID int64) string { return "org_sso.client_secret:" + strconv.FormatInt(orgID, 10) }

func requireAdmin(a core.Actor) error {
	if a.Role != core.RoleAdmin {
		return core.Forbidden()
	}
	return nil
}

func (s *Service) ctx(ctx context.Context) context.Context {
	if s.HTTP == nil {
		return ctx
	}
	ctx = oidc.ClientContext(ctx, s.HTTP)
	return context.WithValue(ctx, oauth2.HTTPClient, s.HTTP)
}

// Settings returns the actor's organisation's settings; ok is false when
// none are saved yet.
func (s *Service) Settings(ctx context.Context, a core.Actor) (Settings, bool, error) {
	if err := requireAdmin(a); err != nil {
		return Settings{}, false, err
	}
	st, err := s.Store.SSOSettings(ctx, a.OrgID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return Settings{OrgID: a.OrgID}, false, nil
	}
	if err != nil {
		return Settings{}, false, err
	}
	return st.Settings, true, nil
}

// Admins lists who may be the break-glass admin.
func (s *Service) Admins(ctx context.Context, a core.Actor) ([]Admin, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.Store.ActiveAdmins(ctx, a.OrgID)
}

// Save checks and stores the actor's organisation's settings. Bad input, an
// issuer that cannot be reached or does not publish OpenID Connect
// discovery, and enforcing without an active break-glass admin are EINVALID
// with a message per field; nothing is changed then. Saving what is
// already stored changes and audits nothing.
func (s *Service) Save(ctx context.Context, a core.Actor, in Input) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	in.normalize()
	cur, err := s.Store.SSOSettings(ctx, a.OrgID)
	secretSet := err == nil
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return err
	}
	v, domains := in.validate(secretSet)
	if in.BreakGlassID != nil {
		ok, err := s.Store.IsActiveAdmin(ctx, a.OrgID, *in.BreakGlassID)
		if err != nil {
			return err
		}
		v.Check(ok, "break_glass_id", "The break-glass admin must be an active admin of this organisation.")
	}
	if v.Fields["issuer"] == "" && (!secretSet || cur.Issuer != in.Issuer) {
		if _, err := s.Discover(ctx, in.Issuer); err != nil {
			v.Check(false, "issuer", core.ErrorMessage(err))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if s.Keys == nil {
		return errors.New("sso: no secret key configured")
	}
	_, err = s.Store.SaveSSOSettings(ctx, a.OrgID, a.UserID, func(old *Stored) (Stored, []string, error) {
		next := Stored{Settings: Settings{OrgID: a.OrgID, ProviderName: in.ProviderName, Issuer: in.Issuer, ClientID: in.ClientID,
			Domains: domains, JIT: in.JIT, Enforce: in.Enforce, BreakGlassID: in.BreakGlassID}}
		secretChanged := false
		switch {
		case in.ClientSecret == "" && old != nil:
			next.SecretSealed, next.SecretKeyID = old.SecretSealed, old.SecretKeyID
		case in.ClientSecret == "":
			// Removed meanwhile: the form said a secret was set.
			return next, nil, &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: map[string]string{"client_secret": "Enter the client secret your provider gave Rapport."}}
		default:
			if old != nil {
				if b, err := s.Keys.Open(old.SecretKeyID, old.SecretSealed, sealContext(a.OrgID)); err == nil &&
					subtle.ConstantTimeCompare(b, []byte(in.ClientSecret)) == 1 {
					next.SecretSealed, next.SecretKeyID = old.SecretSealed, old.SecretKeyID
					break
				}
			}
			next.SecretKeyID, next.SecretSealed = s.Keys.Seal([]byte(in.ClientSecret), sealContext(a.OrgID))
			secretChanged = true
		}
		return next, changes(old, next, secretChanged), nil
	})
	return err
}

// Remove turns single sign-on off for the actor's organisation: everyone
// signs in with a password again. Removing what is not set changes nothing.
func (s *Service) Remove(ctx context.Context, a core.Actor) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	_, err := s.Store.DeleteSSOSettings(ctx, a.OrgID, a.UserID)
	return err
}

// Discovery is what a provider's discovery document says, as far as the
// sign-in needs it.
type Discovery struct {
	provider *oidc.Provider
	// Keys is how many signing keys the provider publishes.
	Keys int
}

// Discover fetches the issuer's discovery document and its signing keys. An
// issuer that cannot be reached, answers with something else, names
// another issuer or publishes no keys is EINVALID with a message saying so.
func (s *Service) Discover(ctx context.Context, issuer string) (Discovery, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, jwks, err := s.provider(ctx, issuer)
	if err != nil {
		return Discovery{}, err
	}
	n, err := s.countKeys(ctx, jwks)
	if err != nil {
		return Discovery{}, err
	}
	return Discovery{provider: p, Keys: n}, nil
}

// provider fetches the issuer's discovery document; it returns the
// provider and the address of its keys.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, string, error) {
	if msg := issuerProblem(issuer); msg != "" {
		return nil, "", core.Errorf(core.EINVALID, "%s", msg)
	}
	p, err := oidc.NewProvider(s.ctx(ctx), issuer)
	if err != nil {
		return nil, "", discoveryError(issuer, err)
	}
	var doc struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := p.Claims(&doc); err != nil || doc.JWKS == "" || p.Endpoint().AuthURL == "" || p.Endpoint().TokenURL == "" {
		return nil, "", core.Errorf(core.EINVALID, "The issuer's discovery document lacks the authorization, token or keys address: it can't sign people in.")
	}
	return p, doc.JWKS, nil
}

// discoveryError turns a failed discovery into a message for the admin.
func discoveryError(issuer string, err error) error {
	var mismatch *oidc.IssuerMismatchError
	var uerr *url.Error
	msg := err.Error()
	switch {
	case errors.As(err, &mismatch):
		return core.Errorf(core.EINVALID, "The discovery document names another issuer (%s). Enter exactly that address.", truncate(mismatch.Discovered, 200))
	case errors.As(err, &uerr):
		return core.Errorf(core.EINVALID, "Rapport could not reach this issuer. Check the address, and that Rapport's servers may reach it (private networks are refused unless the operator allows them).")
	case strings.Contains(msg, "failed to decode provider discovery object"):
		return core.Errorf(core.EINVALID, "The issuer answered, but not with an OpenID Connect discovery document at %s/.well-known/openid-configuration.", truncate(issuer, 200))
	default:
		// "404 Not Found: <body>" and the like: an answer, but not discovery.
		status, _, _ := strings.Cut(msg, ":")
		return core.Errorf(core.EINVALID, "The issuer answered “%s” instead of an OpenID Connect discovery document. Check the address.", truncate(status, 40))
	}
}

// countKeys fetches a provider's signing keys and counts them.
func (s *Service) countKeys(ctx context.Context, jwksURL string) (int, error) {
	bad := core.Errorf(core.EINVALID, "The issuer's discovery works, but its signing keys (jwks_uri) could not be read, so no sign-in could be verified.")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, jwksURL, nil)
	if err != nil {
		return 0, bad
	}
	hc := s.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, bad
	}
	defer resp.Body.Close()
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set) != nil || len(set.Keys) == 0 {
		return 0, bad
	}
	return len(set.Keys), nil
}

// TestConnection fetches an issuer's discovery document and keys for the
// settings page, saving nothing.
func (s *Service) TestConnection(ctx context.Context, a core.Actor, issuer string) (Discovery, error) {
	if err := requireAdmin(a); err != nil {
		return Discovery{}, err
	}
	issuer = strings.TrimRight(strings.TrimSpace(issuer), "/")
	d, err := s.Discover(ctx, issuer)
	if err != nil {
		return d, &core.Error{Code: core.EINVALID, Message: "The connection test failed.", Fields: map[string]string{"issuer": core.ErrorMessage(err)}}
	}
	return d, nil
}

// OrgsForEmail lists the organisations that sign in people of an address's
// domain with SSO; an address that is not one is EINVALID.
func (s *Service) OrgsForEmail(ctx context.Context, email string) ([]OrgOption, error) {
	d := EmailDomain(email)
	if d == "" {
		return nil, &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"sso_email": "Enter your work email address, like name@example.com."}}
	}
	return s.Store.SSOOrgsForDomain(ctx, d)
}

// Provider returns an organisation that signs in with SSO; ENOTFOUND for
// any other.
func (s *Service) Provider(ctx context.Context, orgID int64) (OrgOption, error) {
	return s.Store.SSOProvider(ctx, orgID)
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashState(state string) []byte {
	h := sha256.Sum256([]byte(state))
	return h[:]
}

// config is the OAuth 2 client of an organisation's provider.
func (s *Service) config(st Stored, p *oidc.Provider) (*oauth2.Config, error) {
	secret, err := s.Keys.Open(st.SecretKeyID, st.SecretSealed, sealContext(st.OrgID))
	if err != nil {
		return nil, fmt.Errorf("sso: open client secret of org %d: %w", st.OrgID, err)
	}
	return &oauth2.Config{ClientID: st.ClientID, ClientSecret: string(secret), Endpoint: p.Endpoint(),
		RedirectURL: s.CallbackURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}, nil
}

var errProviderDown = core.Unavailable("Your organisation's sign-in provider isn't answering right now. Try again in a moment, or sign in with your password if you have one.")

// Begin starts a sign-in at the organisation's provider: it stores a new
// state, nonce and PKCE verifier (S256) for LoginTTL and returns the
// provider's address to send the browser to, and the state, which the
// caller also keeps with the browser's session.
func (s *Service) Begin(ctx context.Context, orgID int64, next string) (authURL, state string, err error) {
	st, err := s.Store.SSOSettings(ctx, orgID)
	if err != nil {
		return "", "", err
	}
	p, err := s.signInProvider(ctx, st.Issuer)
	if err != nil {
		s.Log.Warn("sso: discovery failed", "org_id", orgID, "err", err)
		return "", "", errProviderDown
	}
	cfg, err := s.config(st, p)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := randomToken(32), randomToken(32), oauth2.GenerateVerifier()
	now := s.Clock.Now()
	if err := s.Store.CreateSSOLogin(ctx, Login{StateHash: hashState(state), OrgID: orgID, Nonce: nonce, Verifier: verifier,
		Next: next, ExpiresAt: now.Add(LoginTTL)}, now.Add(-time.Hour)); err != nil {
		return "", "", err
	}
	return cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// Refusals of a sign-in, with messages safe to show. The precise reason of
// a token that fails verification goes to the log only.
var (
	ErrLoginExpired = &core.Error{Code: core.EUNAUTHORIZED, Message: "This sign-in has expired or was already used. Start again."}
	ErrUnverified   = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your sign-in provider's answer could not be verified, so you are not signed in. Start again, and ask your admin if it keeps happening."}
	ErrEmailNotOK   = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your sign-in provider hasn't verified your email address, so Rapport can't match it to an account."}
	ErrDomain       = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your email address's domain isn't one this organisation signs in with single sign-on."}
	ErrNoAccount    = &core.Error{Code: core.EUNAUTHORIZED, Message: "There's no Rapport account for your email address in this organisation. Ask an admin to add you."}
	ErrInactive     = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your account is no longer active."}
	ErrLinked       = &core.Error{Code: core.EUNAUTHORIZED, Message: "Your Rapport account is linked to another identity at your sign-in provider. Ask an admin for help."}
)

// Result is a finished sign-in: the account and where to go next.
type Result struct {
	Account Account
	Next    string
	// Created says the account was made just now (just-in-time).
	Created bool
}

// idClaims are the ID token's claims Rapport reads.
type idClaims struct {
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
}

// verified reads email_verified, which some providers send as a string.
func (c idClaims) verified() bool {
	v := strings.Trim(string(c.EmailVerified), `"`)
	return v == "true"
}

// Finish completes a sign-in when the provider sends the browser back: the
// state is taken (it works once, within LoginTTL), the code exchanged with
// the PKCE verifier, the ID token verified (signature, issuer, audience,
// expiry, nonce), and the person found by their subject at the issuer, or
// the first time by email (then linked), or made (just-in-time, when the
// organisation allows it). The email must be verified and of an allowed
// domain, and the person active.
func (s *Service) Finish(ctx context.Context, state, code string) (Result, error) {
	if state == "" || code == "" {
		return Result{}, ErrLoginExpired
	}
	l, err := s.Store.TakeSSOLogin(ctx, hashState(state))
	if core.ErrorCode(err) == core.ENOTFOUND {
		return Result{}, ErrLoginExpired
	}
	if err != nil {
		return Result{}, err
	}
	// Refusals name the organisation, for its sign-in page.
	fail := Result{Account: Account{OrgID: l.OrgID}}
	if !s.Clock.Now().Before(l.ExpiresAt) {
		return fail, ErrLoginExpired
	}
	st, err := s.Store.SSOSettings(ctx, l.OrgID)
	if err != nil {
		return fail, err
	}
	p, err := s.signInProvider(ctx, st.Issuer)
	if err != nil {
		s.Log.Warn("sso: discovery failed", "org_id", l.OrgID, "err", err)
		return fail, errProviderDown
	}
	cfg, err := s.config(st, p)
	if err != nil {
		return fail, err
	}
	hctx := s.ctx(ctx)
	tok, err := cfg.Exchange(hctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return fail, s.refuse(l.OrgID, "code exchange failed", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fail, s.refuse(l.OrgID, "no id_token in the token response", nil)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: st.ClientID, Now: s.Clock.Now}).Verify(hctx, raw)
	if err != nil {
		return fail, s.refuse(l.OrgID, "id token refused", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		return fail, s.refuse(l.OrgID, "id token nonce does not match", nil)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return fail, s.refuse(l.OrgID, "id token claims unreadable", err)
	}
	if idt.Subject == "" || len(idt.Subject) > 255 {
		return fail, s.refuse(l.OrgID, "id token subject empty or too long", nil)
	}
	if !c.verified() {
		s.Log.Info("sso: sign-in refused", "org_id", l.OrgID, "reason", "email not verified")
		return fail, ErrEmailNotOK
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	domain := EmailDomain(email)
	if domain == "" || !containsString(st.Domains, domain) {
		s.Log.Info("sso: sign-in refused", "org_id", l.OrgID, "reason", "email domain not allowed", "domain", domain)
		return fail, ErrDomain
	}
	res, err := s.match(ctx, st, idt.Issuer, idt.Subject, email, c.Name)
	if err != nil {
		return fail, err
	}
	res.Next = l.Next
	return res, nil
}

// match finds, links or makes the person for a verified identity.
func (s *Service) match(ctx context.Context, st Stored, issuer, subject, email, name string) (Result, error) {
	acct, err := s.Store.SSOAccountBySubject(ctx, st.OrgID, issuer, subject)
	if err == nil {
		if !acct.Active {
			return Result{}, ErrInactive
		}
		return Result{Account: acct}, nil
	}
	if core.ErrorCode(err) != core.ENOTFOUND {
		return Result{}, err
	}
	acct, err = s.Store.SSOAccountByEmail(ctx, st.OrgID, issuer, email)
	switch {
	case err == nil:
		if !acct.Active {
			return Result{}, ErrInactive
		}
		if acct.Subject != "" {
			s.Log.Warn("sso: sign-in refused", "org_id", st.OrgID, "reason", "account linked to another subject", "person_id", acct.PersonID)
			return Result{}, ErrLinked
		}
		linked, err := s.Store.LinkSSOIdentity(ctx, st.OrgID, acct.PersonID, issuer, subject)
		if err != nil {
			return Result{}, err
		}
		if !linked {
			return Result{}, ErrLinked
		}
		acct.Subject = subject
		return Result{Account: acct}, nil
	case core.ErrorCode(err) != core.ENOTFOUND:
		return Result{}, err
	}
	if !st.JIT {
		s.Log.Info("sso: sign-in refused", "org_id", st.OrgID, "reason", "no account and just-in-time creation is off")
		return Result{}, ErrNoAccount
	}
	acct, err = s.Store.CreateSSOPerson(ctx, st.OrgID, personName(name, email), email, issuer, subject)
	if core.ErrorCode(err) == core.ECONFLICT {
		// A sign-in of the same person at the same moment made the account.
		if acct, err := s.Store.SSOAccountBySubject(ctx, st.OrgID, issuer, subject); err == nil && acct.Active {
			return Result{Account: acct}, nil
		}
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Account: acct, Created: true}, nil
}

// personName is the name a just-in-time account gets: the token's name, or
// the address's local part.
func personName(name, email string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || !utf8.ValidString(name) {
		name, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// refuse logs why a provider's answer was refused and returns ErrUnverified.
func (s *Service) refuse(orgID int64, reason string, err error) error {
	args := []any{"org_id", orgID, "reason", reason}
	if err != nil {
		args = append(args, "err", err.Error())
	}
	s.Log.Warn("sso: sign-in refused", args...)
	return ErrUnverified
}

// ResealResult counts what ResealSecrets did.
type ResealResult struct {
	Rotated    int // secrets sealed by an old key, now sealed by the current one
	Unreadable int // secrets sealed by a key that is not configured: left as they are
}

// ResealSecrets seals every stored client secret with the current key. Run
// at every start and by `rapport secrets rotate`, with the webhook
// addresses; running it twice changes nothing the second time.
func ResealSecrets(ctx context.Context, st Store, keys *secrets.Keyring) (ResealResult, error) {
	var res ResealResult
	list, err := st.SSOSecretsToReseal(ctx, keys.CurrentID())
	if err != nil {
		return res, fmt.Errorf("reseal sso secrets: %w", err)
	}
	for _, x := range list {
		plain, err := keys.Open(x.KeyID, x.Sealed, sealContext(x.OrgID))
		if err != nil {
			res.Unreadable++
			continue
		}
		keyID, sealed := keys.Seal(plain, sealContext(x.OrgID))
		ok, err := st.ResealSSOSecret(ctx, x, SealedSecret{OrgID: x.OrgID, Sealed: sealed, KeyID: keyID})
		if err != nil {
			return res, fmt.Errorf("reseal sso secret of org %d: %w", x.OrgID, err)
		}
		if ok {
			res.Rotated++
		}
	}
	return res, nil
}
