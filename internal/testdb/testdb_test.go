package testdb_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/db"
	"rapport/internal/testdb"
)

var dsn string

func TestMain(m *testing.M) {
	testdb.Main(m, &dsn)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func tableExists(t *testing.T, conn *pgx.Conn, table string) bool {
	t.Helper()
	var ok bool
	if err := conn.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		t.Fatalf("look up %s: %v", table, err)
	}
	return ok
}

func countOrgs(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM orgs").Scan(&n); err != nil {
		t.Fatalf("count orgs: %v", err)
	}
	return n
}

func TestCloneHasEveryMigrationApplied(t *testing.T) {
	conn := connect(t, dsn)
	for _, table := range []string{"orgs", "users", "teams", "sessions", "audit_log"} {
		if !tableExists(t, conn, table) {
			t.Errorf("table %s missing from the clone", table)
		}
	}
	files, err := fs.Glob(db.Migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := conn.QueryRow(context.Background(),
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied); err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	if applied != len(files) {
		t.Errorf("clone records %d applied migrations, want %d", applied, len(files))
	}
}

func TestClonesAreIndependent(t *testing.T) {
	ctx := context.Background()
	first := connect(t, testdb.NewDatabase(t))
	second := connect(t, testdb.NewDatabase(t))

	if _, err := first.Exec(ctx, "INSERT INTO orgs (name) VALUES ('Acme')"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if n := countOrgs(t, first); n != 1 {
		t.Errorf("first clone has %d orgs, want 1", n)
	}
	if n := countOrgs(t, second); n != 0 {
		t.Errorf("second clone has %d orgs, want 0: clones share data", n)
	}
	if n := countOrgs(t, connect(t, dsn)); n != 0 {
		t.Errorf("the package database has %d orgs, want 0: clones share data", n)
	}
}

func TestEmptyDatabaseHasNoSchema(t *testing.T) {
	conn := connect(t, testdb.EmptyDatabase(t))
	if tableExists(t, conn, "users") {
		t.Error("empty database has a users table")
	}
	if tableExists(t, conn, "goose_db_version") {
		t.Error("empty database has a goose_db_version table")
	}
}

func TestCleanupDropsTheDatabase(t *testing.T) {
	ctx := context.Background()
	d, cleanup, err := testdb.Setup()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	var exists bool
	if err := connect(t, dsn).QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", cfg.Database).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after cleanup", cfg.Database)
	}
}

func TestTemplateRefusesConnections(t *testing.T) {
	// A session on the template would make every clone fail.
	rows, err := connect(t, dsn).Query(context.Background(),
		"SELECT datallowconn FROM pg_database WHERE datname LIKE 'rapport\\_tmpl\\_%' AND datistemplate")
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) == 0 {
		t.Fatal("no template database found")
	}
	for _, a := range allowed {
		if a {
			t.Error("a template database accepts connections")
		}
	}
}

// BenchmarkSetup measures making a package database once the template exists.
func BenchmarkSetup(b *testing.B) {
	for b.Loop() {
		_, cleanup, err := testdb.Setup()
		if err != nil {
			b.Fatal(err)
		}
		cleanup()
	}
}
