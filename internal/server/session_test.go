package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

func sessionRows(t *testing.T, ta *testapp.TestApp, token string) int {
	return ta.F.Count(t, "SELECT count(*) FROM sessions WHERE token = $1", token)
}

func TestSignInRenewsTokenAndSignOutDeletesSession(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Sessions")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)

	// A session that exists before signing in (e.g. a flash after sign-out)
	// must not survive sign-in: fixation.
	c.SignIn(p.Email, testfx.Password)
	first := c.SessionCookie().Value
	c.Post("/logout", nil)
	pre := c.SessionCookie()
	if pre == nil {
		t.Fatal("no anonymous session after sign-out (the flash lives in one)")
	}
	if pre.Value == first {
		t.Fatal("sign-out kept the token")
	}
	if sessionRows(t, ta, first) != 0 {
		t.Fatal("sign-out left the session row")
	}
	c.SignIn(p.Email, testfx.Password)
	second := c.SessionCookie().Value
	if second == pre.Value || second == first {
		t.Fatal("sign-in did not renew the token")
	}
	if sessionRows(t, ta, pre.Value) != 0 {
		t.Fatal("the pre-sign-in session still exists")
	}

	// The old token no longer works.
	old := ta.Client(t)
	u, _ := url.Parse(ta.URL)
	old.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-rapport_session", Value: first, Path: "/", Secure: true}})
	if r := old.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("old token still signed in: %d %s", r.Status, r.Location())
	}
	if r := c.Get("/"); r.Status != 200 {
		t.Fatalf("current session broken: %d", r.Status)
	}
	c.Post("/logout", nil)
	if sessionRows(t, ta, second) != 0 {
		t.Fatal("sign-out did not delete the session row")
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("still signed in after sign-out: %d", r.Status)
	}
}

func TestDeactivationEndsSessions(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Deactivation")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	laptop, phone, a := ta.Client(t), ta.Client(t), ta.Client(t)
	laptop.SignIn(p.Email, testfx.Password)
	phone.SignIn(p.Email, testfx.Password)
	a.SignIn(adm.Email, testfx.Password)
	if n := ta.F.Count(t, "SELECT count(*) FROM session_users WHERE user_id = $1", p.ID); n != 2 {
		t.Fatalf("%d sessions recorded, want 2", n)
	}
	if r := a.Post("/people/"+itoa(p.ID)+"/deactivate", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	for _, tok := range []string{laptop.SessionCookie().Value, phone.SessionCookie().Value} {
		if sessionRows(t, ta, tok) != 0 {
			t.Error("a deactivated person's session row survived")
		}
	}
	if r := laptop.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivated person still signed in: %d", r.Status)
	}
	r := laptop.Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}})
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("deactivated person signed in again: %d", r.Status)
	}
}

func TestLoginIsRateLimitedPerAccountAndPerIP(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) {
		c.LoginPerAccount = 3
		c.LoginPerIP = 6
		c.LoginWindow = time.Hour
	}})
	org := ta.F.Org(t, "Limits")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	q := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.ClientFrom(t, freshIP())
	for i := 0; i < 3; i++ {
		r := c.Post("/login", url.Values{"email": {p.Email}, "password": {"wrong password " + itoa(int64(i))}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "don&#39;t match an active account") {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	// The right password is refused too once the account's budget is spent,
	// with a message that says to wait and nothing about the account.
	r := c.Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many sign-in attempts") {
		t.Fatalf("4th attempt: %d", r.Status)
	}
	// Upper-casing the email is the same account.
	if r := c.Post("/login", url.Values{"email": {strings.ToUpper(p.Email)}, "password": {testfx.Password}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("same account, other case: %d", r.Status)
	}
	// Another account from the same address still works until the IP's budget runs out.
	if r := c.Post("/login", url.Values{"email": {q.Email}, "password": {testfx.Password}}); r.Status != http.StatusSeeOther {
		t.Fatalf("other account: %d", r.Status)
	}
	if r := c.Post("/login", url.Values{"email": {"x@example.com"}, "password": {"nope nope nope"}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("7th request from one IP: %d, want 429", r.Status)
	}
}

func TestUnknownEmailAndWrongPasswordLookTheSame(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Enumeration")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	a := c.Post("/login", url.Values{"email": {p.Email}, "password": {"wrong password"}})
	b := c.Post("/login", url.Values{"email": {"nobody-" + p.Email}, "password": {"wrong password"}})
	if a.Status != b.Status || !strings.Contains(a.Body, "match an active account") || !strings.Contains(b.Body, "match an active account") {
		t.Fatalf("responses differ: %d vs %d", a.Status, b.Status)
	}
	if !strings.Contains(a.Body, `value="`+p.Email+`"`) {
		t.Error("the typed email was not kept")
	}
}

type movableClock struct{ now time.Time }

func (c *movableClock) Now() time.Time { return c.now }

func TestIdleSessionsExpireAndActiveOnesAreNotRewritten(t *testing.T) {
	clock := &movableClock{now: time.Now()}
	ta := testapp.Start(t, dsn, testapp.Options{Clock: clock, Config: func(c *server.Config) { c.SessionIdle = time.Hour }})
	org := ta.F.Org(t, "Idle")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	tok := c.SessionCookie().Value
	var expiry1, expiry2 time.Time
	ta.Pool.QueryRow(t.Context(), "SELECT expiry FROM sessions WHERE token = $1", tok).Scan(&expiry1)
	// Pages within the minute do not write the session.
	for i := 0; i < 3; i++ {
		if r := c.Get("/"); r.Status != 200 {
			t.Fatalf("page: %d", r.Status)
		}
	}
	var data1 []byte
	ta.Pool.QueryRow(t.Context(), "SELECT data, expiry FROM sessions WHERE token = $1", tok).Scan(&data1, &expiry2)
	clock.now = clock.now.Add(50 * time.Minute)
	if r := c.Get("/"); r.Status != 200 {
		t.Fatalf("active within the idle timeout: %d", r.Status)
	}
	var data2 []byte
	ta.Pool.QueryRow(t.Context(), "SELECT data FROM sessions WHERE token = $1", tok).Scan(&data2)
	if string(data1) == string(data2) {
		t.Fatal("last-seen time not refreshed after 50 minutes")
	}
	clock.now = clock.now.Add(61 * time.Minute)
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("idle for 61 minutes but still signed in: %d", r.Status)
	}
	if sessionRows(t, ta, tok) != 0 {
		t.Fatal("idle session row not deleted")
	}
}
