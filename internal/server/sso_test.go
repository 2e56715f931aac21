package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"rapport/internal/core"
	"rapport/internal/sso"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// ssoWorld is a Rapport server and a real OpenID Connect provider (mockoidc:
// discovery, JWKS, RS256-signed ID tokens over HTTP) on loopback.
//
//	org Acme (acmeN.test): an admin, an employee; SSO set up by the admin
//	org Beta (betaN.test): an admin; SSO set up on the same provider
type ssoWorld struct {
	t        *testing.T
	app      *testapp.TestApp
	idp      *mockoidc.MockOIDC
	acme     int64
	beta     int64
	admin    testfx.Person
	sam      testfx.Person
	betaBoss testfx.Person
	adminC   *testapp.Client
	// Each world's domains are its own: tests run in parallel on one database.
	domA, domB string
}

// loopback lets the server reach the provider on 127.0.0.1, as an operator
// allows an on-premise provider.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func newSSOWorld(t *testing.T, jit bool) *ssoWorld {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("start provider: %v", err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	ta := testapp.Start(t, dsn, testapp.Options{WebhookAllowPrivate: loopback})
	n := testfx.Next()
	w := &ssoWorld{t: t, app: ta, idp: idp, domA: fmt.Sprintf("acme%d.test", n), domB: fmt.Sprintf("beta%d.test", n)}
	w.acme = ta.F.Org(t, fmt.Sprintf("Acme %d", n))
	w.beta = ta.F.Org(t, fmt.Sprintf("Beta %d", n))
	w.admin = ta.F.Person(t, w.acme, testfx.PersonOpts{Name: "Ada Admin", Email: "ada@" + w.domA, Role: core.RoleAdmin})
	w.sam = ta.F.Person(t, w.acme, testfx.PersonOpts{Name: "Sam Staff", Email: "sam@" + w.domA, NoPass: true})
	w.betaBoss = ta.F.Person(t, w.beta, testfx.PersonOpts{Name: "Bea Boss", Email: "bea@" + w.domB, Role: core.RoleAdmin})
	w.adminC = ta.Client(t)
	w.adminC.SignIn(w.admin.Email, testfx.Password)
	r := w.adminC.Post("/admin/sso", w.settings(jit, false, ""))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save SSO settings: status %d\n%s", r.Status, r.Body)
	}
	betaC := ta.Client(t)
	betaC.SignIn(w.betaBoss.Email, testfx.Password)
	form := w.settings(true, false, "")
	form.Set("domains", w.domB)
	if r := betaC.Post("/admin/sso", form); r.Status != http.StatusSeeOther {
		t.Fatalf("save Beta's SSO settings: status %d\n%s", r.Status, r.Body)
	}
	return w
}

// settings is the settings form for the provider, allowing Acme's domains.
func (w *ssoWorld) settings(jit, enforce bool, breakGlass string) url.Values {
	cfg := w.idp.Config()
	v := url.Values{"provider_name": {"Acme ID"}, "issuer": {cfg.Issuer}, "client_id": {cfg.ClientID},
		"client_secret": {cfg.ClientSecret}, "domains": {w.domA + ", @Corp-" + strings.ToUpper(w.domA)}, "break_glass_id": {breakGlass}}
	if jit {
		v.Set("jit", "true")
	}
	if enforce {
		v.Set("enforce", "true")
	}
	return v
}

// user is a person at the provider whose ID token claims a test may alter.
type user struct {
	*mockoidc.MockUser
	alter func(*mockoidc.IDTokenClaims)
}

func (u user) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.alter != nil {
		u.alter(c)
	}
	return u.MockUser.Claims(scope, c)
}

func person(subject, email string) user {
	return user{MockUser: &mockoidc.MockUser{Subject: subject, Email: email, EmailVerified: true}}
}

