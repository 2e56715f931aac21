package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"rapport/db"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

func migrationFiles(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(db.Migrations, "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded migrations (err %v)", err)
	}
	for i, f := range files {
		files[i] = path.Base(f)
	}
	return files
}

func query[T any](t *testing.T, dsn, sql string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func appliedVersions(t *testing.T, dsn string) int {
	t.Helper()
	return query[int](t, dsn, "SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied")
}

// schema describes everything the migrations create in the public schema, so that two
// states can be compared.
func schema(t *testing.T, dsn string) string {
	t.Helper()
	return query[string](t, dsn, `
SELECT coalesce(string_agg(line, E'\n' ORDER BY line), '') FROM (
    SELECT format('column %s.%s %s null=%s default=%s identity=%s', table_name, column_name,
                  udt_name, is_nullable, column_default, is_identity) AS line
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT format('type %s %s', typname, typtype) FROM pg_type
     WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'r', 'm')
    UNION ALL
    SELECT format('relation %s %s', relname, relkind) FROM pg_class
     WHERE relnamespace = 'public'::regnamespace AND relkind IN ('v', 'm', 'S', 'f')
    UNION ALL
    SELECT format('function %s(%s)', proname, pg_get_function_identity_arguments(oid)) FROM pg_proc
     WHERE pronamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = pg_proc.oid AND d.deptype = 'e')
) AS s`)
}

func TestMigrateAppliesEveryMigrationToAnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	if err := postgres.Migrate(ctx, dsn, logger); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	files := migrationFiles(t)
	if got := appliedVersions(t, dsn); got != len(files) {
		t.Errorf("%d migrations applied, want %d", got, len(files))
	}
	if !query[bool](t, dsn, "SELECT to_regclass('users') IS NOT NULL") {
		t.Error("users table missing after Migrate")
	}
	for _, f := range files {
		if !strings.Contains(logs.String(), f) {
			t.Errorf("log does not mention %s:\n%s", f, logs.String())
		}
	}

	// Running again finds nothing to do.
	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if got := appliedVersions(t, dsn); got != len(files) {
		t.Errorf("%d migrations recorded after a second Migrate, want %d", got, len(files))
	}
}

func TestMigrateDownAllTheWayThenUpAgainRestoresTheSchema(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)
	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	migrated := schema(t, dsn)

	files := migrationFiles(t)
	for i := range files {
		if err := postgres.MigrateDown(ctx, dsn, nil); err != nil {
			t.Fatalf("MigrateDown #%d: %v", i+1, err)
		}
		if got, want := appliedVersions(t, dsn), len(files)-i-1; got != want {
			t.Fatalf("after %d MigrateDown calls %d migrations are applied, want %d", i+1, got, want)
		}
	}
	if err := postgres.MigrateDown(ctx, dsn, nil); !errors.Is(err, goose.ErrNoNextVersion) {
		t.Errorf("MigrateDown with nothing applied: got %v, want goose.ErrNoNextVersion", err)
	}

	// Only goose's own table may survive: every down section undoes its up section.
	var leftovers []string
	for _, line := range strings.Split(schema(t, dsn), "\n") {
		if line != "" && !strings.Contains(line, "goose_db_version") {
			leftovers = append(leftovers, line)
		}
	}
	if len(leftovers) > 0 {
		t.Errorf("rolled all the way back, yet these remain:\n%s", strings.Join(leftovers, "\n"))
	}

	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatalf("Migrate after rolling back: %v", err)
	}
	if again := schema(t, dsn); again != migrated {
		t.Errorf("schema differs after down and up again.\nfirst:\n%s\n\nagain:\n%s", migrated, again)
	}
}

func TestConcurrentMigrateOnAFreshDatabaseBothSucceed(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = postgres.Migrate(ctx, dsn, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i+1, err)
		}
	}
	files := migrationFiles(t)
	// Each migration recorded exactly once: the second replica applied nothing.
	if got := appliedVersions(t, dsn); got != len(files) {
		t.Errorf("%d migrations recorded, want %d", got, len(files))
	}
}

func TestMigrationStatusListsEachMigrationAndItsState(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)
	files := migrationFiles(t)

	var before bytes.Buffer
	if err := postgres.MigrationStatus(ctx, dsn, &before); err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var after bytes.Buffer
	if err := postgres.MigrationStatus(ctx, dsn, &after); err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	for _, f := range files {
		if line := lineWith(before.String(), f); !strings.Contains(line, "pending") {
			t.Errorf("before Migrate, %s: %q, want pending", f, line)
		}
		if line := lineWith(after.String(), f); !strings.Contains(line, "applied") {
			t.Errorf("after Migrate, %s: %q, want applied", f, line)
		}
	}
}

func lineWith(text, substr string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, substr) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}
