package testdb

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StaleAfter is how old a test database must be before Sweep may drop it: a
// test binary that old has been killed by go test's default -timeout (10m)
// long ago, so another run on the same server is not still about to use it.
const StaleAfter = 30 * time.Minute

// Sweep drops the test databases (rapport_test_*) that runs which crashed or
// were killed left on the server at dsn (TEST_DATABASE_URL's form): those
// created before cutoff that nobody is connected to. It returns their names.
// A database's creation time is that of its PG_VERSION file, which needs a
// superuser (or pg_read_server_files); without it nothing is swept.
func Sweep(ctx context.Context, dsn string, cutoff time.Time) ([]string, error) {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	return sweep(ctx, conn, testPrefix, cutoff)
}

func sweep(ctx context.Context, conn *pgx.Conn, prefix string, cutoff time.Time) ([]string, error) {
	rows, err := conn.Query(ctx, `
		SELECT datname FROM pg_database
		WHERE starts_with(datname, $1)
		  AND (pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification < $2
		ORDER BY datname`, prefix, cutoff)
	if err != nil {
		return nil, fmt.Errorf("list stale test databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list stale test databases: %w", err)
	}
	var dropped []string
	for _, name := range names {
		// Without FORCE, PostgreSQL refuses to drop a database someone is
		// connected to: that is the "not in use" check, free of races.
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quote(name))
		if isCode(err, codeObjectInUse) {
			continue
		}
		if err != nil {
			return dropped, fmt.Errorf("drop stale test database %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
}
