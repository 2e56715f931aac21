package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// startMailAppAt serves Rapport at a fixed time, with email sent through a
// real SMTP server; workMail then works its jobs.
func startMailAppAt(t *testing.T, now time.Time) (*testapp.TestApp, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	return testapp.Start(t, dsn, testapp.Options{Mail: &cfg, Clock: core.FixedClock{T: now}}), srv
}

// workMail works ta's jobs in this process until the test ends: the send
// jobs, and the periodic reminder and digest jobs, which run at once. Call
// it once the test's data is written, so those runs see all of it.
func workMail(t *testing.T, ta *testapp.TestApp) {
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

// mailWith waits until addr has received a message whose subject starts
// with prefix, and returns it.
func mailWith(t *testing.T, srv *mailtest.Server, addr, prefix string) mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range srv.To(addr) {
			if strings.HasPrefix(m.Header.Get("Subject"), prefix) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s received no message %q… (%s)", addr, prefix, srv.Kinds())
	return mailtest.Received{}
}

func setZones(t *testing.T, ta *testapp.TestApp, zones map[int64]string) {
	t.Helper()
	for p, tz := range zones {
		if _, err := ta.Pool.Exec(t.Context(), "UPDATE users SET time_zone = $2 WHERE id = $1", p, tz); err != nil {
			t.Fatal(err)
		}
	}
}

func outboxCount(t *testing.T, ta *testapp.TestApp, p testfx.Person, kind string) int {
	t.Helper()
	return ta.F.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = $2", p.ID, kind)
}

// Both people of a 1:1 get one reminder the day before it, once their own
// day reaches 08:00, in their time zone: with the agenda's open points and
// a link to the meeting when it exists (the copy kept once sent blanks the
// agenda), with a link to the series when the meeting is not made yet (the slot comes from the series' schedule). A
// cancelled 1:1 gets none; running again, or the next day, sends nothing
// more.
func TestOneOnOneReminderTheDayBeforeToBothPeople(t *testing.T) {
	// Monday 7 December, 09:00 UTC: 09:00 in London, 01:00 in Los Angeles.
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ta, srv := startMailAppAt(t, now)
	f := ta.F
	org := f.Org(t, "Tomorrow Org")
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, Email: fmt.Sprintf("mika.%d@tomorrow.test", org)})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Angeleno", ManagerID: mika.ID, Email: fmt.Sprintf("ana.%d@tomorrow.test", org)})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Londoner", ManagerID: mika.ID, Email: fmt.Sprintf("ben.%d@tomorrow.test", org)})
	cara := f.Person(t, org, testfx.PersonOpts{Name: "Cara Cancelled", ManagerID: mika.ID})
	setZones(t, ta, map[int64]string{mika.ID: "Europe/London", ana.ID: "America/Los_Angeles", ben.ID: "Europe/London", cara.ID: "Europe/London"})
	// Weekly on Tuesdays at 10:00 UTC.
	sa := f.Series(t, org, mika.ID, ana.ID, "2026-11-03")
	ma := f.Meeting(t, org, sa, "2026-12-08T10:00:00Z", "scheduled")
	f.AgendaItem(t, org, ma, ana.ID, "Talk about the offsite")
	done := f.AgendaItem(t, org, ma, mika.ID, "A point already done")
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE agenda_items SET done = true WHERE id = $1", done); err != nil {
		t.Fatal(err)
	}
	sb := f.Series(t, org, mika.ID, ben.ID, "2026-11-03")
	sc := f.Series(t, org, mika.ID, cara.ID, "2026-11-03")
	f.Meeting(t, org, sc, "2026-12-08T10:00:00Z", "cancelled")
	workMail(t, ta)

	run := func(at time.Time) {
		t.Helper()
		if _, err := ta.Notifier.Mail.RemindOneOnOnes(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	const kind = "oneonone_tomorrow"
	run(now)
	run(now)
	if m, a, b, c := outboxCount(t, ta, mika, kind), outboxCount(t, ta, ana, kind), outboxCount(t, ta, ben, kind), outboxCount(t, ta, cara, kind); m != 2 || a != 0 || b != 1 || c != 0 {
		t.Fatalf("reminders at 09:00 UTC: mika %d, ana %d, ben %d, cara %d; want 2, 0, 1, 0", m, a, b, c)
	}
	run(now.Add(8 * time.Hour)) // 09:00 in Los Angeles
	run(now.Add(24 * time.Hour))
	if m, a, b := outboxCount(t, ta, mika, kind), outboxCount(t, ta, ana, kind), outboxCount(t, ta, ben, kind); m != 2 || a != 1 || b != 1 {
		t.Fatalf("reminders later: mika %d, ana %d, ben %d; want 2, 1, 1", m, a, b)
	}

	m := waitTo(t, srv, ana.Email, 1)[0]
	if got := m.Header.Get("Subject"); got != "Your 1:1 with Mika Manager is tomorrow at 02:00" {
		t.Errorf("ana's subject %q", got)
	}
	if !strings.Contains(m.Header.Get("List-Unsubscribe"), ".oneonone_tomorrow.") {
		t.Errorf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"Talk about the offsite", "Tuesday 8 December 2026 at 02:00 (America/Los_Angeles)", fmt.Sprintf("%s/meetings/%d#agenda", ta.URL, ma)} {
			if !strings.Contains(body, want) {
				t.Errorf("ana's %s part lacks %q", part, want)
			}
		}
		if strings.Contains(body, "A point already done") {
			t.Errorf("ana's %s part lists a point already done", part)
		}
	}
	// The copy kept once sent, which admins read, blanks the agenda: only
	// the two people of a 1:1 read it.
	deadline := time.Now().Add(20 * time.Second)
	for f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = $2 AND state = 'sent'", ana.ID, kind) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = $2 AND state = 'sent' AND text_body NOT LIKE '%offsite%' AND html_body NOT LIKE '%offsite%' AND text_body LIKE '%only the recipient reads this%' AND private = '{}'", ana.ID, kind); n != 1 {
		t.Errorf("the sent copy of ana's reminder still holds the agenda, or was not sent")
	}
	m = waitTo(t, srv, ben.Email, 1)[0]
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"Nothing is on the agenda yet", "10:00 (Europe/London)", fmt.Sprintf("%s/oneonones/%d", ta.URL, sb)} {
			if !strings.Contains(body, want) {
				t.Errorf("ben's %s part lacks %q", part, want)
			}
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = $2 AND text_body LIKE '%Cara%'", mika.ID, kind); n != 0 {
		t.Errorf("mika was reminded of a cancelled 1:1")
	}
}