// leave starts a sign-in at org and follows the browser to the provider,
// which signs u in and sends the browser back: it returns the callback path
// (with code and state) the browser is sent to.
func (w *ssoWorld) leave(c *testapp.Client, org int64, u mockoidc.User) string {
	w.t.Helper()
	r := c.Get(fmt.Sprintf("/sso/%d/start?next=%%2Fkudos", org))
	if r.Status != http.StatusSeeOther {
		w.t.Fatalf("start sign-in: status %d\n%s", r.Status, r.Body)
	}
	auth, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(auth.String(), w.idp.AuthorizationEndpoint()) {
		w.t.Fatalf("start sign-in sent the browser to %q, want the provider", r.Header.Get("Location"))
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		w.t.Fatalf("authorization request lacks PKCE S256, nonce or state: %s", auth.RawQuery)
	}
	w.idp.QueueUser(u)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(auth.String())
	if err != nil {
		w.t.Fatalf("provider: %v", err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), w.app.URL+"/sso/callback") {
		w.t.Fatalf("provider answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return back.RequestURI()
}

// signInAs runs the whole flow for u in a new browser.
func (w *ssoWorld) signInAs(org int64, u mockoidc.User) (*testapp.Client, testapp.Response) {
	c := w.app.Client(w.t)
	return c, c.Get(w.leave(c, org, u))
}

// signedInAs returns who the client is signed in as ("" when signed out).
func signedInAs(t *testing.T, c *testapp.Client) string {
	t.Helper()
	r := c.Get("/")
	if r.Status != http.StatusOK {
		return ""
	}
	return r.Body
}

func ssoRefused(t *testing.T, w *ssoWorld, c *testapp.Client, r testapp.Response, msg string) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401\n%s", r.Status, r.Body)
	}
	if !strings.Contains(html.UnescapeString(r.Body), msg) {
		t.Errorf("page lacks %q", msg)
	}
	if body := signedInAs(t, c); body != "" {
		t.Errorf("the browser is signed in after a refused sign-in")
	}
}

func TestSSOSignInOverHTTP(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	c := w.app.Client(t)
	// The browser visits the sign-in page first: it has a session already,
	// which the sign-in must replace.
	page := c.Get(fmt.Sprintf("/sso/%d", w.acme))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Sign in with Acme ID") {
		t.Fatalf("organisation's sign-in page: status %d, no button\n%s", page.Status, page.Body)
	}
	back := w.leave(c, w.acme, person("sub-sam", strings.ToUpper(w.sam.Email)))
	before := c.SessionCookie()
	r := c.Get(back)
	if r.Status != http.StatusSeeOther || r.Location() != "/kudos" {
		t.Fatalf("callback: status %d to %q, want 303 to /kudos\n%s", r.Status, r.Location(), r.Body)
	}
	if after := c.SessionCookie(); after == nil || (before != nil && after.Value == before.Value) {
		t.Errorf("the session token was not renewed at sign-in")
	}
	if !strings.Contains(signedInAs(t, c), "Sam Staff") {
		t.Fatalf("not signed in as Sam after the callback")
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM sso_identities WHERE org_id = $1 AND user_id = $2 AND subject = 'sub-sam'", w.acme, w.sam.ID); n != 1 {
		t.Errorf("the subject was not linked on first sign-in (%d rows)", n)
	}
	// Later sign-ins go by subject, whatever email the provider now says.
	c2, r := w.signInAs(w.acme, person("sub-sam", "samuel.renamed@corp-"+w.domA))
	if r.Status != http.StatusSeeOther || !strings.Contains(signedInAs(t, c2), "Sam Staff") {
		t.Fatalf("second sign-in by subject: status %d", r.Status)
	}
	// The same address under another subject is not Sam.
	c3, r := w.signInAs(w.acme, person("sub-impostor", w.sam.Email))
	ssoRefused(t, w, c3, r, "linked to another identity")
}

