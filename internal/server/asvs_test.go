package server_test

// Tests of the ASVS 5.0 Level 2 requirements listed in docs/security.md that
// no other test covers.

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

var resetLinkRE = regexp.MustCompile(`/password/reset/([A-Za-z0-9_-]{40,})`)

// resetToken issues a reset link for email the way `rapport user reset-link`
// does (there is no email yet) and returns its token.
func resetToken(t *testing.T, ta *testapp.TestApp, email string) string {
	t.Helper()
	_, tok, err := ta.People.IssuePasswordReset(t.Context(), email, "")
	if err != nil {
		t.Fatalf("issue reset link: %v", err)
	}
	return tok
}

// V6.2.1, V6.2.5, V6.2.8, V6.2.9: length is the only rule (10 to 256),
// any characters go, 64 and more are fine, and the password is kept exactly.
func TestPasswordRulesAreLengthOnlyAndKeepEveryCharacter(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Passwords")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	long := "  Ünïcode, 密码, spaces and punctuation!? " + strings.Repeat("z", 40) + "  "
	for _, tc := range []struct {
		pw   string
		want int
	}{
		{"ninechars", http.StatusUnprocessableEntity},
		{"tencharsaa", http.StatusSeeOther}, // lower case only
		{"1234567890", http.StatusSeeOther}, // digits only
		{"          ", http.StatusSeeOther}, // spaces only: no composition rules
		{strings.Repeat("a", 257), http.StatusUnprocessableEntity},
		{strings.Repeat("p", 256), http.StatusSeeOther},
		{long, http.StatusSeeOther},
	} {
		tok := resetToken(t, ta, p.Email)
		r := ta.Client(t).Post("/password/reset/"+tok, url.Values{"password": {tc.pw}, "confirm": {tc.pw}})
		if r.Status != tc.want {
			t.Errorf("password of %d characters: status %d, want %d", len([]rune(tc.pw)), r.Status, tc.want)
		}
	}
	if len([]rune(long)) < 64 {
		t.Fatalf("test password has only %d characters", len([]rune(long)))
	}
	for _, wrong := range []string{strings.TrimSpace(long), strings.ToLower(long), long[:64], long + " "} {
		if r := ta.Client(t).Post("/login", url.Values{"email": {p.Email}, "password": {wrong}}); r.Status != http.StatusUnauthorized {
			t.Errorf("an altered password signed in: %q (%d)", wrong, r.Status)
		}
	}
	ta.Client(t).SignIn(p.Email, long)
}

// V7.2.3: session tokens are 256 random bits and never repeat.
func TestSessionTokensAre256RandomBitsAndNeverRepeat(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Tokens")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		tok := c.SessionCookie().Value
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) < 32 {
			t.Fatalf("session token %q: %d bytes (%v)", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatal("a session token repeated")
		}
		seen[tok] = true
	}
}

// V7.3.2: a session ends at its absolute lifetime, in the database and in
// the cookie, however active it is; activity does not push the end back.
func TestSessionsEndAtTheirAbsoluteLifetimeWhateverTheActivity(t *testing.T) {
	clock := &movableClock{now: time.Now()}
	ta := testapp.Start(t, dsn, testapp.Options{Clock: clock, Config: func(c *server.Config) {
		c.SessionIdle = time.Hour
		c.SessionLifetime = 3 * time.Hour
	}})
	org := ta.F.Org(t, "Lifetime")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	start := time.Now()
	r := c.Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.Status)
	}
	near := func(got, want time.Time) bool { d := got.Sub(want); return d > -time.Minute && d < time.Minute }
	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if strings.HasSuffix(ck.Name, "rapport_session") {
			cookie = ck
		}
	}
	if cookie == nil || !near(cookie.Expires, start.Add(3*time.Hour)) {
		t.Fatalf("session cookie does not expire with the lifetime: %+v", cookie)
	}
	tok := c.SessionCookie().Value
	expiry := func() time.Time {
		var e time.Time
		if err := ta.Pool.QueryRow(t.Context(), "SELECT expiry FROM sessions WHERE token = $1", tok).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	e1 := expiry()
	if !near(e1, start.Add(3*time.Hour)) {
		t.Fatalf("session expires at %v, want about %v", e1, start.Add(3*time.Hour))
	}
	// Activity 50 minutes later rewrites the session (last seen) but keeps its end.
	var data1, data2 []byte
	ta.Pool.QueryRow(t.Context(), "SELECT data FROM sessions WHERE token = $1", tok).Scan(&data1)
	clock.now = clock.now.Add(50 * time.Minute)
	if r := c.Get("/"); r.Status != http.StatusOK {
		t.Fatalf("active session refused: %d", r.Status)
	}
	ta.Pool.QueryRow(t.Context(), "SELECT data FROM sessions WHERE token = $1", tok).Scan(&data2)
	if string(data1) == string(data2) {
		t.Fatal("the session was not rewritten, so this proves nothing")
	}
	if e2 := expiry(); !e2.Equal(e1) {
		t.Fatalf("activity moved the absolute end from %v to %v", e1, e2)
	}
	// Once the end has passed the server refuses the token, whatever the cookie says.
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE sessions SET expiry = now() - interval '1 second' WHERE token = $1", tok); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("expired session still signed in: %d %s", r.Status, r.Location())
	}
}

