package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/metrics"
	"rapport/internal/postgres/dbq"
)

// JobStats returns a reader of the job queue's counts by kind and state on
// pool, for the metrics endpoint.
func JobStats(pool *pgxpool.Pool) metrics.JobSource {
	q := dbq.New()
	return func(ctx context.Context) ([]metrics.JobStat, error) {
		rows, err := q.JobStatsByKindState(ctx, pool)
		if err != nil {
			return nil, fmt.Errorf("job stats: %w", err)
		}
		out := make([]metrics.JobStat, len(rows))
		for i, r := range rows {
			out[i] = metrics.JobStat{Kind: r.Kind, State: r.State, Jobs: r.Jobs, OldestSeconds: r.OldestSeconds}
		}
		return out, nil
	}
}
