package demo

import (
	"context"
	"testing"
	"time"
)

func TestSeedWritesAFinishedAndACurrentReviewCycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := ownDatabase(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	res, err := Seed(ctx, pool, Options{People: 80, Seed: 11, Password: testPassword, Domain: "reviews.example", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("80 people: %d cycles, %d reviews, seeded in %v", res.ReviewCycles, res.Reviews, res.Elapsed)
	var withManager int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM users WHERE org_id = $1 AND manager_id IS NOT NULL", res.OrgID).Scan(&withManager); err != nil {
		t.Fatal(err)
	}
	if res.ReviewCycles != 2 || res.Reviews != 2*withManager {
		t.Fatalf("%d cycles and %d reviews, want 2 and %d", res.ReviewCycles, res.Reviews, 2*withManager)
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM review_participants p JOIN review_cycles c ON c.id = p.cycle_id
		WHERE c.org_id = $1 AND c.name = '2026 H1' AND p.state <> 'finalised'`, res.OrgID); n != 0 {
		t.Errorf("%d reviews of the past cycle are not finalised", n)
	}
	if n := count(`SELECT count(DISTINCT p.state) FROM review_participants p JOIN review_cycles c ON c.id = p.cycle_id
		WHERE c.org_id = $1 AND c.name = '2026 H2'`, res.OrgID); n != 5 {
		t.Errorf("the current cycle has reviews in %d states, want all 5", n)
	}
	// Every submitted side is fully rated on the 1–4 scale.
	if n := count(`SELECT count(*) FROM review_participants p
		JOIN review_cycles c ON c.id = p.cycle_id
		JOIN framework_entries e ON e.version_id = c.framework_version_id
		LEFT JOIN review_ratings r ON r.cycle_id = p.cycle_id AND r.person_id = p.person_id AND r.competency_id = e.competency_id
		WHERE c.org_id = $1 AND ((p.state <> 'draft' AND r.self_rating IS NULL)
		   OR (p.state IN ('manager_submitted', 'acknowledged', 'finalised') AND r.manager_rating IS NULL))`, res.OrgID); n != 0 {
		t.Errorf("%d submitted ratings are missing", n)
	}
	// Self-assessments are in the first person, as a person writes them
	// ("I can point to…", never "I opens…").
	if n := count(`SELECT count(*) FROM review_ratings WHERE org_id = $1 AND self_comment ~ '^I [a-z]+s\M'`, res.OrgID); n != 0 {
		t.Errorf("%d self-assessment comments read like \"I opens…\"", n)
	}
	if n := count(`SELECT count(*) FROM review_ratings WHERE org_id = $1 AND self_comment <> ''`, res.OrgID); n == 0 {
		t.Error("no self-assessment comment was written")
	}
	if n := count(`SELECT count(*) FROM review_ratings WHERE org_id = $1 AND (self_rating NOT BETWEEN 1 AND 4 OR manager_rating NOT BETWEEN 1 AND 4)`, res.OrgID); n != 0 {
		t.Errorf("%d ratings off the scale", n)
	}
	// The demo employee's review waits for the demo manager.
	var emp, mgr string
	for _, s := range res.SignIns {
		switch s.Role {
		case "employee":
			emp = s.Email
		case "manager":
			mgr = s.Email
		}
	}
	if n := count(`SELECT count(*) FROM review_participants p JOIN review_cycles c ON c.id = p.cycle_id
		JOIN users e ON e.id = p.person_id JOIN users m ON m.id = p.manager_id
		WHERE c.name = '2026 H2' AND e.email = $1 AND m.email = $2 AND p.state = 'self_submitted'`, emp, mgr); n != 1 {
		t.Errorf("the demo employee's current review is not waiting for the demo manager")
	}
}
