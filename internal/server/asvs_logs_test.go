package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

var stampRE = regexp.MustCompile(`^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) `)

var inviteLinkRE = regexp.MustCompile(`/invite/([A-Za-z0-9_-]{40,})`)

// V16.2.5, V14.2.4: the log never holds a password, a session token, or the
// token of an invitation or a calendar feed, whatever the flow. The one
// exception is deliberate: until email delivery exists, a reset link is
// written to the log on its own line so an operator can pass it on.
func TestLogsHoldNoPasswordsOrBearerTokens(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Logging")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	a := ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	secrets := []string{testfx.Password}

	// A failed sign-in, with the password in the wrong field too.
	bad := "wrong-guess password 4411"
	ta.Client(t).Post("/login", url.Values{"email": {p.Email}, "password": {bad}})
	ta.Client(t).Post("/login", url.Values{"email": {bad}, "password": {bad}})
	secrets = append(secrets, bad)

	// An invitation, opened and accepted.
	if r := a.Post("/invitations", url.Values{"name": {"Ivy Invited"}, "email": {"ivy.invited@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", r.Status)
	}
	m := inviteLinkRE.FindStringSubmatch(a.Get("/invitations").Body)
	if m == nil {
		t.Fatal("no invitation link shown")
	}
	invite, ivyPassword := m[1], "ivy's very own password 2290"
	ivy := ta.Client(t)
	ivy.Get("/invite/" + invite)
	if r := ivy.Post("/invite/"+invite, url.Values{"password": {ivyPassword}, "confirm": {ivyPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	secrets = append(secrets, invite, ivyPassword, ivy.SessionCookie().Value)

	// A password reset, opened and used.
	reset, newPassword := resetToken(t, ta, p.Email), "a brand new password 8817"
	pc := ta.Client(t)
	pc.Get("/password/reset/" + reset)
	if r := pc.Post("/password/reset/"+reset, url.Values{"password": {newPassword}, "confirm": {newPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	secrets = append(secrets, newPassword, pc.SessionCookie().Value)

	// A calendar feed address, made and read.
	pc.Post("/calendar/reset", nil)
	m = regexp.MustCompile(`/ics/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(pc.Get("/calendar").Body)
	if m == nil {
		t.Fatal("no feed address shown")
	}
	if r := ta.Client(t).Get("/ics/" + m[1]); r.Status != http.StatusOK {
		t.Fatalf("feed: %d", r.Status)
	}
	secrets = append(secrets, m[1], a.SessionCookie().Value)

	// Signing out ends with the session token in nobody's log either.
	out := a.SessionCookie().Value
	a.Post("/logout", nil)
	secrets = append(secrets, out)

	logs := ta.Logs.String()
	for _, line := range strings.Split(logs, "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("log line holds a secret (%.12s…):\n%s", s, line)
			}
		}
		if strings.Contains(line, reset) && !strings.Contains(line, `msg="password reset requested"`) {
			t.Errorf("reset token logged outside its one line:\n%s", line)
		}
	}
	if !strings.Contains(logs, "path=/invite/") || !strings.Contains(logs, "path=/ics/") {
		t.Fatalf("the token routes were not logged at all, so this proves nothing:\n%s", logs)
	}
}

// V16.4.1: what a client sends cannot start a log line of its own.
func TestLogLinesCannotBeForgedThroughTheRequest(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	c.Get("/nothing%0Atime=2026-01-01T00:00:00Z%20level=ERROR%20msg=forged")
	c.Post("/login", url.Values{"email": {"x@example.com\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged"}, "password": {"irrelevant password"}})
	logs := ta.Logs.String()
	if !strings.Contains(logs, "/nothing") {
		t.Fatal("the request was not logged, so this proves nothing")
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.HasPrefix(line, "time=2026-01-01") {
			t.Errorf("forged log line: %s", line)
		}
	}
}

// V16.2.1, V16.2.2, V16.3.2, V16.3.3: refused requests are logged with when,
// from where, what and the outcome: a role refusal, a cross-site post and a
// sign-in over its budget.
func TestRefusedRequestsAreLoggedWithWhatWhenAndWhere(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) {
		c.LoginPerAccount = 1
		c.LoginWindow = time.Hour
	}})
	org := ta.F.Org(t, "Audit trail")
	emp := ta.F.Person(t, org, testfx.PersonOpts{})
	e := ta.Client(t)
	e.SignIn(emp.Email, testfx.Password)
	if r := e.Get("/admin"); r.Status != http.StatusForbidden {
		t.Fatalf("employee on /admin: %d", r.Status)
	}
	req, _ := http.NewRequest("POST", ta.URL+"/kudos", strings.NewReader("body=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := e.Do(req); r.Status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", r.Status)
	}
	anon := ta.Client(t)
	anon.Post("/login", url.Values{"email": {"target@example.com"}, "password": {"first guess here"}})
	if r := anon.Post("/login", url.Values{"email": {"target@example.com"}, "password": {"second guess here"}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("second attempt: %d", r.Status)
	}

	logs := ta.Logs.String()
	wantLine := func(what string, parts ...string) {
		t.Helper()
		for _, line := range strings.Split(logs, "\n") {
			// When, with an explicit offset (V16.2.2).
			ok := stampRE.MatchString(line)
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return
			}
		}
		t.Errorf("no log line for %s with %q:\n%s", what, parts, logs)
	}
	wantLine("the role refusal", "method=GET", "path=/admin", "status=403", "request_id=", "remote=")
	// The access log names no person: anonymous retro cards depend on it
	// (docs/privacy.md). Who is the connection's address and the request id.
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "user_id=") || strings.Contains(line, "org_id=") {
			t.Errorf("a log line names a person: %s", line)
		}
	}
	wantLine("the cross-site post", "level=WARN", `msg="cross-origin request refused"`, "path=/kudos", "origin=https://evil.example")
	wantLine("the cross-site post's request", "method=POST", "path=/kudos", "status=403", "request_id=")
	wantLine("the sign-in over budget", "level=WARN", `msg="sign-in rate limited"`, "ip=")
	wantLine("the sign-in over budget's request", "method=POST", "path=/login", "status=429")
}
