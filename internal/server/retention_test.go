package server_test

import (
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/notify"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// The retention job deletes finished webhook deliveries, sent outbox
// messages and audit entries older than their retention, and keeps those
// an hour younger than it and what still waits to go out, however old; more
// rows than one batch go in one run.
func TestRetentionPrunesJustOutsideTheLimit(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	// A database of its own: the job prunes every organisation's rows.
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{Clock: core.FixedClock{T: now}})
	f := ta.F
	ctx := t.Context()
	org := f.Org(t, "Retention Org")
	p := f.Person(t, org, testfx.PersonOpts{Name: "Ret Person"})
	team := f.Team(t, org, "Kept", p.ID)
	keep := map[string]time.Duration{"webhook deliveries": 30 * 24 * time.Hour, "outbox": 90 * 24 * time.Hour, "audit log": 400 * 24 * time.Hour, "notifications": 180 * 24 * time.Hour}
	for i := range ta.Notifier.Prunes {
		k, ok := keep[ta.Notifier.Prunes[i].Name]
		if !ok {
			t.Fatalf("unexpected prune %q", ta.Notifier.Prunes[i].Name)
		}
		ta.Notifier.Prunes[i].Keep = k
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := ta.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("DELETE FROM audit_log")
	for name, k := range keep {
		inside, outside := now.Add(-k+time.Hour), now.Add(-k-time.Hour)
		switch name {
		case "webhook deliveries":
			for _, at := range []time.Time{inside, outside} {
				exec("INSERT INTO webhook_deliveries (org_id, team_id, kind, status, created_at) VALUES ($1, $2, 'ritual_reminder', 'delivered', $3)", org, team, at)
			}
			exec("INSERT INTO webhook_deliveries (org_id, team_id, kind, status, created_at) VALUES ($1, $2, 'ritual_reminder', 'pending', $3)", org, team, outside)
		case "outbox":
			for _, at := range []time.Time{inside, outside} {
				exec("INSERT INTO outbox (org_id, kind, to_name, to_addr, subject, text_body, html_body, state, sent_at, created_at) VALUES ($1, 'reset', 'R', 'r@example.com', 'S', 't', 'h', 'sent', $2, $2)", org, at)
			}
			exec("INSERT INTO outbox (org_id, kind, to_name, to_addr, subject, text_body, html_body, created_at) VALUES ($1, 'reset', 'R', 'r@example.com', 'S', 't', 'h', $2)", org, outside)
		case "audit log":
			exec("INSERT INTO audit_log (org_id, action, subject, created_at) VALUES ($1, 'person.update', 'inside', $2)", org, inside)
			// More than a batch, each an hour or more past the limit.
			exec("INSERT INTO audit_log (org_id, action, subject, created_at) SELECT $1, 'person.update', 'outside', $2::timestamptz - i * interval '1 minute' FROM generate_series(0, $3::int) i",
				org, outside, notify.PruneBatch+200)
		case "notifications":
			for _, at := range []time.Time{inside, outside} {
				exec("INSERT INTO notifications (org_id, user_id, kind, title, path, created_at) VALUES ($1, $2, 'kudo_received', 'A kudo', '/kudos', $3)", org, p.ID, at)
			}
		}
	}
	gone, err := ta.Notifier.PruneOld(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"webhook deliveries": 1, "outbox": 1, "audit log": notify.PruneBatch + 201, "notifications": 1}
	for name, n := range want {
		if gone[name] != n {
			t.Errorf("%s: %d pruned, want %d", name, gone[name], n)
		}
	}
	for _, c := range []struct {
		what, sql string
		want      int
	}{
		{"deliveries kept: the younger and the pending", "SELECT count(*) FROM webhook_deliveries WHERE org_id = $1", 2},
		{"pending delivery kept", "SELECT count(*) FROM webhook_deliveries WHERE org_id = $1 AND status = 'pending'", 1},
		{"messages kept: the younger and the queued", "SELECT count(*) FROM outbox WHERE org_id = $1", 2},
		{"queued message kept", "SELECT count(*) FROM outbox WHERE org_id = $1 AND state = 'queued'", 1},
		{"audit kept", "SELECT count(*) FROM audit_log WHERE org_id = $1 AND subject = 'inside'", 1},
		{"audit pruned", "SELECT count(*) FROM audit_log WHERE org_id = $1 AND subject = 'outside'", 0},
		{"notifications kept: the younger", "SELECT count(*) FROM notifications WHERE org_id = $1", 1},
	} {
		if got := f.Count(t, c.sql, org); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	// A second run finds nothing more; a zero retention keeps everything.
	for i := range ta.Notifier.Prunes {
		ta.Notifier.Prunes[i].Keep = 0
	}
	exec("UPDATE audit_log SET created_at = now() - interval '10 years'")
	if gone, err := ta.Notifier.PruneOld(ctx); err != nil || len(gone) != 0 {
		t.Errorf("with retention off: %v %v", gone, err)
	}
}
