package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"rapport/db"
	"rapport/internal/notify"
)

// migrationLockWait bounds how long a replica waits for another one that is
// migrating. It polls every second so that a waiting replica starts soon after
// the other one finishes.
const migrationLockWait = 10 * time.Minute

// Migrate applies all pending migrations. It holds a PostgreSQL advisory session lock while doing so,
// so two replicas starting at once are safe (the second waits, then finds nothing to do).
//
// After the application's migrations it applies River's (the background-job tables, in schema
// notify.RiverSchema), under an advisory lock of their own: River's migrator takes none.
// Further migration sets belong here too, after the schema migrations.
func Migrate(ctx context.Context, dsn string, logger *slog.Logger) error {
	logger = orDiscard(logger)
	sqlDB, err := openSQL(dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()

	if err := migrateSchema(ctx, sqlDB, logger); err != nil {
		return err
	}
	if err := notify.MigrateRiver(ctx, dsn, logger); err != nil {
		return err
	}
	return nil
}

// MigrateDown rolls back the most recently applied migration. When nothing is left to roll
// back the error wraps goose.ErrNoNextVersion.
//
// It only ever rolls back the application's migrations: River's tables (schema
// notify.RiverSchema) stay, since River's schema does not depend on ours and queued jobs
// should survive a rollback. To remove River too, use River's CLI
// (river migrate-down --schema river --target-version -1) or rivermigrate.
func MigrateDown(ctx context.Context, dsn string, logger *slog.Logger) error {
	logger = orDiscard(logger)
	sqlDB, err := openSQL(dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()

	p, err := newSchemaProvider(sqlDB, logger, true)
	if err != nil {
		return err
	}
	res, err := p.Down(ctx)
	if err != nil {
		return fmt.Errorf("roll back migration: %w", err)
	}
	logger.InfoContext(ctx, "migration rolled back",
		slog.Int64("version", res.Source.Version),
		slog.String("source", path.Base(res.Source.Path)),
		slog.Duration("duration", res.Duration))
	return nil
}

// MigrationStatus prints each migration and whether it has been applied. It does not wait
// for a migration that another process is running: it shows what has been committed.
func MigrationStatus(ctx context.Context, dsn string, w io.Writer) error {
	sqlDB, err := openSQL(dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()

	p, err := newSchemaProvider(sqlDB, orDiscard(nil), false)
	if err != nil {
		return err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MIGRATION\tSTATE\tAPPLIED AT")
	for _, s := range statuses {
		applied := "-"
		if s.State == goose.StateApplied {
			applied = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", path.Base(s.Source.Path), s.State, applied)
	}
	return tw.Flush()
}

// migrateSchema applies the goose migrations embedded in package db.
func migrateSchema(ctx context.Context, sqlDB *sql.DB, logger *slog.Logger) error {
	p, err := newSchemaProvider(sqlDB, logger, true)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		// Report what did get applied before the failure: it is committed.
		results = partial.Applied
	}
	for _, r := range results {
		logger.InfoContext(ctx, "migration applied",
			slog.Int64("version", r.Source.Version),
			slog.String("source", path.Base(r.Source.Path)),
			slog.Duration("duration", r.Duration))
	}
	if err != nil {
		if partial != nil {
			return fmt.Errorf("apply migration %s: %w", path.Base(partial.Failed.Source.Path), partial.Err)
		}
		return fmt.Errorf("apply migrations: %w", err)
	}
	version, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	logger.InfoContext(ctx, "database schema up to date",
		slog.Int64("version", version), slog.Int("applied", len(results)))
	return nil
}

// newSchemaProvider builds a goose provider for the embedded migrations. With locked set,
// migrations run under goose's PostgreSQL advisory session lock.
func newSchemaProvider(sqlDB *sql.DB, logger *slog.Logger, locked bool) (*goose.Provider, error) {
	fsys, err := fs.Sub(db.Migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations directory: %w", err)
	}
	opts := []goose.ProviderOption{
		// Goose only logs when verbose; we log the results ourselves.
		goose.WithSlog(logger),
		// Go migrations registered globally by some dependency must never sneak in.
		goose.WithDisableGlobalRegistry(true),
	}
	if locked {
		locker, err := lock.NewPostgresSessionLocker(
			lock.WithLockTimeout(1, uint64(migrationLockWait/time.Second)),
		)
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migration provider: %w", err)
	}
	return p, nil
}

// openSQL opens a database/sql handle on pgx, which is what goose (and River's
// database/sql driver) work with.
func openSQL(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	return stdlib.OpenDB(*cfg), nil
}

func orDiscard(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return logger
}