// A self-assessment or manager review not submitted is reminded a week
// before its deadline and again the day before, to the person who writes
// it; once submitted, no more. A manager's reminder names the people whose
// reviews are outstanding. Running again sends nothing more.
func TestReviewDeadlineRemindersAWeekAndADayBefore(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ta, srv := startMailAppAt(t, now)
	f := ta.F
	org := f.Org(t, "Deadline Org")
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, Email: fmt.Sprintf("mika.%d@deadline.test", org)})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Slow", ManagerID: mika.ID, Email: fmt.Sprintf("ana.%d@deadline.test", org)})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Quick", ManagerID: mika.ID})
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "Winter review", SelfDue: "2026-12-14", ManagerDue: "2026-12-21"}, ana.ID, ben.ID)
	workMail(t, ta)

	run := func(at time.Time) {
		t.Helper()
		for i := 0; i < 2; i++ {
			if _, err := ta.Notifier.Mail.RemindReviewDeadlines(t.Context(), at); err != nil {
				t.Fatal(err)
			}
		}
	}
	const kind = "review_due"
	day := func(d int) time.Time { return time.Date(2026, 12, d, 9, 0, 0, 0, time.UTC) }
	counts := func() [3]int {
		return [3]int{outboxCount(t, ta, ana, kind), outboxCount(t, ta, ben, kind), outboxCount(t, ta, mika, kind)}
	}
	run(day(7)) // self-assessments due in 7 days
	if got := counts(); got != [3]int{1, 1, 0} {
		t.Fatalf("a week before the self-assessments: ana, ben, mika = %v, want [1 1 0]", got)
	}
	run(day(10))
	if got := counts(); got != [3]int{1, 1, 0} {
		t.Fatalf("four days before: %v, want no more", got)
	}
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE review_participants SET state = 'self_submitted', self_submitted_at = now() WHERE cycle_id = $1 AND person_id = $2", cycle, ben.ID); err != nil {
		t.Fatal(err)
	}
	run(day(13)) // the day before: Ben has submitted
	if got := counts(); got != [3]int{2, 1, 0} {
		t.Fatalf("the day before the self-assessments: %v, want [2 1 0]", got)
	}
	run(day(14)) // manager reviews due in 7 days; the self-assessments today
	if got := counts(); got != [3]int{2, 1, 1} {
		t.Fatalf("a week before the manager reviews: %v, want [2 1 1]", got)
	}

	var subjects []string
	for _, m := range waitTo(t, srv, ana.Email, 2) {
		subjects = append(subjects, m.Header.Get("Subject"))
		if !strings.Contains(m.Text, fmt.Sprintf("%s/reviews/%d/people/%d", ta.URL, cycle, ana.ID)) {
			t.Errorf("ana's reminder does not link her review:\n%s", m.Text)
		}
	}
	slices.Sort(subjects)
	if want := []string{"Your self-assessment for Winter review is due Monday 14 December (in 7 days)",
		"Your self-assessment for Winter review is due Monday 14 December (tomorrow)"}; !slices.Equal(subjects, want) {
		t.Errorf("ana's subjects %q, want %q", subjects, want)
	}
	m := waitTo(t, srv, mika.Email, 1)[0]
	if s := m.Header.Get("Subject"); s != "2 reviews you write for Winter review are due Monday 21 December (in 7 days)" {
		t.Errorf("mika's subject %q", s)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"Ana Slow", "Ben Quick", fmt.Sprintf("%s/reviews/%d", ta.URL, cycle)} {
			if !strings.Contains(body, want) {
				t.Errorf("mika's %s part lacks %q", part, want)
			}
		}
	}
}

