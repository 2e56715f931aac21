package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// A sign-in link whose next points off the site lands on the home page, both
// for someone already signed in (GET) and after signing in (POST).
func TestLoginNextNeverLeavesTheSite(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Redirects")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	offSite := []string{
		"/\t/127.0.0.1:8092/pwned",
		"//127.0.0.1:8092/pwned",
		"/\\127.0.0.1:8092/pwned",
		"/%2F/127.0.0.1:8092/pwned",
		"/%09/127.0.0.1:8092/pwned",
		"https:127.0.0.1:8092/pwned",
	}
	for _, next := range offSite {
		anon := ta.Client(t)
		form := url.Values{"email": {p.Email}, "password": {testfx.Password}, "next": {next}}
		req, _ := http.NewRequest("POST", ta.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, loc := rawRoundTrip(t, anon, req)
		if status != http.StatusSeeOther || loc != "/" {
			t.Errorf("POST /login next=%q: %d, Location %q; want 303 to /", next, status, loc)
		}

		// Signed in, the login page sends people straight on.
		req, _ = http.NewRequest("GET", ta.URL+"/login?next="+url.QueryEscape(next), nil)
		status, loc = rawRoundTrip(t, anon, req)
		if status != http.StatusSeeOther || loc != "/" {
			t.Errorf("GET /login?next=%q: %d, Location %q; want 303 to /", next, status, loc)
		}

		// Not signed in, the form does not carry the target on.
		fresh := ta.Client(t)
		page := fresh.Get("/login?next=" + url.QueryEscape(next))
		if page.Status != http.StatusOK || strings.Contains(page.Body, "127.0.0.1:8092") {
			t.Errorf("login form for next=%q: status %d, carries the target: %v", next, page.Status, strings.Contains(page.Body, "127.0.0.1:8092"))
		}
	}
	// A path on the site is kept.
	c := ta.Client(t)
	r := c.Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}, "next": {"/kudos?team=1"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/kudos?team=1" {
		t.Fatalf("on-site next: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// rawRoundTrip sends req with c's cookies and reports the status and the
// Location header exactly as sent: net/http's client refuses to read some
// hostile Location values, which is the point of looking at them.
func rawRoundTrip(t *testing.T, c *testapp.Client, req *http.Request) (int, string) {
	t.Helper()
	for _, ck := range c.HTTP.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	resp, err := c.HTTP.Transport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	if u, _ := url.Parse(req.URL.String()); u != nil {
		c.HTTP.Jar.SetCookies(u, resp.Cookies())
	}
	return resp.StatusCode, resp.Header.Get("Location")
}
