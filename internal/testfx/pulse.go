package testfx

import (
	"context"
	"testing"
	"time"
)

// PulseOpts describe a pulse; the zero value asks the whole organisation
// two statements every 14 days, each round open 3 days, the first round
// opened an hour ago.
type PulseOpts struct {
	Title      string
	Scope      string // org (default), team or tree
	TeamID     int64
	RootID     int64
	CreatedBy  int64
	Statements []string
	Cadence    int
	OpenDays   int
	StartsAt   time.Time
}

// Pulse stores a pulse and returns its id.
func (f Factory) Pulse(t testing.TB, orgID int64, o PulseOpts) int64 {
	t.Helper()
	if o.Title == "" {
		o.Title = "Pulse"
	}
	if o.Scope == "" {
		o.Scope = "org"
	}
	if len(o.Statements) == 0 {
		o.Statements = []string{"I get useful feedback on my work.", "I feel recognised for my work."}
	}
	if o.Cadence == 0 {
		o.Cadence = 14
	}
	if o.OpenDays == 0 {
		o.OpenDays = 3
	}
	if o.StartsAt.IsZero() {
		o.StartsAt = time.Now().Add(-time.Hour)
	}
	var team, root, by *int64
	if o.TeamID != 0 {
		team = &o.TeamID
	}
	if o.RootID != 0 {
		root = &o.RootID
	}
	if o.CreatedBy != 0 {
		by = &o.CreatedBy
	}
	var id int64
	if err := f.Pool.QueryRow(context.Background(), `INSERT INTO pulses (org_id, title, scope, team_id, root_id, statements, cadence_days, open_days, starts_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		orgID, o.Title, o.Scope, team, root, o.Statements, o.Cadence, o.OpenDays, o.StartsAt, by).Scan(&id); err != nil {
		t.Fatalf("create pulse: %v", err)
	}
	return id
}

// PulseAnswer is one stored answer, with the groups it is kept with (0:
// none).
type PulseAnswer struct {
	Scores    []int
	ENPS      int
	Comment   string
	TeamID    int64
	ManagerID int64
}

// PulseAnswers stores answers to a round as they are.
func (f Factory) PulseAnswers(t testing.TB, orgID, pulseID int64, round int, as []PulseAnswer) {
	t.Helper()
	for _, a := range as {
		var team, mgr *int64
		if a.TeamID != 0 {
			team = &a.TeamID
		}
		if a.ManagerID != 0 {
			mgr = &a.ManagerID
		}
		if _, err := f.Pool.Exec(context.Background(), `INSERT INTO pulse_responses (org_id, pulse_id, round_no, scores, enps, comment, team_id, manager_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, orgID, pulseID, round, a.Scores, a.ENPS, a.Comment, team, mgr); err != nil {
			t.Fatalf("store pulse answer: %v", err)
		}
	}
}
