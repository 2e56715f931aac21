package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testdb"
)

func TestRebuildReadModelsRepairsTheCheckinAndKudoTallies(t *testing.T) {
	db := testdb.NewDatabase(t)
	t.Setenv("DATABASE_URL", db)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A series with an open action, then its tally changed behind the
	// triggers' back.
	if _, err := conn.Exec(ctx, `
		WITH o AS (INSERT INTO orgs (name) VALUES ('Tallies') RETURNING id),
		b AS (INSERT INTO users (org_id, email, name) SELECT id, 'boss@example.com', 'Boss' FROM o RETURNING id, org_id),
		r AS (INSERT INTO users (org_id, email, name, manager_id) SELECT org_id, 'report@example.com', 'Report', id FROM b RETURNING id, org_id, manager_id),
		s AS (INSERT INTO oneonone_series (org_id, manager_id, report_id, cadence, interval_days, weekday, start_time, duration_minutes, time_zone, starts_on)
		      SELECT org_id, manager_id, id, 'weekly', 7, 2, '10:00', 30, 'UTC', '2026-01-05' FROM r RETURNING id, org_id),
		m AS (INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status)
		      SELECT org_id, id, '2026-02-03T10:00:00Z', 30, 'held' FROM s RETURNING id, org_id, series_id)
		INSERT INTO action_items (org_id, meeting_id, series_id, owner_id, created_by, body, due_on)
		SELECT m.org_id, m.id, m.series_id, r.id, r.id, 'Send notes', '2026-02-05' FROM m, r`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE action_tallies SET open = 0`); err != nil {
		t.Fatal(err)
	}
	// An organisation-wide kudo from the boss to the report, whose tally
	// is lost.
	if _, err := conn.Exec(ctx, `
		WITH k AS (INSERT INTO kudos (org_id, author_id, did, impact, idem_key)
		      SELECT org_id, id, 'Did', 'Impact', 'k1' FROM users WHERE email = 'boss@example.com' RETURNING id, org_id)
		INSERT INTO kudo_recipients (org_id, kudo_id, user_id)
		SELECT k.org_id, k.id, u.id FROM k, users u WHERE u.email = 'report@example.com'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM kudo_tallies`); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"rebuild-readmodels"}, nil, &out, &errOut); err != nil {
		t.Fatalf("rebuild-readmodels: %v\n%s", err, errOut.String())
	}
	if got := out.String(); !strings.Contains(got, "check-in tallies: rebuilt (1 rows were missing, 1 were stale)") ||
		!strings.Contains(got, "kudo tallies: rebuilt (1 rows were missing, 0 were stale)") {
		t.Fatalf("first run printed %q", got)
	}
	var kudos int
	if err := conn.QueryRow(ctx, `SELECT sum(kudos) FROM kudo_tallies`).Scan(&kudos); err != nil || kudos != 1 {
		t.Fatalf("%d kudos in the tallies after the rebuild (%v), want 1", kudos, err)
	}
	var open int
	if err := conn.QueryRow(ctx, `SELECT open FROM action_tallies`).Scan(&open); err != nil || open != 1 {
		t.Fatalf("%d open actions after the rebuild (%v), want 1", open, err)
	}
	out.Reset()
	if err := run(ctx, []string{"rebuild-readmodels"}, nil, &out, &errOut); err != nil ||
		!strings.Contains(out.String(), "check-in tallies: up to date") || !strings.Contains(out.String(), "kudo tallies: up to date") {
		t.Fatalf("second run: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"rebuild-readmodels", "extra"}, nil, &out, &errOut); err == nil {
		t.Fatal("rebuild-readmodels accepted an argument")
	}
}