// V14.3.2: signed-in pages, error pages and sign-in forms are never stored
// by the browser.
func TestPagesAreNotCached(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Caching")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	emp := ta.F.Person(t, org, testfx.PersonOpts{})
	a, e := ta.Client(t), ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	e.SignIn(emp.Email, testfx.Password)
	check := func(who string, c *testapp.Client, path string, status int) {
		t.Helper()
		r := c.Get(path)
		if r.Status != status {
			t.Errorf("%s %s: status %d, want %d", who, path, r.Status, status)
		}
		if !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s %s: Cache-Control %q, want no-store", who, path, r.Header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/", "/people", "/people/" + itoa(emp.ID), "/kudos", "/reviews", "/admin", "/admin/audit", "/calendar"} {
		check("admin", a, path, http.StatusOK)
	}
	check("admin", a, "/no-such-page", http.StatusNotFound)
	check("employee", e, "/admin", http.StatusForbidden)
	check("anonymous", ta.Client(t), "/login", http.StatusOK)
	check("anonymous", ta.Client(t), "/password/forgot", http.StatusOK)
}

// V13.4.4: TRACE and unknown methods are refused, and nothing of the
// request is echoed back.
func TestTraceAndUnknownMethodsAreRefused(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Methods")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	for _, method := range []string{"TRACE", "TRACK", "PROPFIND", "FOO"} {
		for _, path := range []string{"/", "/login", "/kudos", "/static/app.css"} {
			req, _ := http.NewRequest(method, ta.URL+path, nil)
			req.Header.Set("X-Probe", "echo-me-back-7731")
			r := c.Do(req)
			if r.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", method, path, r.Status)
			}
			if strings.Contains(r.Body, "echo-me-back-7731") {
				t.Errorf("%s %s echoed the request", method, path)
			}
		}
	}
}

// V3.4.2: no response lets another origin read it: no CORS headers, even
// when asked.
func TestNoCrossOriginReadsAreAllowed(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "CORS")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	for _, method := range []string{"GET", "OPTIONS"} {
		for _, path := range []string{"/", "/login", "/kudos", "/healthz"} {
			req, _ := http.NewRequest(method, ta.URL+path, nil)
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Access-Control-Request-Method", "POST")
			r := c.Do(req)
			for k := range r.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("%s %s answers %s: %q", method, path, k, r.Header.Get(k))
				}
			}
		}
	}
}

// V4.1.1: every response with a body says what it is, with its charset.
func TestResponsesNameTheirContentTypeAndCharset(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Types")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	for path, want := range map[string]string{
		"/login": "text/html", "/healthz": "text/plain", "/readyz": "text/plain",
		"/no-such-page": "text/html", "/static/app.css": "text/css",
	} {
		ct := c.Get(path).Header.Get("Content-Type")
		if !strings.HasPrefix(ct, want) || !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
			t.Errorf("%s: Content-Type %q, want %s with charset=utf-8", path, ct, want)
		}
	}
	r := c.Post("/login", url.Values{"email": {p.Email}, "password": {"wrong password"}})
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("refused sign-in: Content-Type %q", ct)
	}
}

