package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/testfx"
)

// kudoAt moves a kudo to a time (its tallies follow).
func kudoAt(t *testing.T, pool *pgxpool.Pool, id int64, at string) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), "UPDATE kudos SET created_at = $2 WHERE id = $1", id, at); err != nil {
		t.Fatal(err)
	}
}

// section returns the lines of a digest's text part under a heading.
func section(text, heading string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	i := strings.Index(text, heading+":\n")
	if i < 0 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(text[i+len(heading)+2:], "\n") {
		if !strings.HasPrefix(l, "• ") {
			break
		}
		out = append(out, strings.TrimPrefix(l, "• "))
	}
	return out
}

// The weekly digest reaches those who run 1:1s on Monday morning in their
// time zone, once. It lists the reports the check-ins page flags as
// drifting (the page's own figures, read as the manager), last week's
// missed or unrecorded 1:1s, overdue actions, the people nobody recognised
// in 60 days and the reviews they write that are due soon. A manager who
// turned it off gets none, nor does someone who runs no 1:1s.
func TestWeeklyManagerDigestFromTheCheckInsPage(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // a Monday
	ta, srv := startMailAppAt(t, now)
	f := ta.F
	org := f.Org(t, "Weekly Org")
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, Email: fmt.Sprintf("mika.%d@weekly.test", org)})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Adrift", ManagerID: mika.ID})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Steady", ManagerID: mika.ID})
	cara := f.Person(t, org, testfx.PersonOpts{Name: "Cara Missed", ManagerID: mika.ID})
	oz := f.Person(t, org, testfx.PersonOpts{Name: "Oz Optout", Role: core.RoleManager})
	olga := f.Person(t, org, testfx.PersonOpts{Name: "Olga Report", ManagerID: oz.ID})
	setZones(t, ta, map[int64]string{mika.ID: "Europe/Berlin", oz.ID: "America/New_York"})

	f.Series(t, org, mika.ID, ana.ID, "2026-09-01") // never held: drifting
	sb := f.Series(t, org, mika.ID, ben.ID, "2026-09-01")
	mb := f.Meeting(t, org, sb, "2026-12-01T10:00:00Z", "held")
	f.Action(t, org, mb, ben.ID, "Send the figures", "2026-12-02", nil)
	sc := f.Series(t, org, mika.ID, cara.ID, "2026-09-01")
	f.Meeting(t, org, sc, "2026-11-24T10:00:00Z", "held")
	f.Meeting(t, org, sc, "2026-12-01T10:00:00Z", "missed")
	f.Series(t, org, oz.ID, olga.ID, "2026-09-01")
	kudoAt(t, ta.Pool, f.Kudo(t, org, cara.ID, []int64{ben.ID}, "org", nil), "2026-12-03T12:00:00Z")
	f.Cycle(t, org, testfx.CycleOpts{Name: "Winter review", SelfDue: "2026-12-10", ManagerDue: "2026-12-14"}, ana.ID)
	if _, err := ta.Pool.Exec(t.Context(), "INSERT INTO mail_opt_outs (user_id, kind) VALUES ($1, 'manager_weekly')", oz.ID); err != nil {
		t.Fatal(err)
	}
	workMail(t, ta)

	run := func(at time.Time) {
		t.Helper()
		if _, err := ta.Notifier.Digests.WeeklyManagerDigests(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	const kind = "manager_weekly"
	run(now.Add(-24 * time.Hour)) // Sunday
	run(now)
	run(now)
	run(now.Add(24 * time.Hour)) // Tuesday
	if m, o, a := outboxCount(t, ta, mika, kind), outboxCount(t, ta, oz, kind), outboxCount(t, ta, ana, kind); m != 1 || o != 0 || a != 0 {
		t.Fatalf("weekly digests: mika %d, oz %d, ana %d; want 1, 0, 0", m, o, a)
	}
	run(now.Add(7 * 24 * time.Hour)) // the next Monday
	if m := outboxCount(t, ta, mika, kind); m != 2 {
		t.Errorf("mika has %d digests the next Monday, want 2", m)
	}

	m := mailWith(t, srv, mika.Email, "Your team this week: ")
	if !strings.Contains(m.Header.Get("List-Unsubscribe"), ".manager_weekly.") {
		t.Errorf("List-Unsubscribe %q", m.Header.Get("List-Unsubscribe"))
	}
	d, err := ta.OneOnOnes.ManagerDashboard(t.Context(), core.Actor{OrgID: org, UserID: mika.ID, Role: core.RoleManager}, mika.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	var pageDrifting []string
	for _, p := range d.Drifting() {
		pageDrifting = append(pageDrifting, p.Series.ReportName)
	}
	var mailDrifting []string
	for _, l := range section(m.Text, "Reports drifting (no 1:1 held in over twice their cadence)") {
		mailDrifting = append(mailDrifting, strings.SplitN(l, ":", 2)[0])
	}
	if !slices.Equal(pageDrifting, []string{"Ana Adrift"}) || !slices.Equal(mailDrifting, pageDrifting) {
		t.Errorf("drifting: the page says %v, the digest %v; want [Ana Adrift] in both", pageDrifting, mailDrifting)
	}
	for heading, want := range map[string][]string{
		"1:1s missed last week":       {"Ana Adrift: nothing recorded", "Cara Missed: marked missed"},
		"Overdue 1:1 actions":         {"Ben Steady: 1 overdue"},
		"Reviews you write, due soon": {"Ana Adrift, Winter review: due Monday 14 December"},
	} {
		if got := section(m.Text, heading); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", heading, got, want)
		}
	}
	unseen := section(m.Text, "Nobody recognised in 60 days")
	if !slices.Contains(unseen, "Ana Adrift") || !slices.Contains(unseen, "Cara Missed") || slices.Contains(unseen, "Ben Steady") {
		t.Errorf("nobody recognised: %q; want Ana and Cara, not Ben", unseen)
	}
	if !strings.Contains(m.HTML, "Ana Adrift: no 1:1 held yet") || !strings.Contains(m.HTML, ta.URL+"/checkins") {
		t.Errorf("the HTML part lacks the drifting report or the link")
	}
}

// The monthly digest reaches leaders on the first of the month, once: the
// managers in their part whose reports drift, as the roll-up counts them,
// and how concentrated recognition is there (the equity figures). Nobody
// outside that part is named, and managers get none.
func TestMonthlyLeaderDigestFromTheRollup(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ta, srv := startMailAppAt(t, now)
	f := ta.F
	org := f.Org(t, "Monthly Org")
	lea := f.Person(t, org, testfx.PersonOpts{Name: "Lea Leader", Role: core.RoleLeader, Email: fmt.Sprintf("lea.%d@monthly.test", org)})
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, ManagerID: lea.ID})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Adrift", ManagerID: mika.ID})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Kept", ManagerID: mika.ID})
	otto := f.Person(t, org, testfx.PersonOpts{Name: "Otto Outside", Role: core.RoleManager})
	olga := f.Person(t, org, testfx.PersonOpts{Name: "Olga Elsewhere", ManagerID: otto.ID})
	f.Series(t, org, mika.ID, ana.ID, "2026-09-01")
	sb := f.Series(t, org, mika.ID, ben.ID, "2026-09-01")
	f.Meeting(t, org, sb, "2026-11-24T10:00:00Z", "held")
	f.Series(t, org, otto.ID, olga.ID, "2026-09-01")
	for i := 0; i < 4; i++ {
		f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Quiet Person %d", i), ManagerID: mika.ID})
	}
	for i := 0; i < 9; i++ {
		kudoAt(t, ta.Pool, f.Kudo(t, org, mika.ID, []int64{ben.ID}, "org", nil), "2026-11-20T12:00:00Z")
	}
	kudoAt(t, ta.Pool, f.Kudo(t, org, otto.ID, []int64{olga.ID}, "org", nil), "2026-11-20T12:00:00Z")
	workMail(t, ta)

	run := func(at time.Time) {
		t.Helper()
		if _, err := ta.Notifier.Digests.MonthlyLeaderDigests(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	const kind = "leader_monthly"
	run(now.Add(-24 * time.Hour))
	run(now)
	run(now)
	run(now.Add(24 * time.Hour))
	if l, m := outboxCount(t, ta, lea, kind), outboxCount(t, ta, mika, kind); l != 1 || m != 0 {
		t.Fatalf("monthly digests: lea %d, mika %d; want 1, 0", l, m)
	}
	msg := mailWith(t, srv, lea.Email, "Your part of Monthly Org in November 2026")
	v, err := ta.OneOnOnes.LeaderRollup(t.Context(), core.Actor{OrgID: org, UserID: lea.ID, Role: core.RoleLeader}, 30, "drifting", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Managers) == 0 || v.Managers[0].Rollup.Drifting != 1 {
		t.Fatalf("the roll-up has %+v", v.Managers)
	}
	slipped := section(msg.Text, "Managers whose 1:1s slipped")
	if len(slipped) != 1 || !strings.HasPrefix(slipped[0], "Mika Manager: 1 of 2 reports drifting") {
		t.Errorf("managers whose 1:1s slipped: %q", slipped)
	}
	rec := section(msg.Text, "Recognition over 30 days")
	if len(rec) == 0 || !strings.HasPrefix(rec[0], "9 kudos reached the ") || !strings.Contains(rec[0], "concentrated on a few") {
		t.Errorf("recognition: %q", rec)
	}
	for _, never := range []string{"Otto", "Olga"} {
		if strings.Contains(msg.Text+msg.HTML, never) {
			t.Errorf("the digest names %s, outside Lea's part", never)
		}
	}
}