func TestSSORefusesBadAnswers(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, true)
	past := time.Now().Add(-2 * time.Hour)
	cases := []struct {
		name string
		org  int64
		u    user
		msg  string
	}{
		{"wrong audience", w.acme, user{person("sub-aud", "aud@"+w.domA).MockUser, func(c *mockoidc.IDTokenClaims) {
			c.Audience = jwt.ClaimStrings{"another-client"}
		}}, "could not be verified"},
		{"expired token", w.acme, user{person("sub-exp", "exp@"+w.domA).MockUser, func(c *mockoidc.IDTokenClaims) {
			c.IssuedAt, c.NotBefore, c.ExpiresAt = jwt.NewNumericDate(past), jwt.NewNumericDate(past), jwt.NewNumericDate(past.Add(time.Hour))
		}}, "could not be verified"},
		{"bad nonce", w.acme, user{person("sub-nonce", "nonce@"+w.domA).MockUser, func(c *mockoidc.IDTokenClaims) {
			c.Nonce = "a-nonce-from-another-sign-in"
		}}, "could not be verified"},
		{"wrong issuer", w.acme, user{person("sub-iss", "iss@"+w.domA).MockUser, func(c *mockoidc.IDTokenClaims) {
			c.Issuer = "https://evil.example"
		}}, "could not be verified"},
		{"unverified email", w.acme, user{MockUser: &mockoidc.MockUser{Subject: "sub-unverified", Email: "unverified@" + w.domA}}, "hasn't verified your email"},
		{"email domain of another organisation", w.acme, person("sub-beta", "someone@"+w.domB), "domain isn't one"},
		{"Acme's domain at Beta", w.beta, person("sub-acme-at-beta", w.admin.Email), "domain isn't one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const count = "SELECT count(*) FROM users WHERE org_id IN ($1, $2)"
			people := w.app.F.Count(t, count, w.acme, w.beta)
			c, r := w.signInAs(tc.org, tc.u)
			ssoRefused(t, w, c, r, tc.msg)
			if n := w.app.F.Count(t, count, w.acme, w.beta); n != people {
				t.Errorf("a refused sign-in created %d people", n-people)
			}
		})
	}
	if !strings.Contains(w.app.Logs.String(), "id token refused") {
		t.Errorf("the log lacks why tokens were refused")
	}
}

func TestSSOStateWorksOnceAndOnlyInItsBrowser(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	c := w.app.Client(t)
	back := w.leave(c, w.acme, person("sub-sam", w.sam.Email))
	// Another browser cannot finish this browser's sign-in (login CSRF).
	other := w.app.Client(t)
	ssoRefused(t, w, other, other.Get(back), "expired or was already used")
	// Its own browser can, once.
	if r := c.Get(back); r.Status != http.StatusSeeOther {
		t.Fatalf("callback: status %d\n%s", r.Status, r.Body)
	}
	c.Post("/logout", nil)
	r := c.Get(back)
	ssoRefused(t, w, c, r, "expired or was already used")

	// The state is single-use in the database too, whatever the session says.
	ctx := t.Context()
	authURL, state, err := w.app.SSO.Begin(ctx, w.acme, "")
	if err != nil {
		t.Fatal(err)
	}
	w.idp.QueueUser(person("sub-sam", w.sam.Email))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if _, err := w.app.SSO.Finish(ctx, state, code); err != nil {
		t.Fatalf("first finish: %v", err)
	}
	if _, err := w.app.SSO.Finish(ctx, state, code); err != sso.ErrLoginExpired {
		t.Fatalf("replayed state: %v, want ErrLoginExpired", err)
	}
}