// Actions from retrospectives are separate from 1:1 actions; the daily
// digest lists a person's own open retro actions due by tomorrow with the
// retrospective's team, beside their 1:1 actions, and not others' or done
// ones.
func TestActionDigestListsRetroActions(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ta, srv := startMailAppAt(t, now)
	f := ta.F
	org := f.Org(t, "Retro Digest Org")
	dee := f.Person(t, org, testfx.PersonOpts{Name: "Dee Doer", Email: fmt.Sprintf("dee.%d@retrodigest.test", org)})
	eli := f.Person(t, org, testfx.PersonOpts{Name: "Eli Else"})
	team := f.Team(t, org, "Platform", dee.ID, eli.ID)
	retro, _ := f.Retro(t, org, team, testfx.RetroOpts{Phase: "done"})
	f.RetroAction(t, org, retro, dee.ID, "Automate the release notes", "2026-12-08")
	f.RetroAction(t, org, retro, dee.ID, "Later retro thing", "2026-12-20")
	f.RetroAction(t, org, retro, eli.ID, "Eli's own action", "2026-12-01")
	finished := f.RetroAction(t, org, retro, dee.ID, "Finished retro thing", "2026-12-01")
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE retro_actions SET status = 'done', done_at = now() WHERE id = $1", finished); err != nil {
		t.Fatal(err)
	}
	workMail(t, ta)
	for i := 0; i < 2; i++ {
		if _, err := ta.Notifier.Mail.RemindActions(t.Context(), now); err != nil {
			t.Fatal(err)
		}
	}
	if n := outboxCount(t, ta, dee, "actions_due"); n != 1 {
		t.Fatalf("dee has %d digests, want 1", n)
	}
	m := waitTo(t, srv, dee.Email, 1)[0]
	if s := m.Header.Get("Subject"); s != "1 of your actions is due soon" {
		t.Errorf("subject %q", s)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		if !strings.Contains(body, "Automate the release notes") || !strings.Contains(body, "from the Platform retrospective") {
			t.Errorf("the %s part does not list the retro action with its team:\n%s", part, body)
		}
		for _, never := range []string{"Later retro thing", "Eli", "Finished retro thing"} {
			if strings.Contains(body, never) {
				t.Errorf("the %s part holds %q", part, never)
			}
		}
	}
}
