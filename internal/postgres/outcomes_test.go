package postgres_test

import (
	"context"
	"math"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/outcomes"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// The outcomes figures on a small organisation computed by hand; see
// docs/metrics.md, "Outcomes".
//
// Now is Friday 20 March 2026, 12:00 UTC; the 12-month period is
// [21 Mar 2025, 21 Mar 2026). Lea leads Max (who drifts) and Mo, and Pat.
// Max's reports Ed, Eli, Eva and Emi are team Red; Mo's Fay, Fin, Flo and
// Fox team Blue. Ed, Eli and Eva left on 10 Mar: their lookback is
// [10 Dec, 10 Mar); everyone else's [20 Dec, 20 Mar). Every series is
// weekly on Tuesdays at 10:00 UTC from 10 Feb: 4 slots before 10 Mar
// (10, 17, 24 Feb, 3 Mar), 6 before 20 Mar (and 10, 17 Mar).
func TestOutcomesMatchHandComputedFixture(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Outcomes")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	lea := f.Person(t, org, testfx.PersonOpts{Name: "Lea Leader", Role: core.RoleLeader})
	max := f.Person(t, org, testfx.PersonOpts{Name: "Max Drift", Role: core.RoleManager, ManagerID: lea.ID})
	mo := f.Person(t, org, testfx.PersonOpts{Name: "Mo Steady", Role: core.RoleManager, ManagerID: lea.ID})
	f.Person(t, org, testfx.PersonOpts{Name: "Pat Peer", ManagerID: lea.ID})
	var red, blue []testfx.Person
	for _, n := range []string{"Ed", "Eli", "Eva", "Emi"} {
		red = append(red, f.Person(t, org, testfx.PersonOpts{Name: n + " Red", ManagerID: max.ID}))
	}
	for _, n := range []string{"Fay", "Fin", "Flo", "Fox"} {
		blue = append(blue, f.Person(t, org, testfx.PersonOpts{Name: n + " Blue", ManagerID: mo.ID}))
	}
	exec(`UPDATE users SET created_at = '2025-01-01' WHERE org_id = $1`, org)
	redTeam := f.Team(t, org, "Red", red[0].ID, red[1].ID, red[2].ID, red[3].ID)
	blueTeam := f.Team(t, org, "Blue", blue[0].ID, blue[1].ID, blue[2].ID, blue[3].ID)

	series := map[int64]int64{}
	for _, p := range append(append([]testfx.Person{}, red...), blue...) {
		mgr := max.ID
		if p.Name[len(p.Name)-4:] == "Blue" {
			mgr = mo.ID
		}
		series[p.ID] = f.Series(t, org, mgr, p.ID, "2026-02-10")
	}
	held := func(p testfx.Person, days ...string) []int64 {
		var ids []int64
		for _, d := range days {
			ids = append(ids, f.Meeting(t, org, series[p.ID], d+"T10:00:00Z", "held"))
		}
		return ids
	}
	all := []string{"2026-02-10", "2026-02-17", "2026-02-24", "2026-03-03", "2026-03-10", "2026-03-17"}
	// Leavers: Ed held 1 of 4 (last 10 Feb: 28 days before leaving), Eli
	// 2 of 4 (last 17 Feb: 21 days), Eva none. Stayers: all 6 held, last
	// on 17 Mar (3 days).
	ed := held(red[0], "2026-02-10")
	eli := held(red[1], "2026-02-10", "2026-02-17")
	held(red[3], all...)
	var fay []int64
	for i, p := range blue {
		ids := held(p, all...)
		if i == 0 {
			fay = ids
		}
	}
	// An active series after leaving counts nothing past the day they left.
	f.Meeting(t, org, series[red[2].ID], "2026-03-17T10:00:00Z", "held")
	exec(`UPDATE users SET active = false, deactivated_at = '2026-03-10T12:00:00Z', left_reason = 'resigned' WHERE id = ANY($1)`,
		[]int64{red[0].ID, red[1].ID})
	exec(`UPDATE users SET active = false, deactivated_at = '2026-03-10T12:00:00Z', left_reason = 'let-go' WHERE id = $1`, red[2].ID)

	// Actions: Ed's due 20 Feb done 19 Feb (on time), due 1 Mar still
	// open; Eli's due 25 Feb done 27 Feb (late): leavers 1 of 3 on time.
	// Fay's due 12 Mar done 11 Mar: stayers 1 of 1; Fin's due 25 Mar is
	// not due yet.
	f.Action(t, org, ed[0], red[0].ID, "on time", "2026-02-20", "2026-02-19T09:00:00Z")
	f.Action(t, org, ed[0], red[0].ID, "open", "2026-03-01", nil)
	f.Action(t, org, eli[0], red[1].ID, "late", "2026-02-25", "2026-02-27T09:00:00Z")
	f.Action(t, org, fay[0], blue[0].ID, "on time", "2026-03-12", "2026-03-11T09:00:00Z")
	f.Action(t, org, fay[0], blue[1].ID, "not yet due", "2026-03-25", nil)

	// Kudos (organisation-wide only): Ed one on 5 Mar and one on 15 Mar,
	// after he left; Emi two; a recipients-only one to Fin is not counted.
	kudo := func(to int64, vis, at string) {
		f.TagKudo(t, f.Kudo(t, org, blue[0].ID, []int64{to}, vis, nil), at)
	}
	kudo(red[0].ID, "org", "2026-03-05T09:00:00Z")
	kudo(red[0].ID, "org", "2026-03-15T09:00:00Z")
	kudo(red[3].ID, "org", "2026-02-01T09:00:00Z")
	kudo(red[3].ID, "org", "2026-03-01T09:00:00Z")
	kudo(blue[1].ID, "recipients", "2026-03-01T09:00:00Z")

	// Health: Red's check ended 27 Feb with three answers of 2, Blue's
	// with four of 4. A later Blue check with two answers is under the
	// threshold and does not count.
	check := func(team int64, answers []int, opened string) {
		id := f.HealthCheck(t, org, team, testfx.HealthOpts{Closed: true, Answers: answers})
		exec(`UPDATE health_checks SET opened_at = $2::timestamptz, closes_at = $2::timestamptz + interval '7 days', closed_at = NULL WHERE id = $1`, id, opened)
	}
	check(redTeam, []int{2, 2, 2}, "2026-02-20T00:00:00Z")
	check(blueTeam, []int{4, 4, 4, 4}, "2026-02-20T00:00:00Z")
	check(blueTeam, []int{1, 1}, "2026-03-05T00:00:00Z")

	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	svc := outcomes.NewService(postgres.NewOutcomeStore(pool), core.FixedClock{T: now})
	v, err := svc.Outcomes(ctx, core.Actor{OrgID: org, UserID: lea.ID, Role: core.RoleLeader}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Months != 12 || !v.From.Equal(time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)) || !v.To.Equal(time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("period %d months [%s, %s)", v.Months, v.From, v.To)
	}
	// Lea's tree: Max, Mo, Pat and the eight reports.
	if v.Total.People != 11 || v.Total.Left() != 3 || !v.Total.Shown {
		t.Fatalf("total: %d people, %d left, shown %v", v.Total.People, v.Total.Left(), v.Total.Shown)
	}
	l, s := v.Total.Leavers, v.Total.Stayers
	if !l.Shown || !s.Shown {
		t.Fatalf("sides shown: leavers %v, stayers %v", l.Shown, s.Shown)
	}
	wantL := outcomes.Figures{People: 3, Expected: 12, Held: 3, WithHeld: 2, MedianDays: 24.5, Kudos: 1, Due: 3, Done: 1, HealthN: 3, HealthMean: 2}
	wantS := outcomes.Figures{People: 8, Expected: 30, Held: 30, WithHeld: 5, MedianDays: 3, Kudos: 2, Due: 1, Done: 1, HealthN: 5, HealthMean: 3.6}
	for _, c := range []struct {
		name      string
		got, want outcomes.Figures
	}{{"leavers", l.Figures, wantL}, {"stayers", s.Figures, wantS}} {
		got := c.got
		if math.Abs(got.HealthMean-c.want.HealthMean) < 1e-9 {
			got.HealthMean = c.want.HealthMean
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
	// Reasons: 2 resigned and 1 let go, each under 3: none named.
	if len(v.Reasons) != 0 || v.ReasonsOther != 3 {
		t.Errorf("reasons %+v, other %d", v.Reasons, v.ReasonsOther)
	}
	// By manager: Max 3 of 4 left, Mo 0 of 4, Lea (Max, Mo, Pat) 0 of 3.
	// Max's leavers are shown; his one stayer is not, and so that it
	// cannot be found by subtraction, Lea's three stayers are hidden too
	// (the smallest shown), leaving Mo's four.
	byMgr := map[int64]outcomes.Group{}
	for _, g := range v.ByManager {
		byMgr[g.Key] = g
	}
	if len(v.ByManager) != 3 || v.MgrsHidden.Groups != 0 {
		t.Fatalf("by manager: %+v hidden %+v", v.ByManager, v.MgrsHidden)
	}
	if g := byMgr[max.ID]; g.Left() != 3 || g.People != 4 || !g.Leavers.Shown || g.Stayers.Shown ||
		g.Leavers.Held != 3 || g.Leavers.Expected != 12 || g.Label != "Max Drift" {
		t.Errorf("Max: %+v", g)
	}
	if g := byMgr[mo.ID]; g.Left() != 0 || g.People != 4 || g.Leavers.Shown || !g.Stayers.Shown || g.Stayers.Held != 24 {
		t.Errorf("Mo: %+v", g)
	}
	if g := byMgr[lea.ID]; g.People != 3 || g.Stayers.Shown {
		t.Errorf("Lea: %+v", g)
	}
	if v.ByManager[0].Key != max.ID {
		t.Errorf("highest share who left first: %+v", v.ByManager[0])
	}
	// By team: Red 3 of 4, Blue 0 of 4, no team (Max, Mo, Pat) 0 of 3.
	byTeam := map[int64]outcomes.Group{}
	for _, g := range v.ByTeam {
		byTeam[g.Key] = g
	}
	if g := byTeam[redTeam]; g.Left() != 3 || g.People != 4 || g.Leavers.HealthMean != 2 || g.Leavers.Kudos != 1 {
		t.Errorf("Red: %+v", g)
	}
	if g := byTeam[blueTeam]; g.People != 4 || g.Stayers.HealthMean != 4 || g.Stayers.Due != 1 {
		t.Errorf("Blue: %+v", g)
	}
	if g, ok := byTeam[0]; !ok || g.People != 3 {
		t.Errorf("no team: %+v", g)
	}

	// The admin sees the organisation: Ada and Lea too.
	av, err := svc.Outcomes(ctx, core.Actor{OrgID: org, UserID: admin.ID, Role: core.RoleAdmin}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if av.Total.People != 13 || av.Total.Left() != 3 || av.Months != 6 {
		t.Errorf("admin: %d people, %d left, %d months", av.Total.People, av.Total.Left(), av.Months)
	}
	// A 3-month period still holds 10 Mar; one that ended before it would
	// count them as stayers, but periods always end today.
	for _, role := range []core.Role{core.RoleManager, core.RoleEmployee} {
		if _, err := svc.Outcomes(ctx, core.Actor{OrgID: org, UserID: max.ID, Role: role}, 12); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("%s: %v, want forbidden", role, err)
		}
	}
	// Raising the threshold to 5 hides every group of four and the
	// leavers' signals.
	exec(`INSERT INTO health_settings (org_id, min_responses) VALUES ($1, 5)`, org)
	v, err = svc.Outcomes(ctx, core.Actor{OrgID: org, UserID: lea.ID, Role: core.RoleLeader}, 12)
	if err != nil {
		t.Fatal(err)
	}
	if v.Threshold != 5 || len(v.ByManager) != 0 || v.MgrsHidden.Groups != 3 || v.MgrsHidden.People != 11 ||
		v.Total.Leavers.Shown || !v.Total.Stayers.Shown {
		t.Errorf("threshold 5: %d, by manager %+v hidden %+v, leavers shown %v", v.Threshold, v.ByManager, v.MgrsHidden, v.Total.Leavers.Shown)
	}
}
