package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

// Replicas started together with --demo on one empty database: one seeds,
// the others wait for it and use its organisation; none fails.
func TestDemoSeedRunsOnceAcrossConcurrentReplicas(t *testing.T) {
	db := testdb.NewDatabase(t)
	ctx := context.Background()
	const replicas = 3
	outs := make([]bytes.Buffer, replicas)
	errs := make([]error, replicas)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range replicas {
		// Each replica has its own pool, as separate processes do.
		pool, err := postgres.Open(ctx, db, 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		svc := people.NewService(postgres.NewPeopleStore(pool, nil), postgres.NewAccountStore(pool, nil), core.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = seedDemoIfEmpty(ctx, pool, svc, 12, &outs[i], slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()
	}
	start.Done()
	done.Wait()
	seeded := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
		if strings.Contains(outs[i].String(), "Demo organisation ready") {
			seeded++
		}
	}
	pool, err := postgres.Open(ctx, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var orgs int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM orgs").Scan(&orgs); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 || seeded != 1 {
		t.Fatalf("%d organisations, %d replicas seeded; want 1 and 1", orgs, seeded)
	}
}
