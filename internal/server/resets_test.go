package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// workJobs runs the background job workers of ta until the test ends.
func workJobs(t *testing.T, ta *testapp.TestApp) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := ta.Notifier.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = ta.Notifier.Stop(stop)
		cancel()
	})
}

// waitForResetJobs waits until the reset requests for emails have been handled.
func waitForResetJobs(t *testing.T, ta *testapp.TestApp, emails ...string) {
	t.Helper()
	const q = "SELECT count(DISTINCT args->>'email') FROM river.river_job WHERE kind = 'password_reset_requested' AND state = 'completed' AND args->>'email' = ANY($1)"
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ta.F.Count(t, q, emails) == len(emails) {
			return
		}
	}
	t.Fatalf("reset requests not handled: %d of %d", ta.F.Count(t, q, emails), len(emails))
}

// A reset request is handled by a background job that makes a link and
// writes it to the outbox, never to the log; with no mail server it waits
// there, marked unsent, for an admin to pass on.
func TestPasswordResetRequestsAreQueuedAndNeverLogALink(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Reset requests")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	emails := []string{p.Email, "nobody-reset-requests@example.com"}
	for _, email := range emails {
		if r := c.Post("/password/forgot", url.Values{"email": {email}}); r.Status != 200 || !strings.Contains(r.Body, "If an active account uses") {
			t.Fatalf("forgot %s: %d", email, r.Status)
		}
	}
	if r := c.Post("/password/forgot", url.Values{"email": {"not an address"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter an email address like") || !strings.Contains(r.Body, `value="not an address"`) {
		t.Fatalf("bad address: %d", r.Status)
	}
	workJobs(t, ta)
	waitForResetJobs(t, ta, emails...)
	logs := ta.Logs.String()
	if !strings.Contains(logs, "password reset link sent") || !strings.Contains(logs, "person_id="+strconv.FormatInt(p.ID, 10)) {
		t.Errorf("the request for a known address was not recorded:\n%s", logs)
	}
	if strings.Contains(logs, "/password/reset/") {
		t.Errorf("a reset link reached the log:\n%s", logs)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1", p.ID); n != 1 {
		t.Errorf("%d reset links made, want 1", n)
	}
	if n := ta.F.Count(t, `SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'password_reset'
		AND state = 'unconfigured' AND last_error = 'not sent: email is not configured' AND link LIKE '%/password/reset/%'`, p.ID); n != 1 {
		t.Errorf("%d unsent reset messages in the outbox, want 1", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND to_addr <> $2", org, p.Email); n != 0 {
		t.Errorf("%d messages to an address without an account", n)
	}
}

// Asking for a reset link ends every older one of that person, using one ends
// every other, and links are stored only as their SHA-256.
func TestAResetLinkEndsEveryOtherLinkOfThatPerson(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Reset links")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	ctx := t.Context()
	issue := func() string {
		t.Helper()
		_, tok, err := ta.People.IssuePasswordReset(ctx, p.Email, "")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	c := ta.Client(t)
	other := ta.Client(t)
	other.SignIn(p.Email, testfx.Password)

	first := issue()
	second := issue()
	if r := c.Get("/password/reset/" + first); r.Status != http.StatusNotFound {
		t.Errorf("an older link still works after a newer one was issued: %d", r.Status)
	}
	if r := c.Get("/password/reset/" + second); r.Status != http.StatusOK {
		t.Fatalf("the newest link: %d", r.Status)
	}
	// A link still outstanding from before, e.g. made by an earlier version.
	const earlier = "an-earlier-link-0123456789-abcdefghijklmnopq"
	if _, err := ta.Pool.Exec(ctx, `INSERT INTO password_resets (org_id, user_id, token_hash, expires_at)
		VALUES ($1, $2, $3, now() + interval '1 hour')`, org, p.ID, auth.HashToken(earlier)); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/password/reset/" + earlier); r.Status != http.StatusOK {
		t.Fatalf("the earlier link before any use: %d", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE token_hash = $1", auth.HashToken(second)); n != 1 {
		t.Fatalf("the link is not stored as its SHA-256 (%d rows)", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE token_hash = convert_to($1, 'UTF8')", second); n != 0 {
		t.Fatal("the link is stored as it is")
	}

	if r := c.Post("/password/reset/"+second, url.Values{"password": {"new password 123"}, "confirm": {"different 12345"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch accepted: %d", r.Status)
	}
	if r := c.Post("/password/reset/"+second, url.Values{"password": {"new password 123"}, "confirm": {"new password 123"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	for name, tok := range map[string]string{"used": second, "earlier": earlier, "first": first} {
		if r := ta.Client(t).Get("/password/reset/" + tok); r.Status != http.StatusNotFound {
			t.Errorf("the %s link still works after a reset: %d", name, r.Status)
		}
		if r := ta.Client(t).Post("/password/reset/"+tok, url.Values{"password": {"another password 1"}, "confirm": {"another password 1"}}); r.Status != http.StatusNotFound {
			t.Errorf("the %s link still sets a password after a reset: %d", name, r.Status)
		}
	}
	if r := other.Get("/"); r.Status != http.StatusSeeOther {
		t.Error("other sessions survived a password reset")
	}
	if r := ta.Client(t).Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}}); r.Status != http.StatusUnauthorized {
		t.Error("old password still works")
	}
	ta.Client(t).SignIn(p.Email, "new password 123")
}
