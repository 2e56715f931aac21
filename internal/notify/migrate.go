package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverSchema is the PostgreSQL schema that holds River's tables (river_job,
// river_leader, river_migration, ...). Keeping them out of public leaves the
// application's schema, and its goose migrations, to the application alone.
const RiverSchema = "river"

const (
	// riverMigrateLockKey serialises River's migrations between processes (advisory
	// locks are per database). River's migrator takes no lock of its own: two
	// replicas starting at once would both try to apply the same version.
	riverMigrateLockKey int64 = 0x7261_7070_7276_6d67 // "rappRvmg"

	// riverMigrateLockWait bounds how long a replica waits for another that is
	// migrating, like the wait on goose's lock.
	riverMigrateLockWait = 10 * time.Minute
)

// MigrateRiver brings River's job tables, in schema RiverSchema, up to the version
// this build of River needs. It creates the schema when missing and holds a
// PostgreSQL advisory lock while migrating, so concurrent callers are safe: the
// second waits, then finds nothing to do.
//
// postgres.Migrate calls it after the application's own migrations, and the test
// harness (package testdb) calls it when it builds its template database. Nothing
// ever migrates River down: rolling back application migrations leaves River alone.
func MigrateRiver(ctx context.Context, dsn string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	// One connection holds the lock; River's migrator uses the others.
	cfg.MaxConns = 3
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect for River migrations: %w", err)
	}
	// Close every connection before returning: the test harness renames and clones
	// the database right after.
	defer pool.Close()

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect for River migrations: %w", err)
	}
	defer conn.Release()

	lockCtx, cancel := context.WithTimeout(ctx, riverMigrateLockWait)
	_, err = conn.Exec(lockCtx, "SELECT pg_advisory_lock($1)", riverMigrateLockKey)
	cancel()
	if err != nil {
		return fmt.Errorf("lock River migrations: %w", err)
	}
	defer func() {
		// A session lock outlives a failed unlock: close that connection so the
		// server releases it.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverMigrateLockKey); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+RiverSchema); err != nil {
		return fmt.Errorf("create schema %s: %w", RiverSchema, err)
	}

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{
		Schema: RiverSchema,
		// River's own log lines would repeat what is logged below.
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("River migrator: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply River migrations: %w", err)
	}
	for _, v := range res.Versions {
		logger.InfoContext(ctx, "River migration applied",
			slog.Int("version", v.Version), slog.String("name", v.Name), slog.Duration("duration", v.Duration))
	}
	logger.InfoContext(ctx, "River schema up to date",
		slog.String("schema", RiverSchema), slog.Int("applied", len(res.Versions)))
	return nil
}

// RiverMigrations lists River's migrations bundled with this build, oldest first.
// The test harness hashes them into its template's name so that upgrading River
// builds a new template.
func RiverMigrations() []rivermigrate.Migration {
	migrator, err := rivermigrate.New(riverpgxv5.New(nil), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		// Only an unknown migration line fails, and we use the default one.
		panic(err)
	}
	return migrator.AllVersions()
}
