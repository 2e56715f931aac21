package postgres_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// The check-in figures on a small organisation computed by hand; see
// docs/metrics.md for the definitions.
//
// Now is Friday 20 March 2026, 12:00 UTC. The 30-day window is
// [19 Feb 00:00, 21 Mar 00:00); its midpoint is 6 Mar 00:00. Weekly
// Tuesday slots in it: 24 Feb, 3 Mar, 10 Mar, 17 Mar.
func TestCheckinPatternsMatchHandComputedFixture(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Fixture")
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Mia Manager", Role: core.RoleManager})
	steady := f.Person(t, org, testfx.PersonOpts{Name: "Ana Steady", ManagerID: mgr.ID})
	drift := f.Person(t, org, testfx.PersonOpts{Name: "Bo Drift", ManagerID: mgr.ID})
	paused := f.Person(t, org, testfx.PersonOpts{Name: "Cy Paused", ManagerID: mgr.ID})

	// Ana: held 24 Feb (pulse 3), cancelled 3 Mar by the manager, held
	// 10 Mar (pulse 4), 17 Mar rescheduled to 18 Mar and held (pulse 5).
	s1 := f.Series(t, org, mgr.ID, steady.ID, "2026-01-01")
	m1 := f.Meeting(t, org, s1, "2026-02-24T10:00:00Z", "held")
	m2 := f.Meeting(t, org, s1, "2026-03-03T10:00:00Z", "cancelled")
	m3 := f.Meeting(t, org, s1, "2026-03-10T10:00:00Z", "held")
	f.Meeting(t, org, s1, "2026-03-17T10:00:00Z", "rescheduled")
	m5 := f.Meeting(t, org, s1, "2026-03-18T10:00:00Z", "held")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec("UPDATE meetings SET pulse = 3 WHERE id = $1", m1)
	exec("UPDATE meetings SET pulse = 4 WHERE id = $1", m3)
	exec("UPDATE meetings SET pulse = 5 WHERE id = $1", m5)
	exec("UPDATE meetings SET status_by = $1 WHERE id = $2", mgr.ID, m2)
	// Agenda: 5 points in the window, 3 by Ana.
	f.AgendaItem(t, org, m1, steady.ID, "Q2 goals")
	f.AgendaItem(t, org, m1, mgr.ID, "Conference budget")
	f.AgendaItem(t, org, m3, steady.ID, "Onboarding doc")
	f.AgendaItem(t, org, m3, steady.ID, "Career path")
	f.AgendaItem(t, org, m5, mgr.ID, "Team offsite")
	// Actions: due in the window and before today: 28 Feb (done on time),
	// 5 Mar (done late), 12 Mar (open, overdue). Due 25 Mar: open, not yet
	// due. Due 10 Feb: outside the window.
	f.Action(t, org, m1, steady.ID, "A", "2026-02-28", "2026-02-27T09:00:00Z")
	f.Action(t, org, m1, steady.ID, "B", "2026-03-05", "2026-03-07T09:00:00Z")
	f.Action(t, org, m3, mgr.ID, "C", "2026-03-12", nil)
	f.Action(t, org, m5, steady.ID, "D", "2026-03-25", nil)
	f.Action(t, org, m1, steady.ID, "E", "2026-02-10", "2026-02-20T09:00:00Z")

	// Bo: last held 3 Feb, nothing since: drifting, 0 of 4.
	s2 := f.Series(t, org, mgr.ID, drift.ID, "2026-01-06")
	f.Meeting(t, org, s2, "2026-02-03T10:00:00Z", "held")

	// Cy: held 24 Feb, paused since 1 Mar: 1 expected, 1 held, not drifting.
	s3 := f.Series(t, org, mgr.ID, paused.ID, "2026-01-06")
	f.Meeting(t, org, s3, "2026-02-24T10:00:00Z", "held")
	exec("UPDATE oneonone_series SET status = 'paused' WHERE id = $1", s3)
	exec("INSERT INTO oneonone_pauses (org_id, series_id, paused_at) VALUES ($1, $2, '2026-03-01T00:00:00Z')", org, s3)

	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	svc := oneonone.NewService(postgres.NewMeetingStore(pool), core.FixedClock{T: now})
	a := core.Actor{UserID: mgr.ID, OrgID: org, Role: core.RoleManager}
	d, err := svc.ManagerDashboard(ctx, a, mgr.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]oneonone.Pattern{}
	for _, p := range d.Patterns {
		by[p.Series.ReportName] = p
	}
	ana, bo, cy := by["Ana Steady"], by["Bo Drift"], by["Cy Paused"]

	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("Ana adherence", ana.Adherence, oneonone.Ratio{Num: 3, Den: 4})
	check("Ana cancelled", ana.Cancelled, 1)
	check("Ana cancelled by manager", ana.CancelledByMgr, 1)
	check("Ana rescheduled", ana.Rescheduled, 1)
	check("Ana days since contact", ana.DaysSinceContact, 2)
	check("Ana follow-through", ana.FollowThrough, oneonone.Ratio{Num: 1, Den: 3})
	check("Ana open actions", ana.OpenActions, 2)
	check("Ana overdue actions", ana.OverdueActions, 1)
	check("Ana pulse average", ana.PulseAvg, 4.0)
	check("Ana pulse trend", ana.PulseTrend, oneonone.TrendUp)
	check("Ana agenda share", ana.AgendaShare, oneonone.Ratio{Num: 3, Den: 5})
	check("Ana drifting", ana.Drifting, false)
	check("Ana next", ana.Next, time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC))

	check("Bo adherence", bo.Adherence, oneonone.Ratio{Num: 0, Den: 4})
	check("Bo drifting", bo.Drifting, true)
	check("Bo days since contact", bo.DaysSinceContact, 45)

	check("Cy adherence", cy.Adherence, oneonone.Ratio{Num: 1, Den: 1})
	check("Cy drifting", cy.Drifting, false)
	check("Cy paused", cy.Paused, true)
	check("Cy next", cy.Next.IsZero(), true)

	check("roll-up adherence", d.Rollup.Adherence, oneonone.Ratio{Num: 4, Den: 9})
	check("roll-up drifting", d.Rollup.Drifting, 1)
	check("roll-up follow-through", d.Rollup.FollowThrough, oneonone.Ratio{Num: 1, Den: 3})
	if d.Patterns[0].Series.ReportName != "Bo Drift" {
		t.Errorf("drifting reports should come first, got %s", d.Patterns[0].Series.ReportName)
	}
	// Heatmap: Ana's week of 16 Mar is held (moved from the 17th to the
	// 18th), Bo's weeks all show an expected slot with nothing recorded.
	for _, row := range d.Heatmap.Rows {
		if row.Series.ReportName == "Bo Drift" && (row.Held != 0 || row.Expected != 4) {
			t.Errorf("Bo's heatmap row: %d/%d", row.Held, row.Expected)
		}
		if row.Series.ReportName == "Ana Steady" && row.Held != 3 {
			t.Errorf("Ana's heatmap held %d", row.Held)
		}
	}

	// The leader roll-up (admin: whole organisation) sums the same.
	adm := core.Actor{UserID: mgr.ID, OrgID: org, Role: core.RoleAdmin}
	v, err := svc.LeaderRollup(ctx, adm, 30, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Managers) != 1 || v.Managers[0].Rollup.Adherence != (oneonone.Ratio{Num: 4, Den: 9}) || v.Total.Drifting != 1 {
		t.Fatalf("roll-up: %+v", v)
	}
}

func TestRatioPercentRoundsHalfUp(t *testing.T) {
	for _, c := range []struct {
		r    oneonone.Ratio
		want int
	}{{oneonone.Ratio{Num: 1, Den: 3}, 33}, {oneonone.Ratio{Num: 2, Den: 3}, 67}, {oneonone.Ratio{Num: 1, Den: 8}, 13}, {oneonone.Ratio{Num: 0, Den: 4}, 0}} {
		if got := c.r.Percent(); got != c.want {
			t.Errorf("%v: %d, want %d", c.r, got, c.want)
		}
	}
}