// V13.4.1, V13.4.3: no directory listings, no source control metadata,
// no way out of the static folder.
func TestNoDirectoryListingsOrSourceFilesAreServed(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	for _, path := range []string{"/static/", "/static", "/static/.git/config", "/.git/config", "/.git/HEAD",
		"/static/%2e%2e/go.mod", "/static/..%2fgo.mod", "/go.mod", "/static/views/layout.templ", "/.env"} {
		r := c.Get(path)
		if r.Status == http.StatusOK {
			t.Errorf("%s: 200", path)
		}
		for _, leak := range []string{"<pre>", "[core]", "module rapport", "ref: refs/"} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("%s shows %q", path, leak)
			}
		}
	}
}

// V15.3.4: the per-address sign-in budget keys on the connection's address;
// a client cannot buy a fresh budget with X-Forwarded-For unless the
// deployment says a proxy sets it.
func TestForwardedForIsIgnoredUnlessAProxyIsTrusted(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) {
		c.LoginPerIP = 3
		c.LoginWindow = time.Hour
	}})
	// An address of its own: the budget is kept in the database the
	// package's tests share.
	c := ta.ClientFrom(t, freshIP())
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest("POST", ta.URL+"/login", strings.NewReader(url.Values{
			"email": {"someone" + itoa(int64(i)) + "@example.com"}, "password": {"a guessed password"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113."+itoa(int64(i+1)))
		req.Header.Set("X-Real-IP", "198.51.100."+itoa(int64(i+1)))
		r := c.Do(req)
		want := http.StatusUnauthorized
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Fatalf("attempt %d with a new forwarded address: %d, want %d", i+1, r.Status, want)
		}
	}
}

// V1.2.1, V1.2.4: what people type is stored exactly and shown as text,
// never as markup or SQL.
func TestUserTextIsStoredVerbatimAndShownEscaped(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Escaping")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	name := `<script>alert(1)</script>'); DROP TABLE teams;--`
	if r := c.Post("/teams", url.Values{"name": {name}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create team: %d %s", r.Status, r.Body)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM teams WHERE org_id = $1 AND name = $2", org, name); n != 1 {
		t.Fatalf("%d teams stored with the exact name", n)
	}
	r := c.Get("/teams")
	if strings.Contains(r.Body, "<script>alert(1)") {
		t.Fatal("team name rendered as markup")
	}
	if !strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("escaped team name not shown:\n%s", r.Body)
	}
}

// V6.4.3: a reset request names no link and no host, whatever Host the
// request named (links are issued by the operator from the configured
// address); V11.4.1, V6.4.1: only a SHA-256 of each token is stored.
func TestResetRequestsNameNoHostAndOnlyHashesAreStored(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Host")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	req, _ := http.NewRequest("POST", ta.URL+"/password/forgot", strings.NewReader(url.Values{"email": {p.Email}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "evil.example"
	if r := ta.Client(t).Do(req); r.Status != http.StatusOK {
		t.Fatalf("forgot: %d", r.Status)
	}
	if logs := ta.Logs.String(); strings.Contains(logs, "evil.example") || resetLinkRE.MatchString(logs) {
		t.Fatalf("a reset request wrote a link or the request's Host to the log:\n%s", logs)
	}
	tok := resetToken(t, ta, p.Email)
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE token_hash = sha256(convert_to($1, 'UTF8'))", tok); n != 1 {
		t.Fatalf("%d reset rows hold the token's SHA-256", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE row_to_json(password_resets)::text LIKE '%' || $1 || '%'", tok); n != 0 {
		t.Fatal("the reset token is stored in the clear")
	}
}

// V7.4.4: every signed-in page offers sign-out.
func TestEverySignedInPageOffersSignOut(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Sign out")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	for _, path := range []string{"/", "/org", "/people", "/teams", "/oneonones", "/kudos", "/reviews", "/framework",
		"/definitions", "/admin", "/admin/audit", "/admin/webhooks", "/questions", "/calendar", "/invitations"} {
		r := c.Get(path)
		if !strings.Contains(r.Body, `<form method="post" action="/logout">`) {
			t.Errorf("%s (%d): no sign-out form", path, r.Status)
		}
	}
}

