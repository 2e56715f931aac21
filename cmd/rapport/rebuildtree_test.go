package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testdb"
)

func TestRebuildTreeRepairsTheKeptReportingTree(t *testing.T) {
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A boss with a report, then a line removed and a wrong one added
	// behind the triggers' back.
	if _, err := conn.Exec(ctx, `
		WITH o AS (INSERT INTO orgs (name) VALUES ('Tree') RETURNING id),
		b AS (INSERT INTO users (org_id, email, name) SELECT id, 'boss@example.com', 'Boss' FROM o RETURNING id, org_id)
		INSERT INTO users (org_id, email, name, manager_id) SELECT org_id, 'report@example.com', 'Report', id FROM b`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM reporting_lines WHERE depth = 1;
		INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
		SELECT org_id, id, id + 1000, 1 FROM users WHERE email = 'boss@example.com'`); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"rebuild-tree"}, nil, &out, &errOut); err != nil {
		t.Fatalf("rebuild-tree: %v\n%s", err, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "rebuilt (1 rows were missing, 1 were stale)") {
		t.Fatalf("first run printed %q", got)
	}
	var reports int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM users b, reports_under(b.org_id, b.id) WHERE b.email = 'boss@example.com'`).Scan(&reports); err != nil || reports != 1 {
		t.Fatalf("boss has %d reports after the rebuild (%v), want 1", reports, err)
	}
	out.Reset()
	if err := run(ctx, []string{"rebuild-tree"}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "up to date") {
		t.Fatalf("second run: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"rebuild-tree", "extra"}, nil, &out, &errOut); err == nil {
		t.Fatal("rebuild-tree accepted an argument")
	}
}
