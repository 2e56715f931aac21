package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"rapport/internal/metrics"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

// The job counts come from River's own table, grouped by kind and state,
// with the age of the oldest due job (queue latency) and of the oldest
// running one (stuck jobs); the collector reuses an answer for its TTL.
func TestJobStatsCountByKindAndStateWithTheOldestAges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	insert := func(kind, state string, scheduledAgo, attemptedAgo time.Duration) {
		t.Helper()
		_, err := pool.Exec(ctx, `INSERT INTO river.river_job (kind, state, max_attempts, args, scheduled_at, attempted_at, finalized_at)
			VALUES ($1, $2::river.river_job_state, 5, '{}', now() - $3::interval, CASE WHEN $4::interval > '0' THEN now() - $4::interval END,
				CASE WHEN $2 IN ('completed', 'discarded', 'cancelled') THEN now() END)`,
			kind, state, scheduledAgo, attemptedAgo)
		if err != nil {
			t.Fatal(err)
		}
	}
	insert("deliver", "available", 90*time.Second, 0)
	insert("deliver", "available", 10*time.Second, 0)
	insert("deliver", "running", time.Hour, 20*time.Minute)
	insert("deliver", "completed", time.Hour, time.Hour)
	insert("remind", "discarded", time.Hour, time.Hour)
	insert("remind", "scheduled", -time.Hour, 0) // due in an hour: not waiting

	stats, err := postgres.JobStats(pool)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]metrics.JobStat{}
	for _, s := range stats {
		got[s.Kind+"/"+s.State] = s
	}
	want := map[string]int64{"deliver/available": 2, "deliver/running": 1, "deliver/completed": 1, "remind/discarded": 1, "remind/scheduled": 1}
	if len(got) != len(want) {
		t.Errorf("stats %+v, want %v", stats, want)
	}
	for k, n := range want {
		if got[k].Jobs != n {
			t.Errorf("%s: %d jobs, want %d", k, got[k].Jobs, n)
		}
	}
	if w := got["deliver/available"].OldestSeconds; w < 89 || w > 120 {
		t.Errorf("oldest available job waited %.0f s, want about 90", w)
	}
	if r := got["deliver/running"].OldestSeconds; r < 1199 || r > 1260 {
		t.Errorf("oldest running job ran %.0f s, want about 1200", r)
	}
	if s := got["remind/scheduled"].OldestSeconds; s != 0 {
		t.Errorf("a scheduled job has an age %.0f, want 0 (only available and running ones do)", s)
	}

	// Through the collector: cached for its TTL, re-read after it.
	cached := metrics.NewJobCollector(postgres.JobStats(pool), time.Hour)
	fresh := metrics.NewJobCollector(postgres.JobStats(pool), 0)
	for _, c := range []*metrics.JobCollector{cached, fresh} {
		if n := testutil.CollectAndCount(c, "rapport_jobs"); n != 5 {
			t.Fatalf("rapport_jobs has %d series, want 5", n)
		}
	}
	insert("resets", "available", 0, 0)
	if n := testutil.CollectAndCount(cached, "rapport_jobs"); n != 5 {
		t.Errorf("within the TTL the collector read the table again (%d series)", n)
	}
	if n := testutil.CollectAndCount(fresh, "rapport_jobs"); n != 6 {
		t.Errorf("past the TTL the collector did not read the table again (%d series)", n)
	}
}
