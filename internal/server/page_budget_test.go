package server_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/retro"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// pageBudgets are the round trips to the database each main page may make,
// the session's included: a statement on its own is one, a batch of
// statements read together (core.Together) is one.
var pageBudgets = map[string]int64{
	"home":  3, // session; everything on the page; the open pulses' answers
	"kudos": 3, // session; the kudos, teams, competencies; the kudos' details and mentions
	"retro": 4, // session; the newest event and the retro; the viewer's access; the board
	// session; the manager and whether the viewer may see them; their
	// series; the series' figures and weekly marks
	"checkins": 4,
}

// budgetWorld is a manager's organisation with everything the main pages
// can show: reports, 1:1s, actions and talking points, kudos with reactions
// and comments, open review and pulse rounds, and a retro in every phase
// with cards, groups, votes, notes and actions.
type budgetWorld struct {
	ta     *testapp.TestApp
	mgr    testfx.Person
	team   int64
	rep    testfx.Person
	retros map[retro.Phase]int64
}

func newBudgetWorld(tb testing.TB, o testapp.Options) budgetWorld {
	ta := testapp.Start(tb, dsn, o)
	f := ta.F
	org := f.Org(tb, "Budget")
	mgr := f.Person(tb, org, testfx.PersonOpts{Role: core.RoleManager})
	rep := f.Person(tb, org, testfx.PersonOpts{ManagerID: mgr.ID})
	rep2 := f.Person(tb, org, testfx.PersonOpts{ManagerID: mgr.ID})
	team := f.Team(tb, org, "Budget team", mgr.ID, rep.ID, rep2.ID)
	s := f.Series(tb, org, mgr.ID, rep.ID, "2026-01-05")
	m := f.Meeting(tb, org, s, time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339), "scheduled")
	f.AgendaItem(tb, org, m, mgr.ID, "Talk about the roadmap")
	f.Action(tb, org, m, rep.ID, "Draft the plan", "2026-12-31", nil)
	f.Action(tb, org, m, mgr.ID, "Book the room", "2020-01-01", nil)
	k := f.Kudo(tb, org, rep.ID, []int64{mgr.ID}, "org", nil)
	f.Kudo(tb, org, mgr.ID, []int64{rep.ID, rep2.ID}, "team", &team)
	exec := func(sql string, args ...any) {
		tb.Helper()
		if _, err := ta.Pool.Exec(context.Background(), sql, args...); err != nil {
			tb.Fatal(err)
		}
	}
	exec(`INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES ($1, $2, $3, 'clap')`, org, k, rep2.ID)
	exec(`INSERT INTO kudo_comments (org_id, kudo_id, author_id, body, idem_key) VALUES ($1, $2, $3, 'Well deserved', 'c1')`, org, k, rep2.ID)
	f.Cycle(tb, org, testfx.CycleOpts{}, rep.ID, mgr.ID)
	f.Pulse(tb, org, testfx.PulseOpts{CreatedBy: mgr.ID, StartsAt: time.Now().Add(-time.Hour)})
	f.Pulse(tb, org, testfx.PulseOpts{Title: "Second pulse", CreatedBy: mgr.ID, StartsAt: time.Now().Add(-time.Hour)})
	w := budgetWorld{ta: ta, mgr: mgr, team: team, rep: rep, retros: map[retro.Phase]int64{}}
	for _, ph := range retro.Phases {
		rid, cols := f.Retro(tb, org, team, testfx.RetroOpts{Title: "Retro " + string(ph), Phase: string(ph)})
		a := f.RetroCard(tb, org, rid, cols[0], rep.ID, "Pairing helped")
		b := f.RetroCard(tb, org, rid, cols[1], rep2.ID, "Too many meetings")
		var g int64
		if err := ta.Pool.QueryRow(context.Background(), `INSERT INTO retro_groups (org_id, retro_id, name) VALUES ($1, $2, 'Meetings') RETURNING id`, org, rid).Scan(&g); err != nil {
			tb.Fatal(err)
		}
		exec(`UPDATE retro_cards SET group_id = $1 WHERE id = $2`, g, b)
		exec(`INSERT INTO retro_votes (org_id, retro_id, voter_id, card_id, idem_key) VALUES ($1, $2, $3, $4, 'v1')`, org, rid, mgr.ID, a)
		exec(`INSERT INTO retro_notes (org_id, retro_id, group_id, body) VALUES ($1, $2, $3, 'Cut the standup')`, org, rid, g)
		f.RetroAction(tb, org, rid, mgr.ID, "Fewer meetings", "2026-12-31")
		w.retros[ph] = rid
	}
	return w
}

// TestMainPagesStayWithinTheirRoundTrips fails when a main page makes more
// round trips to the database than its budget, with everything it can show
// present (budgetWorld).
func TestMainPagesStayWithinTheirRoundTrips(t *testing.T) {
	w := newBudgetWorld(t, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	c := w.ta.Client(t)
	c.SignIn(w.mgr.Email, testfx.Password)
	check := func(page, path string) {
		t.Helper()
		r := c.Get(path)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		n, err := strconv.ParseInt(r.Header.Get("X-Queries"), 10, 64)
		if err != nil {
			t.Fatalf("GET %s: X-Queries %q", path, r.Header.Get("X-Queries"))
		}
		stmts, _ := strconv.ParseInt(r.Header.Get("X-Statements"), 10, 64)
		t.Logf("%s: %d round trips, %d statements", path, n, stmts)
		if n > pageBudgets[page] {
			t.Errorf("GET %s makes %d round trips to the database (%d statements), over its budget of %d", path, n, stmts, pageBudgets[page])
		}
	}
	check("home", "/")
	check("kudos", "/kudos")
	check("kudos", fmt.Sprintf("/kudos?team=%d&person=%d", w.team, w.rep.ID))
	for _, ph := range retro.Phases {
		check("retro", fmt.Sprintf("/retros/%d", w.retros[ph]))
	}
	check("checkins", "/checkins")
}

// BenchmarkMainPages: home, the kudos feed and the retro room (in Reflect
// and once done) for the manager of budgetWorld, in-process.
func BenchmarkMainPages(b *testing.B) {
	w := newBudgetWorld(b, testapp.Options{})
	for _, p := range []struct{ name, path string }{
		{"home", "/"},
		{"kudos", "/kudos"},
		{"retro-reflect", fmt.Sprintf("/retros/%d", w.retros[retro.PhaseReflect])},
		{"retro-done", fmt.Sprintf("/retros/%d", w.retros[retro.PhaseDone])},
	} {
		b.Run(p.name, func(b *testing.B) { benchPage(b, w.ta, w.mgr.Email, testfx.Password, p.path) })
	}
}
