// Package testdb gives tests their own PostgreSQL databases.
//
// Every database is a clone of a template that holds the migrated schema. The template is
// built once per set of migration files, shared by every test package and process, and
// cloned with CREATE DATABASE ... TEMPLATE, which takes milliseconds.
//
// The server is TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
// Its database is only used for administration.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"rapport/db"
	"rapport/internal/notify"
)

const (
	defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

	templatePrefix = "rapport_tmpl_"
	testPrefix     = "rapport_test_"

	// templateLockKey serialises template builds across processes. Advisory locks are
	// per database, and this one is taken on the maintenance database.
	templateLockKey int64 = 0x7261_7070_6f72_74 // "rapport"

	// PostgreSQL error codes.
	codeObjectInUse    = "55006" // "source database ... is being accessed by other users"
	codeInvalidCatalog = "3D000" // database does not exist

	maxIdentifierLength  = 63
	objectInUseRetryTime = 10 * time.Second
)

// Setup finds the server (TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable),
// makes sure a migrated template database exists (name derived from a hash of the migration files' contents, e.g.
// rapport_tmpl_<12 hex>, created once across all test packages/processes using a pg_advisory_lock on the maintenance DB,
// built under a temporary name and renamed when complete so a crash never leaves a half-migrated template; older templates
// of other hashes may be dropped), then creates a fresh database for the caller with CREATE DATABASE ... TEMPLATE (named
// rapport_test_<pkg-ish>_<random>) and returns its DSN. cleanup drops it (WITH (FORCE)).
func Setup() (dsn string, cleanup func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return clone(ctx)
}

// Main is for TestMain: it calls Setup, stores the DSN in *dsn, runs m, cleans up, and exits with m's code.
// If no PostgreSQL answers it fails loudly (tests must never silently skip the database).
func Main(m *testing.M, dsn *string) {
	d, cleanup, err := Setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testdb: FAIL: %v\n", err)
		os.Exit(1)
	}
	*dsn = d
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// NewDatabase creates an additional fresh clone (for tests that need an empty-but-migrated DB of their own);
// it registers cleanup with t.Cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dsn, cleanup, err := clone(ctx)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(cleanup)
	return dsn
}

// EmptyDatabase creates a fresh database with NO migrations applied (for migration tests); cleanup via t.Cleanup.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := serverURL()
	conn, err := connect(ctx, base)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer conn.Close(ctx)
	name := newTestName()
	// template0 is pristine; template1 may carry whatever a local administrator put there.
	if err := createFrom(ctx, conn, name, "template0"); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { drop(base, name) })
	return withDatabase(base, name)
}

// clone makes sure the template exists and creates a database from it.
func clone(ctx context.Context) (string, func(), error) {
	base := serverURL()
	tmpl, err := templateName()
	if err != nil {
		return "", nil, err
	}
	conn, err := connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)

	name := newTestName()
	// The template can vanish between the check and the clone when a run with other
	// migration files replaces it; building it again settles that.
	for attempt := 0; ; attempt++ {
		if err := ensureTemplate(ctx, conn, base, tmpl); err != nil {
			return "", nil, err
		}
		err := createFrom(ctx, conn, name, tmpl)
		if err == nil {
			break
		}
		if !isCode(err, codeInvalidCatalog) || attempt == 2 {
			return "", nil, err
		}
	}
	return withDatabase(base, name), func() { drop(base, name) }, nil
}

// ensureTemplate builds the template database unless it already exists. A template only
// ever exists under its final name once fully migrated, so existence is proof enough.
func ensureTemplate(ctx context.Context, conn *pgx.Conn, base, tmpl string) error {
	if ok, err := databaseExists(ctx, conn, tmpl); err != nil || ok {
		return err
	}

	// Session-level lock: released by pg_advisory_unlock, or by the server if this
	// process dies, so a crash never wedges other runs.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return fmt.Errorf("lock template build: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey)
	}()

	// Someone else may have built it while we waited.
	if ok, err := databaseExists(ctx, conn, tmpl); err != nil || ok {
		return err
	}

	building := tmpl + "_building"
	// A leftover from a build that crashed.
	if err := dropDatabase(ctx, conn, building); err != nil {
		return err
	}
	if err := createFrom(ctx, conn, building, "template0"); err != nil {
		return err
	}
	if err := migrate(ctx, withDatabase(base, building)); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}

	// Nobody may connect to a template: a connected session makes every clone fail.
	// IS_TEMPLATE lets a role that is not a superuser clone it.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+quote(building)+" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("close template to connections: %w", err)
	}
	// Our own sessions are closed, but a backend may still be on its way out.
	if err := retryInUse(ctx, func() error {
		_, err := conn.Exec(ctx, "ALTER DATABASE "+quote(building)+" RENAME TO "+quote(tmpl))
		return err
	}); err != nil {
		return fmt.Errorf("publish template: %w", err)
	}

	dropStaleTemplates(ctx, conn, tmpl)
	return nil
}

