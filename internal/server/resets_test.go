package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// A reset request is handled by a background job, and no link ever reaches
// the log: there is no email yet, so the request is recorded for the
// operator, who issues links with `rapport user reset-link`.
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
	if !strings.Contains(logs, "password reset requested") || !strings.Contains(logs, "person_id="+strconv.FormatInt(p.ID, 10)) {
		t.Errorf("the request for a known address was not recorded:\n%s", logs)
	}
	if strings.Contains(logs, "/password/reset/") {
		t.Errorf("a reset link reached the log:\n%s", logs)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1", p.ID); n != 0 {
		t.Errorf("%d reset links made that nobody can receive", n)
	}
}