func TestSSOJustInTime(t *testing.T) {
	t.Parallel()
	off := newSSOWorld(t, false)
	people := off.app.F.Count(t, "SELECT count(*) FROM users WHERE org_id = $1", off.acme)
	c, r := off.signInAs(off.acme, person("sub-new", "newcomer@"+off.domA))
	ssoRefused(t, off, c, r, "no Rapport account")
	if n := off.app.F.Count(t, "SELECT count(*) FROM users WHERE org_id = $1", off.acme); n != people {
		t.Fatalf("an unknown subject with just-in-time creation off made an account")
	}

	on := newSSOWorld(t, true)
	c, r = on.signInAs(on.acme, user{MockUser: &mockoidc.MockUser{Subject: "sub-new", Email: "newcomer@" + on.domA, EmailVerified: true}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("just-in-time sign-in: status %d\n%s", r.Status, r.Body)
	}
	if n := on.app.F.Count(t, `SELECT count(*) FROM users WHERE org_id = $1 AND email = 'newcomer@' || $2
		AND role = 'employee' AND manager_id IS NULL AND password_hash = '' AND active`, on.acme, on.domA); n != 1 {
		t.Fatalf("just-in-time account: %d rows like it, want 1", n)
	}
	if n := on.app.F.Count(t, `SELECT count(*) FROM audit_log a JOIN users u ON a.subject = 'person:' || u.id
		WHERE a.org_id = $1 AND a.action = 'sso.person_created' AND u.email = 'newcomer@' || $2`, on.acme, on.domA); n != 1 {
		t.Errorf("just-in-time creation audited %d times, want 1", n)
	}
	if !strings.Contains(signedInAs(t, c), "newcomer") {
		t.Errorf("not signed in as the new person")
	}
	// Signing in again finds the same person.
	on.signInAs(on.acme, person("sub-new", "newcomer@"+on.domA))
	if n := on.app.F.Count(t, "SELECT count(*) FROM users WHERE email = 'newcomer@' || $1", on.domA); n != 1 {
		t.Errorf("%d accounts after a second sign-in, want 1", n)
	}
}

func TestSSORefusesDeactivatedPerson(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, true)
	gone := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Gil Gone", Email: "gil@" + w.domA, Inactive: true})
	c, r := w.signInAs(w.acme, person("sub-gil", gone.Email))
	ssoRefused(t, w, c, r, "no longer active")
	// Linked first, deactivated afterwards: refused by subject too.
	if _, r := w.signInAs(w.acme, person("sub-sam", w.sam.Email)); r.Status != http.StatusSeeOther {
		t.Fatalf("sam's sign-in: %d", r.Status)
	}
	if r := w.adminC.Post(fmt.Sprintf("/people/%d/deactivate", w.sam.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	c, r = w.signInAs(w.acme, person("sub-sam", w.sam.Email))
	ssoRefused(t, w, c, r, "no longer active")
}

func TestSSOEnforcementKeepsBreakGlassAdmin(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	staff := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Pat Password", Email: "pat@" + w.domA})
	admin2 := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Abe Admin", Email: "abe@" + w.domA, Role: core.RoleAdmin})

	// Enforcing needs a break-glass admin, and an active admin at that.
	r := w.adminC.Post("/admin/sso", w.settings(false, true, ""))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose a break-glass admin") {
		t.Fatalf("enforce without break-glass admin: status %d", r.Status)
	}
	if r := w.adminC.Post("/admin/sso", w.settings(false, true, fmt.Sprint(staff.ID))); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an employee as break-glass admin: status %d, want 422", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM org_sso WHERE org_id = $1 AND enforce", w.acme); n != 0 {
		t.Fatalf("a refused save enforced SSO")
	}
	if r := w.adminC.Post("/admin/sso", w.settings(false, true, fmt.Sprint(w.admin.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("enforce: status %d\n%s", r.Status, r.Body)
	}

	// The right password of anyone else is refused, with a pointer to SSO.
	for _, p := range []testfx.Person{staff, admin2} {
		r := w.app.Client(t).Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "signs in with single sign-on") {
			t.Errorf("%s's password under enforcement: status %d, want 401 naming SSO", p.Name, r.Status)
		}
	}
	// The break-glass admin's works.
	w.app.Client(t).SignIn(w.admin.Email, testfx.Password)
	// So does SSO for everyone.
	if _, r := w.signInAs(w.acme, person("sub-pat", staff.Email)); r.Status != http.StatusSeeOther {
		t.Errorf("SSO under enforcement: status %d", r.Status)
	}
	// Demoting the break-glass admin suspends enforcement rather than lock
	// every admin out.
	if _, err := w.app.Pool.Exec(t.Context(), "UPDATE users SET role = 'leader' WHERE id = $1", w.admin.ID); err != nil {
		t.Fatal(err)
	}
	w.app.Client(t).SignIn(admin2.Email, testfx.Password)
}

func TestSSOSettingsPage(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	cfg := w.idp.Config()
	page := w.adminC.Get("/admin/sso")
	if page.Status != http.StatusOK || strings.Contains(page.Body, cfg.ClientSecret) || !strings.Contains(page.Body, "Set") {
		t.Fatalf("settings page: status %d; the secret must not be shown, only that it is set", page.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM org_sso WHERE org_id = $1 AND position($2::bytea in client_secret_sealed) = 0", w.acme, []byte(cfg.ClientSecret)); n != 1 {
		t.Errorf("the client secret is not stored sealed")
	}
	audits := func() int {
		return w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'sso.settings'", w.acme)
	}
	if audits() != 1 {
		t.Errorf("saving the settings audited %d times, want 1", audits())
	}
	// Saving the same again (a double submit, or the secret left empty)
	// changes and audits nothing.
	same := w.settings(false, false, "")
	w.adminC.Post("/admin/sso", same)
	same.Set("client_secret", "")
	if r := w.adminC.Post("/admin/sso", same); r.Status != http.StatusSeeOther {
		t.Fatalf("save keeping the secret: status %d\n%s", r.Status, r.Body)
	}
	if audits() != 1 {
		t.Errorf("unchanged saves audited: %d entries", audits())
	}

	// An issuer that cannot be reached, or is no OIDC provider, is refused
	// next to the field, keeping what was typed.
	for _, tc := range []struct{ issuer, msg string }{
		{"http://127.0.0.1:1", "could not reach this issuer"},
		{w.idp.Addr(), "OpenID Connect discovery"},
		{"http://example.com", "Use https"},
		{"not a url", "can't contain spaces"},
	} {
		bad := w.settings(true, false, "")
		bad.Set("issuer", tc.issuer)
		bad.Set("provider_name", "Typed Name")
		r := w.adminC.Post("/admin/sso", bad)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(r.Body), tc.msg) || !strings.Contains(r.Body, "Typed Name") {
			t.Errorf("issuer %q: status %d, want 422 with %q and the typed values", tc.issuer, r.Status, tc.msg)
		}
		if strings.Contains(r.Body, cfg.ClientSecret) {
			t.Errorf("issuer %q: the typed secret was echoed back", tc.issuer)
		}
		if !strings.Contains(r.Body, `id="f-issuer-error"`) {
			t.Errorf("issuer %q: no error next to the field", tc.issuer)
		}
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM org_sso WHERE org_id = $1 AND provider_name = 'Typed Name'", w.acme); n != 0 {
		t.Errorf("a refused save changed the settings")
	}
	// Bad domains.
	bad := w.settings(false, false, "")
	bad.Set("domains", w.domA+", not a domain!")
	if r := w.adminC.Post("/admin/sso", bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "is not a domain") {
		t.Errorf("bad domain: status %d", r.Status)
	}

	// Test connection reports, saving nothing.
	r := w.adminC.Post("/admin/sso/test", url.Values{"issuer": {cfg.Issuer}, "provider_name": {"Typed Name"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Connection works") || !strings.Contains(r.Body, "1 signing key") {
		t.Errorf("test connection: status %d\n%s", r.Status, r.Body)
	}
	r = w.adminC.Post("/admin/sso/test", url.Values{"issuer": {"http://127.0.0.1:1"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "could not reach this issuer") {
		t.Errorf("test connection to nowhere: status %d", r.Status)
	}

	// Another organisation's admin sees only their own settings.
	betaC := w.app.Client(t)
	betaC.SignIn(w.betaBoss.Email, testfx.Password)
	if r := betaC.Get("/admin/sso"); strings.Contains(r.Body, w.domA) {
		t.Errorf("Beta's admin sees Acme's settings")
	}
}

func TestSSOLookupByEmailDomain(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	c := w.app.Client(t)
	login := c.Get("/login")
	if !strings.Contains(login.Body, "Continue with single sign-on") {
		t.Fatalf("the sign-in page offers no single sign-on")
	}
	r := c.Post("/login/sso", url.Values{"sso_email": {"Someone@" + strings.ToUpper(w.domA)}, "next": {"/kudos"}})
	if r.Status != http.StatusSeeOther || r.Location() != fmt.Sprintf("/sso/%d?next=%%2Fkudos", w.acme) {
		t.Fatalf("lookup: status %d to %q", r.Status, r.Location())
	}
	page := c.Get(r.Location())
	if !strings.Contains(page.Body, "Sign in with Acme ID") || !strings.Contains(page.Body, `/start?next=%2Fkudos`) {
		t.Errorf("the organisation's page lacks its button or the next page")
	}
	for _, email := range []string{"someone@nowhere.test", "not an address"} {
		r := c.Post("/login/sso", url.Values{"sso_email": {email}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-sso_email-error"`) {
			t.Errorf("lookup of %q: status %d, want 422 with an error next to the field", email, r.Status)
		}
	}
	if r := c.Get("/sso/999999999"); r.Status != http.StatusNotFound {
		t.Errorf("an organisation without SSO: status %d, want 404", r.Status)
	}
}

// TestSSOEnforcementRefusesSettingPasswords: a reset link or an invitation
// would set a password and sign in with it, around the enforcement.
func TestSSOEnforcementRefusesSettingPasswords(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	staff := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Pat Password", Email: "pat@" + w.domA})
	if r := w.adminC.Post("/admin/sso", w.settings(false, true, fmt.Sprint(w.admin.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("enforce: status %d\n%s", r.Status, r.Body)
	}
	ctx := t.Context()
	var hash string
	if err := w.app.Pool.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = $1", staff.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	_, token, err := w.app.People.IssuePasswordReset(ctx, staff.Email, "")
	if err != nil {
		t.Fatal(err)
	}
	c := w.app.Client(t)
	r := c.Post("/password/reset/"+token, url.Values{"password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if r.Status != http.StatusForbidden || !strings.Contains(html.UnescapeString(r.Body), "no password to set") {
		t.Errorf("reset under enforcement: status %d, want 403 naming single sign-on", r.Status)
	}
	if signedInAs(t, c) != "" {
		t.Errorf("a refused reset signed the browser in")
	}
	a := core.Actor{UserID: w.admin.ID, OrgID: w.acme, Role: core.RoleAdmin}
	invite, err := w.app.People.Invite(ctx, a, w.sam.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	c = w.app.Client(t)
	r = c.Post("/invite/"+invite, url.Values{"password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("accepting an invitation under enforcement: status %d, want 403", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND password_hash = $2", staff.ID, hash); n != 1 {
		t.Errorf("the refused reset changed the password")
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND password_hash <> ''", w.sam.ID); n != 0 {
		t.Errorf("the invitation set a password under enforcement")
	}
	// The break-glass admin may still reset theirs.
	_, token, err = w.app.People.IssuePasswordReset(ctx, w.admin.Email, "")
	if err != nil {
		t.Fatal(err)
	}
	if r := w.app.Client(t).Post("/password/reset/"+token, url.Values{"password": {"a brand new password"}, "confirm": {"a brand new password"}}); r.Status != http.StatusSeeOther {
		t.Errorf("the break-glass admin's reset: status %d, want 303", r.Status)
	}
}

// TestSSOProviderDownKeepsPasswordsForBreakGlass: with the provider
// unreachable, starting a sign-in says so (503), nothing is stored, and the
// break-glass admin can still sign in and turn enforcement off.
func TestSSOProviderDownKeepsPasswordsForBreakGlass(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	staff := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Pat Password", Email: "pat@" + w.domA})
	if r := w.adminC.Post("/admin/sso", w.settings(false, true, fmt.Sprint(w.admin.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("enforce: status %d\n%s", r.Status, r.Body)
	}
	if err := w.idp.Shutdown(); err != nil {
		t.Fatal(err)
	}
	c := w.app.Client(t)
	r := c.Get(fmt.Sprintf("/sso/%d/start", w.acme))
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(html.UnescapeString(r.Body), "isn't answering right now") {
		t.Fatalf("start with the provider down: status %d, want 503 saying so", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM sso_logins WHERE org_id = $1", w.acme); n != 0 {
		t.Errorf("a start that could not reach the provider stored %d sign-ins", n)
	}
	admin := w.app.Client(t)
	admin.SignIn(w.admin.Email, testfx.Password)
	// Saving with the (unchanged, unreachable) issuer works, so enforcement
	// can be lifted during the outage.
	if r := admin.Post("/admin/sso", w.settings(false, false, fmt.Sprint(w.admin.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("lift enforcement during the outage: status %d\n%s", r.Status, r.Body)
	}
	w.app.Client(t).SignIn(staff.Email, testfx.Password)
}

// TestSSOTurnedOff: an admin turns single sign-on off; its pages are gone,
// passwords work for everyone, and the audit log says who did it.
func TestSSOTurnedOff(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	staff := w.app.F.Person(t, w.acme, testfx.PersonOpts{Name: "Pat Password", Email: "pat@" + w.domA})
	if r := w.adminC.Post("/admin/sso", w.settings(false, true, fmt.Sprint(w.admin.ID))); r.Status != http.StatusSeeOther {
		t.Fatalf("enforce: status %d\n%s", r.Status, r.Body)
	}
	if r := w.adminC.Post("/admin/sso/remove", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("turn off: status %d", r.Status)
	}
	w.adminC.Post("/admin/sso/remove", nil) // a double submit
	if n := w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'sso.removed' AND actor_id = $2", w.acme, w.admin.ID); n != 1 {
		t.Errorf("turning off audited %d times, want 1", n)
	}
	c := w.app.Client(t)
	if r := c.Get(fmt.Sprintf("/sso/%d", w.acme)); r.Status != http.StatusNotFound {
		t.Errorf("the organisation's sign-in page after turning off: status %d, want 404", r.Status)
	}
	c.SignIn(staff.Email, testfx.Password)
	// Beta's single sign-on is untouched.
	if r := w.app.Client(t).Get(fmt.Sprintf("/sso/%d", w.beta)); r.Status != http.StatusOK {
		t.Errorf("Beta's sign-in page: status %d, want 200", r.Status)
	}
}

// TestSSOConcurrentIdenticalSavesApplyOnce: a double submit that arrives at
// the same moment stores and audits the settings once.
func TestSSOConcurrentIdenticalSavesApplyOnce(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, false)
	org := w.app.F.Org(t, "Gamma")
	admin := w.app.F.Person(t, org, testfx.PersonOpts{Name: "Gus Admin", Role: core.RoleAdmin})
	c := w.app.Client(t)
	c.SignIn(admin.Email, testfx.Password)
	form := w.settings(true, false, "")
	form.Set("domains", "gamma-"+w.domA)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", w.app.URL+"/admin/sso", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("concurrent saves answered %v, want 303 each", statuses)
			break
		}
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'sso.settings'", org); n != 1 {
		t.Errorf("%d audit entries for one change, want 1", n)
	}
}
