package server_test

import (
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
}

// TestMainPagesStayWithinTheirRoundTrips fails when a main page makes more
// round trips to the database than its budget, with everything it can show
// present: a manager with reports, 1:1s, actions and talking points, kudos
// with reactions and comments, open review and pulse rounds, and a retro in
// every phase with cards, groups, votes, notes and actions.
func TestMainPagesStayWithinTheirRoundTrips(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	f := ta.F
	org := f.Org(t, "Budget")
	mgr := f.Person(t, org, testfx.PersonOpts{Role: core.RoleManager})
	rep := f.Person(t, org, testfx.PersonOpts{ManagerID: mgr.ID})
	rep2 := f.Person(t, org, testfx.PersonOpts{ManagerID: mgr.ID})
	team := f.Team(t, org, "Budget team", mgr.ID, rep.ID, rep2.ID)
	s := f.Series(t, org, mgr.ID, rep.ID, "2026-01-05")
	m := f.Meeting(t, org, s, time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339), "scheduled")
	f.AgendaItem(t, org, m, mgr.ID, "Talk about the roadmap")
	f.Action(t, org, m, rep.ID, "Draft the plan", "2026-12-31", nil)
	f.Action(t, org, m, mgr.ID, "Book the room", "2020-01-01", nil)
	k := f.Kudo(t, org, rep.ID, []int64{mgr.ID}, "org", nil)
	f.Kudo(t, org, mgr.ID, []int64{rep.ID, rep2.ID}, "team", &team)
	if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES ($1, $2, $3, 'clap')`, org, k, rep2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO kudo_comments (org_id, kudo_id, author_id, body, idem_key) VALUES ($1, $2, $3, 'Well deserved', 'c1')`, org, k, rep2.ID); err != nil {
		t.Fatal(err)
	}
	f.Cycle(t, org, testfx.CycleOpts{}, rep.ID, mgr.ID)
	f.Pulse(t, org, testfx.PulseOpts{CreatedBy: mgr.ID, StartsAt: time.Now().Add(-time.Hour)})
	f.Pulse(t, org, testfx.PulseOpts{Title: "Second pulse", CreatedBy: mgr.ID, StartsAt: time.Now().Add(-time.Hour)})

	c := ta.Client(t)
	c.SignIn(mgr.Email, testfx.Password)
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
	check("kudos", fmt.Sprintf("/kudos?team=%d&person=%d", team, rep.ID))
	for _, ph := range retro.Phases {
		rid, cols := f.Retro(t, org, team, testfx.RetroOpts{Title: "Retro " + string(ph), Phase: string(ph)})
		a := f.RetroCard(t, org, rid, cols[0], rep.ID, "Pairing helped")
		b := f.RetroCard(t, org, rid, cols[1], rep2.ID, "Too many meetings")
		var g int64
		if err := ta.Pool.QueryRow(t.Context(), `INSERT INTO retro_groups (org_id, retro_id, name) VALUES ($1, $2, 'Meetings') RETURNING id`, org, rid).Scan(&g); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Pool.Exec(t.Context(), `UPDATE retro_cards SET group_id = $1 WHERE id = $2`, g, b); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO retro_votes (org_id, retro_id, voter_id, card_id, idem_key) VALUES ($1, $2, $3, $4, 'v1')`, org, rid, mgr.ID, a); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO retro_notes (org_id, retro_id, group_id, body) VALUES ($1, $2, $3, 'Cut the standup')`, org, rid, g); err != nil {
			t.Fatal(err)
		}
		f.RetroAction(t, org, rid, mgr.ID, "Fewer meetings", "2026-12-31")
		check("retro", fmt.Sprintf("/retros/%d", rid))
	}
}
