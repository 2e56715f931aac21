package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

func TestTraceQueriesCountsEachRequestsStatements(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	org := ta.F.Org(t, "Traced")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)

	before := ta.Queries.Count()
	r := c.Get("/teams")
	sent := ta.Queries.Count() - before
	if r.Status != 200 {
		t.Fatalf("GET /teams: %d", r.Status)
	}
	n, err := strconv.ParseInt(r.Header.Get("X-Queries"), 10, 64)
	if err != nil {
		t.Fatalf("X-Queries %q: %v", r.Header.Get("X-Queries"), err)
	}
	// The header is written after the session is saved and the page's
	// queries ran, so it counts every statement of this request (the
	// session read included) and no other request's.
	if n != sent {
		t.Errorf("X-Queries = %d, the database saw %d statements for this request", n, sent)
	}
	// The session and its owner come in one statement, the teams in another.
	if n != 2 {
		t.Errorf("/teams sent %d statements, want 2", n)
	}
	st := r.Header.Get("Server-Timing")
	if !regexp.MustCompile(`^db;desc="\d+ queries";dur=\d+\.\d{3}$`).MatchString(st) {
		t.Errorf("Server-Timing = %q", st)
	}
	if !strings.Contains(st, `"`+strconv.FormatInt(n, 10)+` queries"`) {
		t.Errorf("Server-Timing %q disagrees with X-Queries %d", st, n)
	}
	if !regexp.MustCompile(`path=/teams status=200 .*queries=` + strconv.FormatInt(n, 10) + ` db_ms=`).MatchString(ta.Logs.String()) {
		t.Errorf("access log lacks the statement count:\n%s", ta.Logs.String())
	}

	// Without a session cookie nothing is read.
	r = ta.Client(t).Get("/healthz")
	if got := r.Header.Get("X-Queries"); got != "0" {
		t.Errorf("/healthz X-Queries = %q, want 0", got)
	}
}

func TestQueriesAreNotTracedByDefault(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org := ta.F.Org(t, "Untraced")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	r := c.Get("/teams")
	if r.Header.Get("X-Queries") != "" || r.Header.Get("Server-Timing") != "" {
		t.Errorf("tracing headers sent without TraceQueries: %v", r.Header)
	}
	if strings.Contains(ta.Logs.String(), "queries=") {
		t.Errorf("access log counts statements without TraceQueries")
	}
}

func TestSessionWithoutOwnerRecordStillFindsThePerson(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	org := ta.F.Org(t, "Owner record")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	if _, err := ta.Pool.Exec(t.Context(), `DELETE FROM session_users WHERE user_id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	// Without the owner record the person and their unread notifications
	// are read on their own: two more statements, same page.
	r := c.Get("/teams")
	if r.Status != 200 || r.Header.Get("X-Queries") != "4" {
		t.Errorf("GET /teams: %d with %s statements, want 200 with 4", r.Status, r.Header.Get("X-Queries"))
	}
	// A deactivated person is signed out either way.
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE users SET active = false WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/teams"); r.Status != 303 || !strings.HasPrefix(r.Location(), "/login") {
		t.Errorf("deactivated: %d to %q", r.Status, r.Location())
	}
}

func TestDeactivatedPersonIsSignedOutThroughTheSessionRead(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org := ta.F.Org(t, "Deactivated owner")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	if r := c.Get("/teams"); r.Status != 200 {
		t.Fatalf("GET /teams: %d", r.Status)
	}
	// Straight in the database, so the session and its owner record stay.
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE users SET active = false WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/teams"); r.Status != 303 || !strings.HasPrefix(r.Location(), "/login") {
		t.Errorf("deactivated: %d to %q", r.Status, r.Location())
	}
}