// V6.2.6, V6.2.7: password fields are masked and marked for password
// managers; nothing blocks pasting.
func TestPasswordFieldsAreMaskedAndWelcomePasswordManagers(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Fields")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	tok := resetToken(t, ta, p.Email)
	c := ta.Client(t)
	for path, autocomplete := range map[string]string{"/login": "current-password", "/password/reset/" + tok: "new-password"} {
		body := c.Get(path).Body
		inputs := regexp.MustCompile(`<input[^>]*name="(?:password|confirm)"[^>]*>`).FindAllString(body, -1)
		if len(inputs) == 0 {
			t.Fatalf("%s: no password field", path)
		}
		for _, in := range inputs {
			if !strings.Contains(in, `type="password"`) || !strings.Contains(in, `autocomplete="`+autocomplete+`"`) {
				t.Errorf("%s: %s", path, in)
			}
		}
		for _, block := range []string{"onpaste", "oncopy", `autocomplete="off"`} {
			if strings.Contains(body, block) {
				t.Errorf("%s: %q gets in the way of password managers", path, block)
			}
		}
	}
}

// V3.4.1: over TLS, directly or through a trusted proxy, HSTS lasts at least
// a year and covers subdomains.
func TestHSTSLastsAYearAndCoversSubdomains(t *testing.T) {
	check := func(name string, r testapp.Response) {
		t.Helper()
		h := r.Header.Get("Strict-Transport-Security")
		m := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(h)
		age := 0
		if m != nil {
			age, _ = strconv.Atoi(m[1])
		}
		if age < 365*24*3600 || !strings.Contains(h, "includeSubDomains") {
			t.Errorf("%s: Strict-Transport-Security %q", name, h)
		}
	}
	tls := testapp.Start(t, dsn, testapp.Options{})
	check("TLS", tls.Client(t).Get("/login"))

	proxied := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TrustProxy = true }})
	req, _ := http.NewRequest("GET", proxied.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	check("trusted proxy", proxied.Client(t).Do(req))

	// Without a trusted proxy, a client cannot claim HTTPS.
	plain := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	req, _ = http.NewRequest("GET", plain.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	if h := plain.Client(t).Do(req).Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("untrusted X-Forwarded-Proto turned on HSTS: %q", h)
	}
}

// V13.4.5: the health endpoints anyone may call say nothing beyond up or ready.
func TestHealthEndpointsSayNothingMore(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		if r := c.Get(path); r.Status != http.StatusOK || r.Body != want {
			t.Errorf("%s: %d %q, want %q", path, r.Status, r.Body, want)
		}
	}
}

// V15.3.7: a form value comes from the form body; the query string cannot
// add to it or override it.
func TestQueryStringCannotOverrideFormFields(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Pollution")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	if r := c.Post("/teams?name=From+the+query", url.Values{"name": {"From the body"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create team: %d", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM teams WHERE org_id = $1 AND name = 'From the body'", org); n != 1 {
		t.Fatal("the body's value was not used")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM teams WHERE org_id = $1 AND name LIKE '%query%'", org); n != 0 {
		t.Fatal("the query string's value was used")
	}
	// A query string alone is not a form.
	if r := c.Post("/teams?name=Only+in+the+query", url.Values{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("team from the query string alone: %d", r.Status)
	}
}

