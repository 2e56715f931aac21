package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"rapport/internal/demo"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

// BenchmarkReviewEvidence measures the evidence of a whole review cycle on a
// demo organisation (REVIEW_BENCH_PEOPLE people, default 2,000, with a year
// of 1:1s and kudos): the coaching cues and evidence counts of everyone in
// the current cycle in one call each, and one person's evidence panel.
func BenchmarkReviewEvidence(b *testing.B) {
	ctx := context.Background()
	people := 2000
	if v, err := strconv.Atoi(os.Getenv("REVIEW_BENCH_PEOPLE")); err == nil && v >= demo.MinPeople {
		people = v
	}
	pool, err := postgres.Open(ctx, testdb.NewDatabase(b), 4)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	start := time.Now()
	res, err := demo.Seed(ctx, pool, demo.Options{People: people, Months: 12, Seed: 3, Password: "correct horse battery"})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d people in %v: %d meetings, %d actions, %d kudos, %d reviews",
		res.People, time.Since(start).Round(time.Millisecond), res.Meetings, res.Actions, res.Kudos, res.Reviews)
	st := postgres.NewReviewStore(pool)
	var cycle int64
	var from, until time.Time
	if err := pool.QueryRow(ctx, `SELECT id, period_start, period_end + 1 FROM review_cycles WHERE org_id = $1 AND state = 'open'`, res.OrgID).
		Scan(&cycle, &from, &until); err != nil {
		b.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT person_id, manager_id FROM review_participants WHERE cycle_id = $1 ORDER BY person_id`, cycle)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	var one, viewer int64
	for rows.Next() {
		var p, m int64
		if err := rows.Scan(&p, &m); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p)
		one, viewer = p, m
	}
	rows.Close()

	b.Run("CuesForPeople/all", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.CuesForPeople(ctx, res.OrgID, ids, from, until); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(ids)), "people")
	})
	b.Run("EvidenceCounts/all", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.EvidenceCounts(ctx, res.OrgID, ids, from, until); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(ids)), "people")
	})
	b.Run("ReviewPageEvidence/one", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.CuesForPeople(ctx, res.OrgID, []int64{one}, from, until); err != nil {
				b.Fatal(err)
			}
			if _, err := st.EvidenceItems(ctx, res.OrgID, viewer, one, from, until); err != nil {
				b.Fatal(err)
			}
		}
	})
}
