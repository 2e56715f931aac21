package testfx

import (
	"context"
	"testing"
	"time"
)

// HealthOpts describe a health check; zero values get defaults.
type HealthOpts struct {
	Title  string
	Closed bool // closed an hour ago; else open for a week
	// DaysAgo, for a closed check, is when it opened (it then ran a week);
	// it must be over 7.
	DaysAgo int
	// Answers are stored as they are, each a rating for every dimension the
	// check asks (trend "same", no comment).
	Answers []int
	// Ratings are further answers, each with its own rating per dimension
	// (in position order; missing positions get 3).
	Ratings [][]int
}

// HealthCheck opens a check for a team asking the organisation's current
// dimensions and returns its id.
func (f Factory) HealthCheck(t testing.TB, orgID, teamID int64, o HealthOpts) int64 {
	t.Helper()
	ctx := context.Background()
	if o.Title == "" {
		o.Title = "Health check"
	}
	now := time.Now()
	opened, closes := now.Add(-time.Hour), now.Add(7*24*time.Hour)
	if o.Closed {
		opened, closes = now.Add(-8*24*time.Hour), now.Add(-time.Hour)
		if o.DaysAgo > 7 {
			opened = now.Add(-time.Duration(o.DaysAgo) * 24 * time.Hour)
			closes = opened.Add(7 * 24 * time.Hour)
		}
	}
	var id int64
	if err := f.Pool.QueryRow(ctx, `INSERT INTO health_checks (org_id, team_id, title, opened_at, closes_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, orgID, teamID, o.Title, opened, closes).Scan(&id); err != nil {
		t.Fatalf("create health check: %v", err)
	}
	if _, err := f.Pool.Exec(ctx, `INSERT INTO health_check_dimensions (check_id, position, dimension_id, version, name, description)
		SELECT $1, row_number() OVER (ORDER BY position, id), id, version, name, description
		FROM health_dimensions WHERE org_id = $2 AND NOT retired`, id, orgID); err != nil {
		t.Fatalf("copy dimensions: %v", err)
	}
	for _, score := range o.Answers {
		if _, err := f.Pool.Exec(ctx, `INSERT INTO health_responses (org_id, check_id, scores, trends)
			SELECT $1, $2, array_agg($3::smallint), array_agg(0::smallint) FROM health_check_dimensions WHERE check_id = $2`,
			orgID, id, score); err != nil {
			t.Fatalf("answer: %v", err)
		}
	}
	var n int
	f.Pool.QueryRow(ctx, "SELECT count(*) FROM health_check_dimensions WHERE check_id = $1", id).Scan(&n)
	for _, rs := range o.Ratings {
		scores, trends := make([]int16, n), make([]int16, n)
		for i := range scores {
			scores[i] = 3
			if i < len(rs) {
				scores[i] = int16(rs[i])
			}
		}
		if _, err := f.Pool.Exec(ctx, `INSERT INTO health_responses (org_id, check_id, scores, trends) VALUES ($1, $2, $3, $4)`,
			orgID, id, scores, trends); err != nil {
			t.Fatalf("answer: %v", err)
		}
	}
	return id
}
