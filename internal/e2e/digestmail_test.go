package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// An admin reads the weekly team digest and a 1:1 reminder in the outbox
// (email is not configured, so they wait there): each page shows the
// message's lists as the recipient will read them, but for the 1:1's agenda
// points, which only its two people read, and passes the page checks. Screenshots: both messages at desktop and phone widths.
func TestDigestAndReminderEmailsInTheOutbox(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // a Monday
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Clock: core.FixedClock{T: now}})
	f := app.F
	org := f.Org(t, "Northwind Studio")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Grace Okoye", Role: core.RoleAdmin})
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Tanaka", Role: core.RoleManager, ManagerID: admin.ID})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", ManagerID: mika.ID})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Adeyemi", ManagerID: mika.ID})
	f.Series(t, org, mika.ID, ana.ID, "2026-09-01")
	sb := f.Series(t, org, mika.ID, ben.ID, "2026-09-01")
	mb := f.Meeting(t, org, sb, "2026-12-01T10:00:00Z", "missed")
	f.Action(t, org, mb, ben.ID, "Share the hiring plan draft", "2026-12-02", nil)
	next := f.Meeting(t, org, sb, "2026-12-08T10:00:00Z", "scheduled")
	f.AgendaItem(t, org, next, ben.ID, "Feedback on the design review")
	f.AgendaItem(t, org, next, mika.ID, "Conference budget for next year")
	f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H2", SelfDue: "2026-12-10", ManagerDue: "2026-12-14"}, ana.ID, ben.ID)
	if _, err := app.Notifier.Digests.WeeklyManagerDigests(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Notifier.Mail.RemindOneOnOnes(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	var weekly, reminder int64
	q := "SELECT id FROM outbox WHERE user_id = $1 AND kind = $2"
	if err := app.Pool.QueryRow(t.Context(), q, mika.ID, "manager_weekly").Scan(&weekly); err != nil {
		t.Fatalf("no weekly digest: %v", err)
	}
	if err := app.Pool.QueryRow(t.Context(), q, ben.ID, "oneonone_tomorrow").Scan(&reminder); err != nil {
		t.Fatalf("no 1:1 reminder: %v", err)
	}

	a := newTab(t, app.URL)
	a.signIn(admin.Email)
	for _, m := range []struct {
		id   int64
		name string
		want []string
	}{
		{weekly, "email-weekly-digest", []string{"Your team this week", "Reports drifting", "Ana Ruiz: no 1:1 held yet", "Ben Adeyemi: marked missed", "Ben Adeyemi: 1 overdue", "due Monday 14 December"}},
		{reminder, "email-oneonone-tomorrow", []string{"Your 1:1 with Mika Tanaka is tomorrow at 10:00", "The agenda so far", "[only the recipient reads this]"}},
	} {
		a.open(fmt.Sprintf("/admin/outbox/%d", m.id))
		got := a.text("main")
		for _, w := range m.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the outbox page lacks %q:\n%s", m.name, w, got)
			}
		}
		a.assertClean()
		a.screenshots(m.name)
		a.open(fmt.Sprintf("/admin/outbox/%d/html", m.id)) // the frame's part
		if html := a.text("body"); strings.Contains(got+html, "design review") || !strings.Contains(html, "Hello ") {
			t.Errorf("%s: an admin reads a point of a 1:1's agenda, or the HTML part is missing:\n%s", m.name, html)
		}
	}
}
