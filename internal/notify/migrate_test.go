package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/notify"
	"rapport/internal/testdb"
)

func TestMigrateRiverIsSafeToRunConcurrentlyAndAgain(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)

	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = notify.MigrateRiver(ctx, dsn, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigrateRiver #%d: %v", i+1, err)
		}
	}

	var logs bytes.Buffer
	if err := notify.MigrateRiver(ctx, dsn, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("MigrateRiver again: %v", err)
	}
	if !strings.Contains(logs.String(), "applied=0") {
		t.Errorf("a second run applied something:\n%s", logs.String())
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var versions, inPublic int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+notify.RiverSchema+".river_migration").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if want := len(notify.RiverMigrations()); versions != want || want == 0 {
		t.Errorf("%d River versions recorded, want %d", versions, want)
	}
	// River keeps to its own schema: public is the application's.
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").Scan(&inPublic); err != nil {
		t.Fatal(err)
	}
	if inPublic != 0 {
		t.Errorf("%d relations in public after River's migrations, want 0", inPublic)
	}
}
