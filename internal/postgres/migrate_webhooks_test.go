package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

// The webhook-secrets migration keeps plain-text addresses (the application
// seals them at start), fills in their host, and turns stored transport errors
// into failure classes.
func TestWebhookSecretsMigrationKeepsAddressesAndClassifiesErrors(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.EmptyDatabase(t)
	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatal(err)
	}
	// Back to before 00015, however many migrations came after it.
	for sealed := true; sealed; {
		if err := postgres.MigrateDown(ctx, dsn, nil); err != nil {
			t.Fatal(err)
		}
		sealed = query[bool](t, dsn, "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'team_webhooks' AND column_name = 'url_sealed')")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var org, team int64
	if err := conn.QueryRow(ctx, "INSERT INTO orgs (name) VALUES ('Acme') RETURNING id").Scan(&org); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "INSERT INTO teams (org_id, name) VALUES ($1, 'Ops') RETURNING id", org).Scan(&team); err != nil {
		t.Fatal(err)
	}
	exec("INSERT INTO team_webhooks (org_id, team_id, url) VALUES ($1, $2, 'https://Chat.Example.com:8443/hooks/abcdef')", org, team)
	for _, e := range []struct{ status, err string }{
		{"pending", "dial tcp 10.0.0.5:22: connect: connection refused"},
		{"failed", "HTTP 500: <html>internal admin console</html>"},
		{"failed", "no answer within 5s"},
		{"skipped", "The team's webhook was removed."},
		{"delivered", ""},
	} {
		exec("INSERT INTO webhook_deliveries (org_id, team_id, kind, status, last_error) VALUES ($1, $2, 'ritual_reminder', $3, $4)",
			org, team, e.status, e.err)
	}
	conn.Close(ctx)

	if err := postgres.Migrate(ctx, dsn, nil); err != nil {
		t.Fatal(err)
	}
	if got := query[string](t, dsn, "SELECT url || ' ' || url_host FROM team_webhooks"); got != "https://Chat.Example.com:8443/hooks/abcdef chat.example.com:8443" {
		t.Errorf("after migrating, the webhook row is %q", got)
	}
	want := "|HTTP 500|The team's webhook was removed.|connection failed|timed out"
	if got := query[string](t, dsn, "SELECT string_agg(last_error, '|' ORDER BY last_error) FROM webhook_deliveries"); got != want {
		t.Errorf("last errors %q, want %q", got, want)
	}
}
