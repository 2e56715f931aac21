package postgres_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// meetingTotalsDiff compares the kept running totals with a rebuild from
// the meetings (EXCEPT ALL both ways).
func meetingTotalsDiff(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var missing, stale int
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT * FROM meeting_totals_from_meetings() EXCEPT ALL SELECT * FROM meeting_totals) x),
		(SELECT count(*) FROM (SELECT * FROM meeting_totals EXCEPT ALL SELECT * FROM meeting_totals_from_meetings()) x)`).
		Scan(&missing, &stale)
	if err != nil || missing+stale == 0 {
		return "", err
	}
	return fmt.Sprintf("meeting totals %d missing, %d stale", missing, stale), nil
}

// computedRollup is the roll-up as it was computed before it moved into
// SQL: every series' facts read and each report's pattern computed in Go
// (expected slots from the schedule package), summed per manager and sorted
// by SortRows. It is the oracle of the SQL roll-up.
func computedRollup(ctx context.Context, st *postgres.MeetingStore, org int64, root *int64, now time.Time, days int, sortBy string) ([]oneonone.ManagerRow, oneonone.Rollup, error) {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	w := oneonone.Window{From: today.AddDate(0, 0, 1-days), To: today.AddDate(0, 0, 1)}
	series, err := st.SeriesUnder(ctx, org, root)
	if err != nil {
		return nil, oneonone.Rollup{}, err
	}
	facts, err := st.Facts(ctx, org, series, w, today, false)
	if err != nil {
		return nil, oneonone.Rollup{}, err
	}
	var rows []oneonone.ManagerRow
	index := map[int64]int{}
	for i := range facts {
		p := oneonone.ComputePattern(facts[i], w, now)
		id := facts[i].Series.ManagerID
		k, ok := index[id]
		if !ok {
			k = len(rows)
			index[id] = k
			rows = append(rows, oneonone.ManagerRow{ManagerID: id, ManagerName: facts[i].Series.ManagerName})
		}
		rows[k].Rollup.Add(&p)
	}
	var total oneonone.Rollup
	for _, r := range rows {
		total.Merge(r.Rollup)
	}
	oneonone.SortRows(rows, sortBy)
	return rows, total, nil
}

// sqlRollup reads every page of the SQL roll-up, pageSize managers at a
// time, and checks each page's count and totals agree.
func sqlRollup(ctx context.Context, st *postgres.MeetingStore, org int64, root *int64, now time.Time, days int, sortBy string, pageSize int) ([]oneonone.ManagerRow, oneonone.Rollup, error) {
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	w := oneonone.Window{From: today.AddDate(0, 0, 1-days), To: today.AddDate(0, 0, 1)}
	var all []oneonone.ManagerRow
	var total oneonone.Rollup
	for off := 0; ; off += pageSize {
		res, err := st.RollupPage(ctx, org, root, oneonone.RollupQuery{Window: w, Today: today, Now: now, Sort: sortBy, Limit: pageSize, Offset: off})
		if err != nil {
			return nil, total, err
		}
		if off == 0 {
			total = res.Total
		} else if !sameRollup(res.Total, total) && len(res.Managers) > 0 {
			return nil, total, fmt.Errorf("page at %d has totals %+v, the first %+v", off, res.Total, total)
		}
		all = append(all, res.Managers...)
		if len(res.Managers) < pageSize {
			if res.ManagersTotal != len(all) {
				return nil, total, fmt.Errorf("count %d, pages held %d managers", res.ManagersTotal, len(all))
			}
			return all, total, nil
		}
	}
}

func sameRollup(a, b oneonone.Rollup) bool {
	pa, pb := a.PulseAvg, b.PulseAvg
	a.PulseAvg, b.PulseAvg = 0, 0
	return a == b && math.Abs(pa-pb) < 1e-9
}

// rollupDiff compares the SQL roll-up with the computed one for the whole
// organisation and under one leader, over every period and sort key.
func rollupDiff(ctx context.Context, st *postgres.MeetingStore, org int64, roots []*int64, now time.Time) (string, error) {
	for _, root := range roots {
		for _, days := range oneonone.Periods {
			for _, by := range []string{oneonone.SortName, oneonone.SortAdherence, oneonone.SortDrifting, oneonone.SortFollowThrough, oneonone.SortOverdue} {
				want, wantTotal, err := computedRollup(ctx, st, org, root, now, days, by)
				if err != nil {
					return "", err
				}
				got, gotTotal, err := sqlRollup(ctx, st, org, root, now, days, by, 2)
				if err != nil {
					return "", err
				}
				where := fmt.Sprintf("root %v, %d days, sort %s, now %s", root, days, by, now.Format(time.RFC3339))
				if root != nil {
					where = fmt.Sprintf("root %d, %d days, sort %s, now %s", *root, days, by, now.Format(time.RFC3339))
				}
				if !sameRollup(gotTotal, wantTotal) {
					return fmt.Sprintf("%s: totals %+v, computed %+v", where, gotTotal, wantTotal), nil
				}
				if len(got) != len(want) {
					return fmt.Sprintf("%s: %d managers, computed %d", where, len(got), len(want)), nil
				}
				for i := range want {
					if got[i].ManagerID != want[i].ManagerID || got[i].ManagerName != want[i].ManagerName || !sameRollup(got[i].Rollup, want[i].Rollup) {
						return fmt.Sprintf("%s: row %d is %+v, computed %+v", where, i, got[i], want[i]), nil
					}
				}
			}
		}
	}
	return "", nil
}

// After a random sequence of writes — meetings added, held, cancelled,
// moved across day and week boundaries, rescheduled, deleted, one at a time
// and in bulk; pulses set; series paused and resumed (through the store),
// ended, rescheduled to another cadence, weekday, time or time zone, handed
// to another manager; people moved between managers — the running totals
// kept by the triggers equal a rebuild, and the roll-up computed in SQL
// equals, figure for figure and row for row on every page, the roll-up
// computed in Go from the meetings, for every period and sort key.
func TestMeetingTotalsKeptOnWriteEqualRebuildAndRollupEqualsComputed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st := postgres.NewMeetingStore(pool)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Totals")
	leader := f.Person(t, org, testfx.PersonOpts{Name: "Lee Leader", Role: core.RoleLeader}).ID
	var managers, reports, series []int64
	for i := range 5 {
		mgr := leader
		if i > 1 {
			mgr = managers[i%2]
		}
		managers = append(managers, f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Manager %d", i), Role: core.RoleManager, ManagerID: mgr}).ID)
	}
	for i := range 12 {
		r := f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Report %d", i), ManagerID: managers[i%5]}).ID
		reports = append(reports, r)
		series = append(series, f.Series(t, org, managers[i%5], r, fmt.Sprintf("2025-%02d-%02d", 1+i%9, 1+i*2)))
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 35))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// Times around day and week boundaries are likelier than others.
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
	// Slot times stay out of the small hours when clocks change (see
	// series_slots_before).
	zones := []string{"UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo"}
	times := []string{"00:15", "08:00", "09:30", "13:00", "17:45", "23:30"}
	cadences := []string{"weekly", "biweekly", "monthly", "days"}
	pick := func(xs []int64) int64 { return xs[rnd.IntN(len(xs))] }
	try := func(sql string, args ...any) int64 {
		tag, err := pool.Exec(ctx, sql, args...)
		if err != nil {
			return 0
		}
		return tag.RowsAffected()
	}
	// Pauses go through the store, each series' clock moving forward.
	clock := map[int64]time.Time{}
	roots := []*int64{nil, &leader, &managers[1]}
	done := map[string]int64{}
	for step := range 400 {
		s := pick(series)
		var what string
		switch k := rnd.IntN(13); k {
		case 0, 1:
			what = "meeting added"
			done[what] += try(`INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status, pulse)
				VALUES ($1, $2, $3, 30, $4, $5)`, org, s, at(), statuses[rnd.IntN(5)], []any{nil, 1, 3, 5}[rnd.IntN(4)])
		case 2, 3:
			what = "meeting status set"
			done[what] += try(`UPDATE meetings SET status = $2, status_at = now()
				WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s, statuses[rnd.IntN(5)])
		case 4:
			what = "meeting moved"
			done[what] += try(`UPDATE meetings SET scheduled_at = scheduled_at + $2 * interval '1 minute'
				WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s, rnd.IntN(3*24*60)-24*60)
		case 5:
			what = "meeting rescheduled"
			var id int64
			var when time.Time
			if pool.QueryRow(ctx, `SELECT id, scheduled_at FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1`, s).Scan(&id, &when) == nil {
				done[what] += try(`WITH old AS (UPDATE meetings SET status = 'rescheduled' WHERE id = $1 RETURNING org_id, series_id)
					INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes) SELECT org_id, series_id, $2, 30 FROM old`,
					id, when.Add(time.Duration(rnd.IntN(72)+1)*time.Hour))
			}
		case 6:
			what = "pulse set"
			done[what] += try(`UPDATE meetings SET pulse = $2 WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`,
				s, []any{nil, 2, 4, 5}[rnd.IntN(4)])
		case 7:
			what = "meeting deleted"
			done[what] += try(`DELETE FROM meetings WHERE id = (SELECT id FROM meetings WHERE series_id = $1 ORDER BY random() LIMIT 1)`, s)
		case 8:
			what = "bulk: a series' scheduled meetings held, two weeks of daily meetings added, a month deleted"
			done[what] += try(`UPDATE meetings SET status = 'held', pulse = 3 WHERE series_id = $1 AND status = 'scheduled'`, s)
			done[what] += try(`INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status)
				SELECT $1, $2, $3::timestamptz + g * interval '1 day', 30, (ARRAY['held', 'cancelled'])[1 + g % 2]::meeting_status
				FROM generate_series(0, 13) g`, org, s, at())
			from := at()
			done[what] += try(`DELETE FROM meetings WHERE series_id = $1 AND scheduled_at >= $2 AND scheduled_at < $3`, s, from, from.AddDate(0, 1, 0))
		case 9:
			what = "series paused or resumed"
			c, ok := clock[s]
			if !ok {
				c = base.AddDate(0, 0, -400)
			}
			c = c.Add(time.Duration(rnd.IntN(60*24)+1) * time.Hour)
			clock[s] = c
			status := oneonone.SeriesPaused
			if rnd.IntN(2) == 0 {
				status = oneonone.SeriesActive
			}
			if err := st.SetSeriesStatus(ctx, org, leader, s, status, c); err == nil {
				done[what]++
			}
		case 10:
			what = "series schedule changed"
			done[what] += try(`UPDATE oneonone_series SET cadence = $2, interval_days = $3, weekday = $4, start_time = $5, time_zone = $6,
				starts_on = $7 WHERE id = $1`, s, cadences[rnd.IntN(4)], 1+rnd.IntN(40), rnd.IntN(7), times[rnd.IntN(len(times))],
				zones[rnd.IntN(len(zones))], base.AddDate(0, 0, rnd.IntN(500)-450).Format(time.DateOnly))
		case 11:
			what = "series ended or handed over"
			if rnd.IntN(4) == 0 {
				done[what] += try(`UPDATE oneonone_series SET status = 'ended', ended_at = $2 WHERE id = $1`, s, at())
			} else {
				done[what] += try(`UPDATE oneonone_series SET manager_id = $2 WHERE id = $1`, s, pick(managers))
			}
		case 12:
			what = "person moved"
			done[what] += try(`UPDATE users SET manager_id = $2 WHERE id = $1`, pick(append(reports, managers[2:]...)), pick(managers))
		}
		if step%40 == 39 || step == 399 {
			if d, err := meetingTotalsDiff(ctx, pool); err != nil || d != "" {
				t.Fatalf("seed %d, after step %d (%s): %s %v", seed, step, what, d, err)
			}
			now := base.AddDate(0, 0, rnd.IntN(60)-30).Add(time.Duration(rnd.IntN(24*60)) * time.Minute)
			if d, err := rollupDiff(ctx, st, org, roots, now); err != nil || d != "" {
				t.Fatalf("seed %d, after step %d (%s): %s %v", seed, step, what, d, err)
			}
		}
	}
	for what, n := range done {
		t.Logf("%s: %d rows", what, n)
	}
	if len(done) < 11 {
		t.Fatalf("only %d kinds of write changed anything: %v", len(done), done)
	}
	var held, expected int
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(held), 0) FROM meeting_totals`).Scan(&held); err != nil || held == 0 {
		t.Fatalf("no held meetings kept (%v)", err)
	}
	rows, _, err := sqlRollup(ctx, st, org, nil, base, 365, oneonone.SortName, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		expected += r.Rollup.Adherence.Den
	}
	if expected == 0 {
		t.Fatal("no expected 1:1s in a year: the comparison proved nothing")
	}
	missing, stale, err := st.RebuildCheckinTallies(ctx)
	if err != nil || missing != 0 || stale != 0 {
		t.Fatalf("rebuild after churn: %d missing, %d stale, %v; want 0, 0", missing, stale, err)
	}
}