// V3.3.1, V3.3.2, V3.3.4: the anonymous retro secret's cookie is __Secure-,
// Secure, HttpOnly, SameSite=Lax and sent only to its own retro's pages.
func TestRetroSecretCookieIsSecureHttpOnlyAndScopedToItsRetro(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Retro cookie")
	mgr := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleManager})
	member := ta.F.Person(t, org, testfx.PersonOpts{ManagerID: mgr.ID})
	team := ta.F.Team(t, org, "Quiet", mgr.ID, member.ID)
	m, c := ta.Client(t), ta.Client(t)
	m.SignIn(mgr.Email, testfx.Password)
	c.SignIn(member.Email, testfx.Password)
	r := m.Post("/teams/"+itoa(team)+"/retros", url.Values{"title": {"Quiet retro"}, "template": {"ssc"},
		"anonymous": {"true"}, "votes_per_person": {"3"}, "max_votes_per_card": {"3"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create retro: %d", r.Status)
	}
	retroPath := r.Location()
	var set string
	for _, p := range []string{retroPath, retroPath + "/board"} {
		for _, h := range c.Get(p).Header.Values("Set-Cookie") {
			if strings.Contains(h, "rapport_retro=") {
				set = h
			}
		}
	}
	if set == "" {
		t.Fatal("no retro secret cookie was set, so this proves nothing")
	}
	for _, want := range []string{"__Secure-rapport_retro=", "Path=" + retroPath, "Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Errorf("retro cookie must be host-only: %q", set)
	}
}

// V6.4.1: an invitation link stops working after its seven days.
func TestInvitationLinksExpireAfterSevenDays(t *testing.T) {
	clock := &movableClock{now: time.Now()}
	ta := testapp.Start(t, dsn, testapp.Options{Clock: clock})
	org := ta.F.Org(t, "Expiry")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	a := ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	if r := a.Post("/invitations", url.Values{"name": {"Eve Late"}, "email": {"eve.late@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", r.Status)
	}
	m := regexp.MustCompile(`/invite/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(a.Get("/invitations").Body)
	if m == nil {
		t.Fatal("no invitation link shown")
	}
	clock.now = clock.now.Add(7*24*time.Hour - time.Minute)
	if r := ta.Client(t).Get("/invite/" + m[1]); r.Status != http.StatusOK {
		t.Fatalf("a day-7 link: %d", r.Status)
	}
	clock.now = clock.now.Add(2 * time.Minute)
	if r := ta.Client(t).Get("/invite/" + m[1]); r.Status != http.StatusNotFound {
		t.Fatalf("an expired link: %d, want 404", r.Status)
	}
	pw := "a password set too late"
	if r := ta.Client(t).Post("/invite/"+m[1], url.Values{"password": {pw}, "confirm": {pw}}); r.Status != http.StatusNotFound {
		t.Fatalf("accepting an expired link: %d, want 404", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE email = 'eve.late@example.com' AND password_hash IS NOT NULL AND password_hash <> ''"); n != 0 {
		t.Fatal("an expired invitation set a password")
	}
}

// V7.6.2: opening an invitation or reset link signs nobody in; only
// submitting its form does.
func TestOpeningALinkStartsNoSession(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Links")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	a := ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	a.Post("/invitations", url.Values{"name": {"Gus Guest"}, "email": {"gus.guest@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}})
	m := regexp.MustCompile(`/invite/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(a.Get("/invitations").Body)
	if m == nil {
		t.Fatal("no invitation link shown")
	}
	for _, link := range []string{"/invite/" + m[1], "/password/reset/" + resetToken(t, ta, p.Email)} {
		c := ta.Client(t)
		if r := c.Get(link); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", link, r.Status)
		}
		if r := c.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("opening %s signed someone in: %d %s", link, r.Status, r.Location())
		}
	}
}

// V15.3.3: a form changes only the fields it is for; extra fields naming the
// organisation, the id, the password or the active flag are ignored.
func TestFormsIgnoreFieldsTheyAreNotFor(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Assignment")
	other := ta.F.Org(t, "Elsewhere")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Pat Plain"})
	a := ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	form := url.Values{"name": {"Pat Renamed"}, "email": {p.Email}, "role": {"employee"}, "time_zone": {"UTC"}, "title": {"Engineer"},
		"org_id": {itoa(other)}, "id": {itoa(adm.ID)}, "password": {"attacker chosen password"},
		"password_hash": {"x"}, "active": {"false"}, "deactivated_at": {"2020-01-01"}}
	if r := a.Post("/people/"+itoa(p.ID), form); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND org_id = $2 AND name = 'Pat Renamed'", p.ID, org); n != 1 {
		t.Fatal("the edit did not land on the person, in their organisation")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE org_id = $1", other); n != 0 {
		t.Fatal("a person moved to another organisation")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND name = 'Pat Renamed'", adm.ID); n != 0 {
		t.Fatal("the form's id field changed someone else")
	}
	ta.Client(t).SignIn(p.Email, testfx.Password)
	if r := ta.Client(t).Post("/login", url.Values{"email": {p.Email}, "password": {"attacker chosen password"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("the form set a password: %d", r.Status)
	}
}
