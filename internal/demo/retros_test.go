package demo

import (
	"context"
	"testing"
	"time"
)

// A seeded organisation has a year of retros for several teams, with actions
// in every state, anonymous cards that name nobody, and one retro under way.
func TestSeedRetros(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := ownDatabase(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	res, err := Seed(ctx, pool, Options{People: 60, Seed: 3, Password: testPassword, Domain: "retro.example", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("60 people with %d retros seeded in %v", res.Retros, time.Since(start))
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, res.OrgID).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if teams := count("SELECT count(DISTINCT team_id) FROM retros WHERE org_id = $1"); teams < 3 || res.Retros < teams*20 {
		t.Errorf("%d retros over %d teams", res.Retros, teams)
	}
	if n := count("SELECT count(*) FROM retros WHERE org_id = $1 AND created_at < now() - interval '330 days'"); n == 0 {
		t.Error("no retros from a year ago")
	}
	states := map[string]string{
		"done on time": "status = 'done' AND done_at < due_on + 1",
		"done late":    "status = 'done' AND done_at >= due_on + 1",
		"dropped":      "status = 'dropped'",
		"overdue":      "status = 'open' AND due_on < '2026-11-20'",
		"open":         "status = 'open' AND due_on >= '2026-11-20'",
	}
	for name, cond := range states {
		if n := count("SELECT count(*) FROM retro_actions WHERE org_id = $1 AND " + cond); n == 0 {
			t.Errorf("no %s retro actions", name)
		}
	}
	if n := count("SELECT count(*) FROM retro_cards c JOIN retros r ON r.id = c.retro_id WHERE r.org_id = $1 AND r.anonymous AND (c.author_id IS NOT NULL OR c.created_at IS NOT NULL)"); n != 0 {
		t.Errorf("%d anonymous demo cards name an author or a time", n)
	}
	if n := count("SELECT count(*) FROM retros WHERE org_id = $1 AND phase <> 'done'"); n != 1 {
		t.Errorf("%d retros under way, want 1", n)
	}
	if n := count("SELECT count(*) FROM retro_votes WHERE org_id = $1"); n == 0 {
		t.Error("no votes")
	}

	// The same organisation's team health checks: a few teams with monthly
	// checks, one open now on the demo manager's team, one closed with too
	// few answers; answers and the has-answered set agree in number.
	if teams := count("SELECT count(DISTINCT team_id) FROM health_checks WHERE org_id = $1"); teams < 3 || res.HealthChecks < teams*3 {
		t.Errorf("%d health checks over %d teams", res.HealthChecks, teams)
	}
	if n := count("SELECT count(*) FROM health_checks WHERE org_id = $1 AND closes_at > '2026-11-20'"); n != 1 {
		t.Errorf("%d open health checks, want 1", n)
	}
	if n := count(`SELECT count(*) FROM health_checks c WHERE c.org_id = $1 AND c.closes_at < '2026-11-20'
		AND (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id) < 3`); n != 1 {
		t.Errorf("%d closed checks under the threshold, want 1", n)
	}
	if n := count(`SELECT count(*) FROM health_checks c WHERE c.org_id = $1
		AND (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id) <> (SELECT count(*) FROM health_responders r WHERE r.check_id = c.id)`); n != 0 {
		t.Errorf("%d checks whose answers and responders differ in number", n)
	}
}
