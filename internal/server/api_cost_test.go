package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// An API call costs what a page's sign-in check costs, and little more:
// the token and its person are read, and the token's last use is written
// at most once a minute.
func TestAPICallStatements(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Cost")
	ana := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(ana.Email, testfx.Password)
	api := newCaller(t, ta, createToken(t, c, "Cost", "read"))
	api.get("/api/v1/me") // the first use is noted
	const n = 20
	before := ta.Queries.Count()
	start := time.Now()
	for range n {
		if r := api.get("/api/v1/me"); r.Status != http.StatusOK {
			t.Fatal(r.Status)
		}
	}
	per := float64(ta.Queries.Count()-before) / n
	t.Logf("GET /api/v1/me: %.1f statements, %v a call", per, time.Since(start)/n)
	beforePage := ta.Queries.Count()
	c.Get("/account")
	t.Logf("GET /account: %d statements", ta.Queries.Count()-beforePage)
	if per > 2 {
		t.Errorf("GET /api/v1/me takes %.1f statements, want at most 2", per)
	}
}

// A page of meetings costs the same statements whatever its size: the
// agendas of the page are read in one statement, not one a meeting.
func TestAPIMeetingsPageStatements(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Meeting cost")
	mgr := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleManager})
	rep := ta.F.Person(t, org, testfx.PersonOpts{ManagerID: mgr.ID})
	series := ta.F.Series(t, org, mgr.ID, rep.ID, time.Now().UTC().Format(time.DateOnly))
	for i := range 30 {
		m := ta.F.Meeting(t, org, series, time.Now().UTC().Add(-time.Duration(i)*7*24*time.Hour).Format(time.RFC3339), "held")
		ta.F.AgendaItem(t, org, m, rep.ID, "A point")
	}
	c := ta.Client(t)
	c.SignIn(rep.Email, testfx.Password)
	api := newCaller(t, ta, createToken(t, c, "Cost", "read"))
	api.get("/api/v1/me") // the first use is noted
	cost := func(limit int) int64 {
		before := ta.Queries.Count()
		start := time.Now()
		r := api.get(fmt.Sprintf("/api/v1/one-on-ones/%d/meetings?limit=%d", series, limit))
		if r.Status != http.StatusOK {
			t.Fatal(r.Status, r.Body)
		}
		n := ta.Queries.Count() - before
		t.Logf("GET /api/v1/one-on-ones/{id}/meetings?limit=%d: %d statements, %v", limit, n, time.Since(start))
		return n
	}
	if small, large := cost(2), cost(30); small != large {
		t.Errorf("a page of 2 meetings takes %d statements, a page of 30 %d: want the same", small, large)
	}
}
