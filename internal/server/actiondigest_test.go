package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// Each person with open 1:1 actions of their own overdue or due tomorrow gets
// one digest a day, once their own day reaches 08:00, listing only those
// actions; running the job again, or later that day, sends nothing more,
// and the next day sends the next one. The message, delivered through a real
// SMTP server, carries one-click unsubscribe, both parts list the same
// actions, and no part holds a private note.
func TestActionDigestOncePerDayInTheRecipientsZone(t *testing.T) {
	// 06:00 UTC: 15:00 in Tokyo, 06:00 in London in winter.
	now := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	ta := testapp.Start(t, dsn, testapp.Options{Mail: &cfg, Clock: core.FixedClock{T: now}})
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
	f := ta.F
	org := f.Org(t, "Digesting Org")
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Tokyo", ManagerID: mika.ID, Email: fmt.Sprintf("ana.%d@digest.test", org)})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben London", ManagerID: mika.ID, Email: fmt.Sprintf("ben.%d@digest.test", org)})
	for p, tz := range map[int64]string{ana.ID: "Asia/Tokyo", ben.ID: "Europe/London", mika.ID: "America/Los_Angeles"} {
		if _, err := ta.Pool.Exec(t.Context(), "UPDATE users SET time_zone = $2 WHERE id = $1", p, tz); err != nil {
			t.Fatal(err)
		}
	}
	sa := f.Series(t, org, mika.ID, ana.ID, "2026-11-03")
	ma := f.Meeting(t, org, sa, "2026-11-24T10:00:00Z", "held")
	f.Action(t, org, ma, ana.ID, "Send the roadmap draft", "2026-12-01", nil)
	f.Action(t, org, ma, ana.ID, "Book the offsite room", "2026-12-04", nil)
	f.Action(t, org, ma, ana.ID, "Plan the Q2 hiring", "2026-12-10", nil)
	f.Action(t, org, ma, ana.ID, "Already finished thing", "2026-12-02", now)
	f.Action(t, org, ma, mika.ID, "Manager's own follow-up", "2026-12-02", nil)
	if _, err := ta.Pool.Exec(t.Context(), "INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, 'SECRET worry about Ana'), ($1, $2, $4, 'SECRET of Ana')", org, ma, mika.ID, ana.ID); err != nil {
		t.Fatal(err)
	}
	sb := f.Series(t, org, mika.ID, ben.ID, "2026-11-03")
	mb := f.Meeting(t, org, sb, "2026-11-24T11:00:00Z", "held")
	f.Action(t, org, mb, ben.ID, "Review the on-call rota", "2026-12-03", nil)

	digests := func(p testfx.Person) int {
		return f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'actions_due'", p.ID)
	}
	run := func(at time.Time) {
		t.Helper()
		if _, err := ta.Notifier.Mail.RemindActions(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	run(now)
	run(now)
	// Mika's day (22:00 on the 2nd) has his action due today but it is
	// 2 December there: due, so he gets one too; Ben's day has not reached 08:00.
	if a, b, m := digests(ana), digests(ben), digests(mika); a != 1 || b != 0 || m != 1 {
		t.Fatalf("digests after two runs at 06:00 UTC: ana %d, ben %d, mika %d; want 1, 0, 1", a, b, m)
	}
	run(now.Add(3 * time.Hour)) // 09:00 in London, 18:00 in Tokyo
	run(now.Add(3 * time.Hour))
	if a, b := digests(ana), digests(ben); a != 1 || b != 1 {
		t.Fatalf("digests at 09:00 UTC: ana %d, ben %d; want 1, 1", a, b)
	}
	run(now.Add(24 * time.Hour)) // the 4th in Tokyo
	if a := digests(ana); a != 2 {
		t.Errorf("ana has %d digests on her next day, want 2", a)
	}

	m := waitTo(t, srv, ana.Email, 1)[0]
	if got := m.Header.Get("Subject"); got != "2 of your actions are due, 1 overdue" {
		t.Errorf("subject %q", got)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(m.Header.Get("List-Unsubscribe"), ".actions_due.") {
		t.Errorf("unsubscribe headers %q, %q", m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post"))
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"Send the roadmap draft", "(overdue)", "Book the offsite room", "(tomorrow)", "with Mika Manager", ta.URL + "/actions"} {
			if !strings.Contains(body, want) {
				t.Errorf("the %s part lacks %q", part, want)
			}
		}
		for _, never := range []string{"Plan the Q2 hiring", "Already finished", "Manager's own", "SECRET"} {
			if strings.Contains(body, never) {
				t.Errorf("the %s part holds %q", part, never)
			}
		}
	}
	waitTo(t, srv, ben.Email, 1)
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND (text_body LIKE '%SECRET%' OR html_body LIKE '%SECRET%')", org); n != 0 {
		t.Errorf("%d messages hold a private note", n)
	}
}