// migrate applies the embedded goose migrations, then River's, to a new, private database.
//
// It does not call postgres.Migrate: tests inside package postgres use this package, and
// that import would be a cycle. Keep the two in step: whatever postgres.Migrate applies,
// this applies too.
func migrate(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	sqlDB := stdlib.OpenDB(*cfg)
	// Close every connection before the database is renamed and cloned.
	defer sqlDB.Close()

	fsys, err := fs.Sub(db.Migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithSlog(slog.New(slog.DiscardHandler)),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return err
	}
	// River's job tables, as postgres.Migrate applies them.
	return notify.MigrateRiver(ctx, dsn, nil)
}

// dropStaleTemplates removes templates built from other migration files. A run still using
// one of them rebuilds it on demand (see clone), so this is only housekeeping.
func dropStaleTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx,
		"SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2",
		templatePrefix, keep)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	// We hold the build lock, so none of these is being built right now.
	for _, name := range names {
		_, _ = conn.Exec(ctx, "ALTER DATABASE "+quote(name)+" WITH IS_TEMPLATE false")
		_ = dropDatabase(ctx, conn, name)
	}
}

// templateName derives the template's name from the migration files, so that changing,
// adding or removing a migration builds a new template.
func templateName() (string, error) {
	entries, err := fs.ReadDir(db.Migrations, "migrations")
	if err != nil {
		return "", fmt.Errorf("read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		b, err := fs.ReadFile(db.Migrations, "migrations/"+name)
		if err != nil {
			return "", fmt.Errorf("read migration %s: %w", name, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	// River's migrations are part of the template too: upgrading River rebuilds it.
	fmt.Fprintf(h, "river:%s\x00", notify.RiverSchema)
	for _, m := range notify.RiverMigrations() {
		fmt.Fprintf(h, "%d\x00%d\x00", m.Version, len(m.SQLUp))
		h.Write([]byte(m.SQLUp))
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// newTestName returns rapport_test_<package directory>_<random>.
func newTestName() string {
	pkg := "x"
	if wd, err := os.Getwd(); err == nil {
		pkg = sanitize(filepath.Base(wd))
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := "_" + hex.EncodeToString(b[:])
	if room := maxIdentifierLength - len(testPrefix) - len(suffix); len(pkg) > room {
		pkg = pkg[:room]
	}
	return testPrefix + pkg + suffix
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

func createFrom(ctx context.Context, conn *pgx.Conn, name, template string) error {
	err := retryInUse(ctx, func() error {
		_, err := conn.Exec(ctx, "CREATE DATABASE "+quote(name)+" TEMPLATE "+quote(template))
		return err
	})
	if err != nil {
		return fmt.Errorf("create database %s from %s: %w", name, template, err)
	}
	return nil
}

func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// drop is a cleanup function: it has nowhere to return an error, so it reports it.
func drop(base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, base)
	if err == nil {
		defer conn.Close(ctx)
		err = dropDatabase(ctx, conn, name)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
	}
}

func databaseExists(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	var ok bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up database %s: %w", name, err)
	}
	return ok, nil
}

// retryInUse retries fn while PostgreSQL reports the source database as in use, which
// happens for a moment after a session on it has closed.
func retryInUse(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(objectInUseRetryTime)
	wait := 10 * time.Millisecond
	for {
		err := fn()
		if err == nil || !isCode(err, codeObjectInUse) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func serverURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultURL
}

func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w (run the tests with `make test`, which starts a private "+
			"PostgreSQL when none answers at 127.0.0.1:5432, or set TEST_DATABASE_URL)", err)
	}
	return conn, nil
}

// withDatabase returns dsn with its database replaced by name. It accepts URLs and
// keyword/value strings.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			return u.String()
		}
	}
	// In keyword/value form the last occurrence of a keyword wins.
	return dsn + " dbname=" + name
}

func quote(ident string) string {
	return pgx.Identifier{ident}.Sanitize()
}
