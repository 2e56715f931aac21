package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/postgres/dbq"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// tallyDiff compares the kept action tallies with a rebuild from the
// actions (EXCEPT ALL both ways).
func tallyDiff(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var missing, stale int
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT * FROM action_tallies_from_actions() EXCEPT ALL SELECT * FROM action_tallies) x),
		(SELECT count(*) FROM (SELECT * FROM action_tallies EXCEPT ALL SELECT * FROM action_tallies_from_actions()) x)`).
		Scan(&missing, &stale)
	if err != nil || missing+stale == 0 {
		return "", err
	}
	return fmt.Sprintf("action tallies %d missing, %d stale", missing, stale), nil
}

// figuresDiff compares, for every series of the organisation and each
// period ending on now's day, the action counts (due, done on time, open,
// overdue) read from the tallies with those the query over the actions
// computes (the oracle).
func figuresDiff(ctx context.Context, pool *pgxpool.Pool, org int64, now time.Time) (string, error) {
	q := dbq.New()
	var ids []int64
	rows, err := pool.Query(ctx, `SELECT id FROM oneonone_series WHERE org_id = $1`, org)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	to := today.AddDate(0, 0, 1)
	for _, days := range []int{30, 90, 180, 365} {
		from := to.AddDate(0, 0, -days)
		oldA, err := q.ActionStats(ctx, pool, dbq.ActionStatsParams{OrgID: org, SeriesIds: ids, FromDate: from, ToDate: to, Today: today})
		if err != nil {
			return "", err
		}
		keptA, err := q.ActionTallyStats(ctx, pool, dbq.ActionTallyStatsParams{OrgID: org, SeriesIds: ids, FromDate: from, ToDate: to, Today: today})
		if err != nil {
			return "", err
		}
		// A series with nothing due and nothing open has no row in the
		// oracle; the tallies may list it with zeros.
		wantA := map[int64]string{}
		for _, r := range oldA {
			wantA[r.SeriesID] = fmt.Sprint(r.Due, r.DoneOnTime, r.Open, r.Overdue)
		}
		for _, r := range keptA {
			got := fmt.Sprint(r.Due, r.DoneOnTime, r.Open, r.Overdue)
			w, ok := wantA[r.SeriesID]
			if !ok {
				w = "0 0 0 0"
			}
			if got != w {
				return fmt.Sprintf("%d days, series %d: actions from tallies %s, from actions %s", days, r.SeriesID, got, w), nil
			}
			delete(wantA, r.SeriesID)
		}
		for id, w := range wantA {
			return fmt.Sprintf("%d days, series %d: no action tallies, from actions %s", days, id, w), nil
		}
	}
	return "", nil
}

// After a random sequence of writes — actions added, completed on time or
// late, reopened, moved across due dates and deleted, alone or with their
// meeting; meetings added, held, cancelled, moved, rescheduled, one at a
// time and in bulk; series paused, ended and handed to another manager;
// people moved between managers — the tallies kept by the triggers equal a
// rebuild, and every period's action figures read from them, on days around
// due dates, equal those computed from the actions.
func TestCheckinTalliesKeptOnWriteEqualRebuildAndRawFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Tallies")
	var managers, reports, series []int64
	for i := range 3 {
		managers = append(managers, f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Manager %d", i), Role: core.RoleManager}).ID)
	}
	for i := range 8 {
		r := f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Report %d", i), ManagerID: managers[i%3]}).ID
		reports = append(reports, r)
		series = append(series, f.Series(t, org, managers[i%3], r, "2025-01-06"))
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 23))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// Times around slot, day and week boundaries are likelier than others.
	at := func() time.Time {
		d := base.AddDate(0, 0, rnd.IntN(500)-420)
		switch rnd.IntN(3) {
		case 0:
			return d.Add(time.Duration(rnd.IntN(3)-1) * time.Second)
		case 1:
			return d.Add(12*time.Hour + time.Duration(rnd.IntN(3)-1)*time.Second)
		}
		return d.Add(time.Duration(rnd.IntN(24*60)) * time.Minute)
	}
	statuses := []string{"scheduled", "held", "cancelled", "rescheduled", "missed"}
	pick := func(xs []int64) int64 { return xs[rnd.IntN(len(xs))] }
	who := func(s int64) any {
		switch rnd.IntN(4) {
		case 0:
			return nil
		case 1:
			return pick(reports)
		}
		var m int64
		if err := pool.QueryRow(ctx, `SELECT manager_id FROM oneonone_series WHERE id = $1`, s).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Writes that break a constraint (two meetings at one time, two live
	// series for a pair) are refused and change nothing; that is fine.
	try := func(sql string, args ...any) int64 {
		tag, err := pool.Exec(ctx, sql, args...)
		if err != nil {
			return 0
		}
		return tag.RowsAffected()
	}
	done := map[string]int64{}
	for step := range 600 {
		s := pick(series)
		var what string
		switch k := rnd.IntN(14); k {
		case 0, 1:
			what = "meeting added"
			done[what] += try(`INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status, status_by, pulse)
				VALUES ($1, $2, $3, 30, $4, $5, $6)`, org, s, at(), statuses[rnd.IntN(5)], who(s), []any{nil, 1, 3, 5}[rnd.IntN(4)])
		case 2, 3:
			what = "meeting status set"
			done[what] += try(`UPDATE meetings SET status = $2, status_by = $3, status_at = now()
				WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s, statuses[rnd.IntN(5)], who(s))
		case 4:
			what = "meeting moved"
			done[what] += try(`UPDATE meetings SET scheduled_at = scheduled_at + $2 * interval '1 minute'
				WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s, rnd.IntN(3*24*60)-24*60)
		case 5:
			what = "meeting rescheduled"
			var id int64
			var when time.Time
			if pool.QueryRow(ctx, `SELECT id, scheduled_at FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1`, s).Scan(&id, &when) == nil {
				done[what] += try(`WITH old AS (UPDATE meetings SET status = 'rescheduled', status_by = $3 WHERE id = $1 RETURNING org_id, series_id)
					INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes) SELECT org_id, series_id, $2, 30 FROM old`,
					id, when.Add(time.Duration(rnd.IntN(72)+1)*time.Hour), who(s))
			}
		case 6:
			what = "pulse set"
			done[what] += try(`UPDATE meetings SET pulse = $2 WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`,
				s, []any{nil, 2, 4, 5}[rnd.IntN(4)])
		case 7:
			what = "meeting deleted (with its actions)"
			done[what] += try(`DELETE FROM meetings WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s)
		case 8, 9:
			what = "action added"
			due := at()
			var doneAt any
			if rnd.IntN(2) == 0 {
				doneAt = due.Add(time.Duration(rnd.IntN(96)-48) * time.Hour)
			}
			done[what] += try(`INSERT INTO action_items (org_id, meeting_id, series_id, owner_id, created_by, body, due_on, done_at)
				SELECT org_id, id, series_id, $2, $2, 'Follow up', $3::timestamptz::date, $4 FROM meetings
				WHERE series_id = $1 ORDER BY random() LIMIT 1`, s, pick(reports), due, doneAt)
		case 10:
			what = "action completed, reopened or moved"
			done[what] += try(`UPDATE action_items SET
				done_at = CASE $2::int WHEN 0 THEN NULL WHEN 1 THEN due_on + interval '23 hours 59 minutes' ELSE due_on + interval '1 day' END,
				due_on = due_on + $3::int
				WHERE id = (SELECT id FROM action_items WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s, rnd.IntN(3), rnd.IntN(3)-1)
		case 11:
			what = "action deleted"
			done[what] += try(`DELETE FROM action_items WHERE id = (SELECT id FROM action_items WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s)
		case 12:
			what = "bulk: every scheduled meeting of a series held, two weeks of meetings added"
			done[what] += try(`UPDATE meetings SET status = 'held', pulse = 3 WHERE series_id = $1 AND status = 'scheduled'`, s)
			done[what] += try(`INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status, status_by)
				SELECT $1, $2, $3::timestamptz + g * interval '1 day', 30, 'cancelled', $4 FROM generate_series(0, 13) g`, org, s, at(), who(s))
		case 13:
			what = "series paused, resumed, ended or reassigned; person moved"
			switch rnd.IntN(4) {
			case 0:
				done[what] += try(`UPDATE oneonone_series SET status = $2, ended_at = CASE WHEN $2 = 'ended' THEN now() END WHERE id = $1`,
					s, []string{"active", "paused", "ended"}[rnd.IntN(3)])
			case 1:
				done[what] += try(`UPDATE oneonone_series SET manager_id = $2 WHERE id = $1`, s, pick(managers))
			default:
				done[what] += try(`UPDATE users SET manager_id = $2 WHERE id = $1`, pick(reports), pick(managers))
			}
		}
		if step%50 == 49 || step == 599 {
			if d, err := tallyDiff(ctx, pool); err != nil || d != "" {
				t.Fatalf("seed %d, after step %d (%s): %s %v", seed, step, what, d, err)
			}
			now := base.AddDate(0, 0, rnd.IntN(60)-30).Add(time.Duration(rnd.IntN(24)) * time.Hour)
			if d, err := figuresDiff(ctx, pool, org, now); err != nil || d != "" {
				t.Fatalf("seed %d, after step %d (%s), now %s: %s %v", seed, step, what, now, d, err)
			}
		}
	}
	for what, n := range done {
		t.Logf("%s: %d rows", what, n)
	}
	if len(done) < 11 {
		t.Fatalf("only %d kinds of write changed anything: %v", len(done), done)
	}
	var actions, open, onTime int
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(actions), 0), coalesce(sum(open), 0), coalesce(sum(done_on_time), 0)
		FROM action_tallies`).Scan(&actions, &open, &onTime); err != nil || open == 0 || onTime == 0 || open+onTime == actions {
		t.Fatalf("tallies hold %d actions, %d open, %d done on time (%v); want some open, on time and late", actions, open, onTime, err)
	}
	missing, stale, err := postgres.NewMeetingStore(pool).RebuildCheckinTallies(ctx)
	if err != nil || missing != 0 || stale != 0 {
		t.Fatalf("rebuild after churn: %d missing, %d stale, %v; want 0, 0", missing, stale, err)
	}
}

// The comparison catches tallies that miss a write (here: an action done
// that the trigger no longer sees), and the rebuild repairs them.
func TestCheckinTalliesCheckCatchesAMissedWriteAndRebuildRepairs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Tallies")
	mgr := f.Person(t, org, testfx.PersonOpts{Role: core.RoleManager}).ID
	rep := f.Person(t, org, testfx.PersonOpts{ManagerID: mgr}).ID
	s := f.Series(t, org, mgr, rep, "2026-01-05")
	m := f.Meeting(t, org, s, "2026-02-03T10:00:00Z", "held")
	a := f.Action(t, org, m, rep, "Send notes", "2026-02-05", nil)
	if d, err := tallyDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("before: %s %v", d, err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE action_items DISABLE TRIGGER action_items_tallies_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE action_items SET done_at = '2026-02-04T16:00:00Z' WHERE id = $1`, a); err != nil {
		t.Fatal(err)
	}
	d, err := tallyDiff(ctx, pool)
	if err != nil || d == "" {
		t.Fatalf("a missed status change went unnoticed (%v)", err)
	}
	if d, err := figuresDiff(ctx, pool, org, time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)); err != nil || d == "" {
		t.Fatalf("figures from stale tallies equal the raw figures (%v)", err)
	}
	missing, stale, err := postgres.NewMeetingStore(pool).RebuildCheckinTallies(ctx)
	if err != nil || missing != 1 || stale != 1 {
		t.Fatalf("rebuild: %d missing, %d stale, %v; want 1, 1", missing, stale, err)
	}
	if d, err := tallyDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("after rebuild: %s %v", d, err)
	}
}
