package postgres_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/postgres/dbq"
)

// BenchmarkCheckinTallies compares, on a seeded demo database named by
// CHECKIN_BENCH_DSN (`rapport demo --people N` into a scratch database), the
// whole-organisation roll-up's action counts read from the actions and
// from the kept tallies (with the meeting counts for scale), and the cost of the writes that keep them
// (marking a meeting held, adding an action; each rolled back). Run it on a
// database migrated without 00023 for the writes' "before".
func BenchmarkCheckinTallies(b *testing.B) {
	dsn := os.Getenv("CHECKIN_BENCH_DSN")
	if dsn == "" {
		b.Skip("CHECKIN_BENCH_DSN names a seeded demo database")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	var org int64
	var ids []int64
	var to time.Time
	if err := pool.QueryRow(ctx, `SELECT s.org_id, array_agg(s.id),
		(SELECT date_trunc('day', max(scheduled_at) FILTER (WHERE status <> 'scheduled')) + interval '1 day' FROM meetings)
		FROM oneonone_series s JOIN users r ON r.id = s.report_id WHERE s.status <> 'ended' AND r.active GROUP BY s.org_id`).
		Scan(&org, &ids, &to); err != nil {
		b.Fatal(err)
	}
	var kept bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('action_tallies') IS NOT NULL`).Scan(&kept); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d series, period ends %s, tallies kept: %v", len(ids), to.Format(time.DateOnly), kept)
	q := dbq.New()
	today := to.AddDate(0, 0, -1)
	// Raw and tallied reads alternate within one loop, so load from other
	// work on the machine weighs on both alike; each reports its median.
	for _, days := range []int{90, 365} {
		from := to.AddDate(0, 0, -days)
		half := from.Add(to.Sub(from) / 2)
		reads := []struct {
			name string
			run  func() error
		}{
			{"meetings/raw", func() error {
				_, err := q.MeetingStats(ctx, pool, dbq.MeetingStatsParams{OrgID: org, SeriesIds: ids, WinFrom: from, WinTo: to, WinHalf: half})
				return err
			}},
			{"actions/raw", func() error {
				_, err := q.ActionStats(ctx, pool, dbq.ActionStatsParams{OrgID: org, SeriesIds: ids, FromDate: from, ToDate: to, Today: today})
				return err
			}},
			{"actions/tallies", func() error {
				_, err := q.ActionTallyStats(ctx, pool, dbq.ActionTallyStatsParams{OrgID: org, SeriesIds: ids, FromDate: from, ToDate: to, Today: today})
				return err
			}},
		}
		if !kept {
			reads = []struct {
				name string
				run  func() error
			}{reads[0], reads[1]}
		}
		b.Run(fmt.Sprintf("reads/%dd", days), func(b *testing.B) {
			took := make([][]time.Duration, len(reads))
			for b.Loop() {
				for i, r := range reads {
					start := time.Now()
					if err := r.run(); err != nil {
						b.Fatal(err)
					}
					took[i] = append(took[i], time.Since(start))
				}
			}
			for i, r := range reads {
				slices.Sort(took[i])
				b.ReportMetric(float64(took[i][len(took[i])/2].Microseconds())/1000, r.name+"-ms")
			}
		})
	}
	// The writes, as the store makes them, each in a transaction rolled
	// back so every iteration writes the same rows.
	var meeting, series, by int64
	if err := pool.QueryRow(ctx, `SELECT m.id, m.series_id, s.manager_id FROM meetings m JOIN oneonone_series s ON s.id = m.series_id
		WHERE m.status = 'scheduled' ORDER BY m.id LIMIT 1`).Scan(&meeting, &series, &by); err != nil {
		b.Fatal(err)
	}
	write := func(b *testing.B, sql string, args ...any) {
		for b.Loop() {
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				b.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("write/mark-held", func(b *testing.B) {
		write(b, `UPDATE meetings SET status = 'held', status_by = $2, status_at = now() WHERE id = $1`, meeting, by)
	})
	b.Run("write/add-action", func(b *testing.B) {
		write(b, `INSERT INTO action_items (org_id, meeting_id, series_id, owner_id, created_by, body, due_on)
			VALUES ($1, $2, $3, $4, $4, 'Send the notes', current_date + 7)`, org, meeting, series, by)
	})
}
