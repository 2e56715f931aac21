package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/outcomes"
	"rapport/internal/postgres/dbq"
)

var _ outcomes.Store = (*OutcomeStore)(nil)

// OutcomeStore reads the outcomes page's figures from the kept read models.
type OutcomeStore struct {
	base
}

// NewOutcomeStore returns the outcomes store on pool.
func NewOutcomeStore(pool *pgxpool.Pool) *OutcomeStore {
	return &OutcomeStore{base: newBase(pool)}
}

// OutcomeRows computes every group's figures in one statement.
func (s *OutcomeStore) OutcomeRows(ctx context.Context, orgID int64, q outcomes.Query) ([]outcomes.Row, error) {
	rows, err := s.q.OutcomeGroups(ctx, s.pool, dbq.OutcomeGroupsParams{OrgID: orgID, RootID: q.RootID,
		FromAt: q.From, ToAt: q.To, RefDay: q.RefDay, Today: q.Today,
		LookbackDays: int32(q.LookbackDays), Threshold: int32(q.Threshold)})
	if err != nil {
		return nil, mapErr(err, "Outcomes")
	}
	out := make([]outcomes.Row, len(rows))
	for i, r := range rows {
		out[i] = outcomes.Row{Kind: r.Kind, Key: r.Key, Label: r.Label, Left: r.Left, Figures: outcomes.Figures{
			People: int(r.People), Expected: int(r.Expected), Held: int(r.Held), WithHeld: int(r.WithHeld),
			MedianDays: r.MedianDays, Kudos: int(r.Kudos), Due: int(r.Due), Done: int(r.Done),
			HealthN: int(r.HealthN), HealthMean: r.HealthMean}}
	}
	return out, nil
}

// HealthThreshold is the organisation's health check threshold, the
// smallest group the outcomes page shows.
func (s *OutcomeStore) HealthThreshold(ctx context.Context, orgID int64) (int, error) {
	n, err := s.q.HealthSettingsGet(ctx, s.pool, orgID)
	return int(n), mapErr(err, "Settings")
}
