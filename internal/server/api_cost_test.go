package server_test

import (
	"net/http"
	"testing"
	"time"

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