// The comparison catches running totals that miss a write (here: a meeting
// marked held that the trigger no longer sees), and the rebuild repairs
// them.
func TestMeetingTotalsCheckCatchesAMissedWriteAndRebuildRepairs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	f := testfx.Factory{Pool: pool}
	org := f.Org(t, "Totals")
	mgr := f.Person(t, org, testfx.PersonOpts{Role: core.RoleManager}).ID
	rep := f.Person(t, org, testfx.PersonOpts{ManagerID: mgr}).ID
	s := f.Series(t, org, mgr, rep, "2026-01-05")
	f.Meeting(t, org, s, "2026-02-03T10:00:00Z", "held")
	m := f.Meeting(t, org, s, "2026-02-10T10:00:00Z", "scheduled")
	f.Meeting(t, org, s, "2026-02-17T10:00:00Z", "held")
	if d, err := meetingTotalsDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("before: %s %v", d, err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE meetings DISABLE TRIGGER meetings_totals_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE meetings SET status = 'held' WHERE id = $1`, m); err != nil {
		t.Fatal(err)
	}
	if d, err := meetingTotalsDiff(ctx, pool); err != nil || d == "" {
		t.Fatalf("a missed status change went unnoticed (%v)", err)
	}
	st := postgres.NewMeetingStore(pool)
	if d, err := rollupDiff(ctx, st, org, []*int64{nil}, time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)); err != nil || d == "" {
		t.Fatalf("the roll-up from stale totals equals the computed one (%v)", err)
	}
	// The day's row and the next day's running totals were wrong.
	missing, stale, err := st.RebuildCheckinTallies(ctx)
	if err != nil || missing != 2 || stale != 2 {
		t.Fatalf("rebuild: %d missing, %d stale, %v; want 2, 2", missing, stale, err)
	}
	if d, err := meetingTotalsDiff(ctx, pool); err != nil || d != "" {
		t.Fatalf("after rebuild: %s %v", d, err)
	}
	if d, err := rollupDiff(ctx, st, org, []*int64{nil}, time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)); err != nil || d != "" {
		t.Fatalf("after rebuild: %s %v", d, err)
	}
}

// series_slots_before counts a schedule's slots before an instant as the
// schedule package does, for every cadence, weekday, start date and time
// zone (slot times out of the small hours when clocks change).
func TestSeriesSlotsBeforeCountsAsTheSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, testdb.NewDatabase(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 36))
	zones := []string{"UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo"}
	cadences := []oneonone.Cadence{oneonone.Weekly, oneonone.Biweekly, oneonone.Monthly, oneonone.EveryN}
	hours := []int{0, 8, 9, 13, 17, 23}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		zone := zones[rnd.IntN(len(zones))]
		loc, err := core.Location(zone)
		if err != nil {
			t.Fatal(err)
		}
		starts := base.AddDate(0, 0, rnd.IntN(900)-700)
		r := oneonone.Rule{Cadence: cadences[rnd.IntN(4)], IntervalDays: 1 + rnd.IntN(92), Weekday: time.Weekday(rnd.IntN(7)),
			Hour: hours[rnd.IntN(len(hours))], Minute: []int{0, 15, 30, 45}[rnd.IntN(4)], Location: loc, StartsOn: starts}
		at := base.AddDate(0, 0, rnd.IntN(900)-750).Add(time.Duration(rnd.IntN(24*60)) * time.Minute)
		if rnd.IntN(2) == 0 {
			at = at.Truncate(24 * time.Hour)
		}
		want := r.Count(starts.AddDate(0, 0, -40), at)
		var got int
		if err := pool.QueryRow(ctx, `SELECT series_slots_before($1::cadence, $2, $3::smallint, make_time($4, $5, 0), $6, $7::date, $8)`,
			string(r.Cadence), r.IntervalDays, int(r.Weekday), r.Hour, r.Minute, zone, starts.Format(time.DateOnly), at).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("case %d: %s every %d, %s %02d:%02d %s from %s: %d slots before %s, schedule says %d",
				i, r.Cadence, r.IntervalDays, r.Weekday, r.Hour, r.Minute, zone, starts.Format(time.DateOnly), got, at.Format(time.RFC3339), want)
		}
	}
}
