package testfx

import (
	"context"
	"strconv"
	"testing"
)

// CycleOpts describe a review cycle; zero values get defaults.
type CycleOpts struct {
	Name        string
	PeriodStart string // YYYY-MM-DD, default 2026-01-01
	PeriodEnd   string // default 2026-06-30
	SelfDue     string // default 2026-07-10
	ManagerDue  string // default 2026-07-24
	CreatedBy   int64
}

// Cycle creates an open review cycle on the organisation's latest framework
// version with the given people, each reviewed by their current manager.
func (f Factory) Cycle(t testing.TB, orgID int64, o CycleOpts, people ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Name, "Cycle "+strconv.FormatInt(Next(), 10))
	def(&o.PeriodStart, "2026-01-01")
	def(&o.PeriodEnd, "2026-06-30")
	def(&o.SelfDue, "2026-07-10")
	def(&o.ManagerDue, "2026-07-24")
	var by *int64
	if o.CreatedBy != 0 {
		by = &o.CreatedBy
	}
	var id int64
	err := f.Pool.QueryRow(ctx, `
		INSERT INTO review_cycles (org_id, name, period_start, period_end, framework_version_id, self_due, manager_due, created_by)
		SELECT $1, $2, $3, $4, (SELECT id FROM framework_versions WHERE org_id = $1 ORDER BY number DESC LIMIT 1), $5, $6, $7
		RETURNING id`, orgID, o.Name, o.PeriodStart, o.PeriodEnd, o.SelfDue, o.ManagerDue, by).Scan(&id)
	if err != nil {
		t.Fatalf("create cycle: %v", err)
	}
	for _, p := range people {
		if _, err := f.Pool.Exec(ctx, `
			INSERT INTO review_participants (cycle_id, org_id, person_id, manager_id)
			SELECT $1, $2, u.id, u.manager_id FROM users u WHERE u.org_id = $2 AND u.id = $3`, id, orgID, p); err != nil {
			t.Fatalf("add participant: %v", err)
		}
	}
	return id
}

// Competency returns the id of a seeded competency by key ("partnerships").
func (f Factory) Competency(t testing.TB, key string) int64 {
	t.Helper()
	var id int64
	if err := f.Pool.QueryRow(context.Background(), "SELECT id FROM competencies WHERE key = $1", key).Scan(&id); err != nil {
		t.Fatalf("competency %q: %v", key, err)
	}
	return id
}

// TagKudo tags a kudo with competencies and dates it (RFC 3339).
func (f Factory) TagKudo(t testing.TB, kudoID int64, at string, competencyIDs ...int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.Pool.Exec(ctx, "UPDATE kudos SET created_at = $2 WHERE id = $1", kudoID, at); err != nil {
		t.Fatalf("date kudo: %v", err)
	}
	for _, c := range competencyIDs {
		if _, err := f.Pool.Exec(ctx, "INSERT INTO kudo_competencies (kudo_id, competency_id) VALUES ($1, $2)", kudoID, c); err != nil {
			t.Fatalf("tag kudo: %v", err)
		}
	}
}

// Observation records a competency observation on a meeting at a time (RFC 3339).
func (f Factory) Observation(t testing.TB, orgID, meetingID, authorID, subjectID, competencyID int64, note, at string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO observations (org_id, meeting_id, author_id, subject_id, competency_id, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, orgID, meetingID, authorID, subjectID, competencyID, note, at).Scan(&id)
	if err != nil {
		t.Fatalf("add observation: %v", err)
	}
	return id
}
