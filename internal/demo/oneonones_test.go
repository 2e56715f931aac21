package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/oneonone"
)

// fixedNow is a Thursday afternoon; the history runs up to it.
var fixedNow = time.Date(2026, 3, 12, 15, 20, 0, 0, time.UTC)

func historyOptions(domain string) Options {
	return Options{People: 60, Seed: 11, Months: 12, Now: fixedNow, Password: testPassword, Domain: domain}
}

func TestHistoryOptions(t *testing.T) {
	t.Parallel()
	o := Options{People: 60, Password: testPassword}
	if err := o.normalise(); err != nil {
		t.Fatal(err)
	}
	if o.Months != DefaultMonths || o.Now.IsZero() {
		t.Errorf("defaults: months %d, now %v", o.Months, o.Now)
	}
	for _, m := range []int{-1, MaxMonths + 1} {
		o := Options{People: 60, Password: testPassword, Months: m}
		if err := o.normalise(); err == nil || !strings.Contains(err.Error(), "months") {
			t.Errorf("Months %d: %v, want an error", m, err)
		}
	}
	o = Options{People: 60, Password: testPassword, Months: MaxMonths}
	if err := o.normalise(); err != nil {
		t.Errorf("Months %d: %v", MaxMonths, err)
	}
}

func TestHistoryPlanDeterministic(t *testing.T) {
	t.Parallel()
	opts := historyOptions(DefaultDomain)
	if err := opts.normalise(); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"trust": true, "listening": true, "rapport": true}
	qs := []string{"What would make a good week for you?"}
	a := buildHistory(opts, buildPlan(opts), qs, keys)
	b := buildHistory(opts, buildPlan(opts), qs, keys)
	if fa, fb := fingerprint(a), fingerprint(b); fa != fb || len(a.meetings) == 0 {
		t.Fatal("same seed and time gave different histories")
	}
	opts.Seed++
	if c := buildHistory(opts, buildPlan(opts), qs, keys); fingerprint(a) == fingerprint(c) {
		t.Fatal("different seeds gave the same history")
	}
	for _, o := range a.observations {
		if !keys[o.key] {
			t.Fatalf("observation on unknown competency %q", o.key)
		}
	}
	for _, tmpl := range [][]string{reportAgenda, managerAgenda, noteLines, reportActions, managerActions, managerPrivate, reportPrivate} {
		for _, s := range tmpl {
			if strings.HasPrefix(s, "{p}") || strings.Count(s, "{") != strings.Count(s, "}") {
				t.Errorf("template %q", s)
			}
		}
	}
	if len(reportAgenda)+len(managerAgenda) < 60 || len(noteLines) < 40 || len(observations) < 30 {
		t.Errorf("too few templates")
	}
}

// fingerprint hashes a history with its times in UTC.
func fingerprint(h *history) string {
	d := sha256.New()
	for _, s := range h.series {
		fmt.Fprintln(d, s.manager, s.report, s.cadence, s.weekday, s.hour, s.minute, s.duration, s.zone,
			s.startsOn.UTC(), s.status, s.endedAt.UTC(), s.createdAt.UTC())
	}
	for _, p := range h.pauses {
		fmt.Fprintln(d, p.series, p.from.UTC(), p.resumed.UTC())
	}
	for _, m := range h.meetings {
		fmt.Fprintln(d, m.series, m.at.UTC(), m.status, m.statusBy, m.statusAt.UTC(), m.pulse, m.word, m.balance, m.notes, m.createdAt.UTC())
	}
	for _, a := range h.agenda {
		fmt.Fprintln(d, a.meeting, a.author, a.body, a.position, a.done, a.carried, a.createdAt.UTC())
	}
	for _, a := range h.actions {
		fmt.Fprintln(d, a.meeting, a.owner, a.createdBy, a.body, a.due.UTC(), a.doneAt.UTC(), a.createdAt.UTC())
	}
	for _, n := range h.notes {
		fmt.Fprintln(d, n.meeting, n.author, n.body, n.at.UTC())
	}
	for _, o := range h.observations {
		fmt.Fprintln(d, o.meeting, o.author, o.subject, o.key, o.note, o.at.UTC())
	}
	return hex.EncodeToString(d.Sum(nil))
}

// TestSeedHistory checks the 1:1 history of a small organisation against the
// database. TestSeedIsDeterministic checks that the same seed gives the same
// history.
func TestSeedHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, res := sharedOrg(t)
	t.Logf("60 people, 12 months: %d series, %d meetings, %d agenda items, %d actions, %d private notes, %d observations, %d pauses in %v",
		res.Series, res.Meetings, res.AgendaItems, res.Actions, res.PrivateNotes, res.Observations, res.Pauses, res.Elapsed)
	org := res.OrgID
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, append([]any{org}, args...)...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}

	// The result's counts are the rows written.
	for _, c := range []struct {
		table string
		want  int
	}{
		{"oneonone_series", res.Series}, {"oneonone_pauses", res.Pauses}, {"meetings", res.Meetings},
		{"agenda_items", res.AgendaItems}, {"action_items", res.Actions}, {"private_notes", res.PrivateNotes},
		{"observations", res.Observations},
	} {
		if got := count(`SELECT count(*) FROM ` + c.table + ` WHERE org_id = $1`); got != c.want || got == 0 {
			t.Errorf("%s: %d rows, result says %d", c.table, got, c.want)
		}
	}

	// The bulk load (COPY) filled the action tallies through their
	// triggers: they equal a rebuild from the actions and count every one.
	if n := count(`SELECT count(*) FROM (
		(SELECT * FROM action_tallies_from_actions() WHERE org_id = $1 EXCEPT ALL SELECT * FROM action_tallies WHERE org_id = $1)
		UNION ALL (SELECT * FROM action_tallies WHERE org_id = $1 EXCEPT ALL SELECT * FROM action_tallies_from_actions() WHERE org_id = $1)) x`); n != 0 {
		t.Errorf("action tallies differ from a rebuild in %d rows", n)
	}
	if got, want := count(`SELECT coalesce(sum(actions), 0)::int FROM action_tallies WHERE org_id = $1`), res.Actions; got != want {
		t.Errorf("action tallies count %d actions, %d written", got, want)
	}

	// Every person with a manager has exactly one series, with that manager.
	if n := count(`SELECT count(*) FROM users u WHERE org_id = $1 AND manager_id IS NOT NULL
		AND (SELECT count(*) FROM oneonone_series s WHERE s.report_id = u.id) = 1
		AND EXISTS (SELECT 1 FROM oneonone_series s WHERE s.report_id = u.id AND s.manager_id = u.manager_id)`); n != 59 || res.Series != 59 {
		t.Errorf("%d of 59 people have one series with their manager; %d series", n, res.Series)
	}
	if n := count(`SELECT count(*) FROM oneonone_series s JOIN users m ON m.id = s.manager_id
		WHERE s.org_id = $1 AND s.time_zone <> m.time_zone`); n != 0 {
		t.Errorf("%d series not in the manager's time zone", n)
	}

	// Nothing in the future but exactly one scheduled next meeting per active series.
	if n := count(`SELECT count(*) FROM meetings WHERE org_id = $1 AND
		((scheduled_at > $2 AND status <> 'scheduled') OR (scheduled_at <= $2 AND status = 'scheduled'))`, fixedNow); n != 0 {
		t.Errorf("%d meetings in the future that are not scheduled, or scheduled in the past", n)
	}
	if n := count(`SELECT count(*) FROM oneonone_series s WHERE org_id = $1
		AND (SELECT count(*) FROM meetings m WHERE m.series_id = s.id AND m.status = 'scheduled')
		    <> CASE WHEN s.status = 'active' THEN 1 ELSE 0 END`); n != 0 {
		t.Errorf("%d series without exactly one scheduled meeting (none if not active)", n)
	}
	if n := count(`SELECT count(*) FROM meetings m JOIN oneonone_series s ON s.id = m.series_id
		WHERE m.org_id = $1 AND m.scheduled_at < (s.starts_on::timestamp AT TIME ZONE s.time_zone)`); n != 0 {
		t.Errorf("%d meetings before their series started", n)
	}
	if n := count(`SELECT count(*) FROM meetings m JOIN oneonone_series s ON s.id = m.series_id
		WHERE m.org_id = $1 AND s.ended_at IS NOT NULL AND m.scheduled_at >= s.ended_at`); n != 0 {
		t.Errorf("%d meetings after their series ended", n)
	}
	if n := count(`SELECT count(*) FROM meetings m JOIN oneonone_series s ON s.id = m.series_id
		JOIN oneonone_pauses p ON p.series_id = s.id
		WHERE m.org_id = $1 AND m.scheduled_at >= p.paused_at AND (p.resumed_at IS NULL OR m.scheduled_at < p.resumed_at)`); n != 0 {
		t.Errorf("%d meetings while paused", n)
	}

	// Most past meetings were held.
	var held, past int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'held'), count(*) FILTER (WHERE status <> 'scheduled')
		FROM meetings WHERE org_id = $1`, org).Scan(&held, &past); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d past meetings held (%.0f %%)", held, past, 100*float64(held)/float64(past))
	if share := float64(held) / float64(past); share < 0.70 || share > 0.95 {
		t.Errorf("held share %.2f (%d of %d), want 0.70–0.95", share, held, past)
	}
	for _, status := range []string{"cancelled", "rescheduled", "missed"} {
		if n := count(`SELECT count(*) FROM meetings WHERE org_id = $1 AND status = $2::meeting_status`, status); n == 0 {
			t.Errorf("no %s meetings", status)
		}
	}
	if n := count(`SELECT count(*) FROM meetings m JOIN oneonone_series s ON s.id = m.series_id WHERE m.org_id = $1
		AND m.status = 'cancelled' AND (m.status_by IS NULL OR m.status_by NOT IN (s.manager_id, s.report_id) OR m.status_at IS NULL)`); n != 0 {
		t.Errorf("%d cancelled meetings without who cancelled and when", n)
	}
	if n := count(`SELECT count(*) FROM meetings WHERE org_id = $1 AND (status = 'held') <> (pulse IS NOT NULL)`); n != 0 {
		t.Errorf("%d meetings with a pulse not held, or held without one", n)
	}
	if n := count(`SELECT count(*) FROM meetings WHERE org_id = $1 AND status = 'held' AND balance IS NOT NULL`); n < held/2 || n > held*7/10 {
		t.Errorf("%d of %d held meetings have a conversation balance, want about 60 %%", n, held)
	}

	// Agenda items are numbered 1..n in each meeting; held meetings' are mostly done.
	if n := count(`SELECT count(*) FROM (SELECT meeting_id FROM agenda_items WHERE org_id = $1 GROUP BY meeting_id
		HAVING min(position) <> 1 OR max(position) <> count(*) OR count(DISTINCT position) <> count(*)) x`); n != 0 {
		t.Errorf("%d meetings with agenda positions not 1..n", n)
	}
	if n := count(`SELECT count(*) FROM meetings m WHERE m.org_id = $1 AND m.status IN ('held', 'scheduled')
		AND NOT EXISTS (SELECT 1 FROM agenda_items a WHERE a.meeting_id = m.id)`); n != 0 {
		t.Errorf("%d held or scheduled meetings without talking points", n)
	}
	if n := count(`SELECT count(*) FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id JOIN oneonone_series s ON s.id = m.series_id
		WHERE a.org_id = $1 AND a.author_id NOT IN (s.manager_id, s.report_id)`); n != 0 {
		t.Errorf("%d talking points by someone outside the 1:1", n)
	}
	if n := count(`SELECT count(*) FROM agenda_items WHERE org_id = $1 AND carried > 0`); n == 0 {
		t.Error("no talking point was carried over")
	}
	// What carries over to a series' next 1:1 (open points of its meetings,
	// not dropped) holds each point once, and only a few: opening the next
	// meeting gives a clean agenda.
	if n := count(`SELECT count(*) FROM (SELECT m.series_id FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
		WHERE a.org_id = $1 AND NOT a.done AND a.dropped_at IS NULL AND a.carried_to IS NULL GROUP BY m.series_id, lower(a.body) HAVING count(*) > 1) x`); n != 0 {
		t.Errorf("%d points would carry over to a next 1:1 more than once", n)
	}
	if n := count(`SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id
		WHERE a.org_id = $1 AND NOT a.done AND a.dropped_at IS NULL AND a.carried_to IS NULL GROUP BY m.series_id) x`); n > 6 {
		t.Errorf("a series carries %d open points to its next 1:1, want a handful", n)
	}
	if n := count(`SELECT count(*) FROM agenda_items WHERE org_id = $1 AND carried > 0 AND raised_at IS NULL`); n != 0 {
		t.Errorf("%d carried points without the day they were raised", n)
	}
	// Held meetings keep their points: each carried copy names the point it
	// was copied from, on the meeting before.
	if n := count(`SELECT count(*) FROM agenda_items WHERE org_id = $1 AND carried > 0 AND copied_from IS NULL`); n != 0 {
		t.Errorf("%d carried points do not name the point they were copied from", n)
	}

	// Actions: due on or after their meeting's day, in the same series, done before now.
	if n := count(`SELECT count(*) FROM action_items a JOIN meetings m ON m.id = a.meeting_id JOIN oneonone_series s ON s.id = m.series_id
		WHERE a.org_id = $1 AND (a.series_id <> m.series_id OR a.due_on < (m.scheduled_at AT TIME ZONE s.time_zone)::date
		OR a.owner_id NOT IN (s.manager_id, s.report_id) OR m.status <> 'held' OR a.done_at > $2)`, fixedNow); n != 0 {
		t.Errorf("%d actions due before their meeting, in another series, or owned by an outsider", n)
	}
	var onTime, late, open int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE done_at < (due_on + 1)::timestamp AT TIME ZONE s.time_zone),
		count(*) FILTER (WHERE done_at >= (due_on + 1)::timestamp AT TIME ZONE s.time_zone), count(*) FILTER (WHERE done_at IS NULL)
		FROM action_items a JOIN oneonone_series s ON s.id = a.series_id WHERE a.org_id = $1`, org).Scan(&onTime, &late, &open); err != nil {
		t.Fatal(err)
	}
	if onTime < late || onTime < open || late == 0 || open == 0 {
		t.Errorf("actions: %d on time, %d late, %d open", onTime, late, open)
	}

	// Private notes are written by the participants, observations by the manager about the report.
	if n := count(`SELECT count(*) FROM private_notes n JOIN meetings m ON m.id = n.meeting_id JOIN oneonone_series s ON s.id = m.series_id
		WHERE n.org_id = $1 AND n.author_id NOT IN (s.manager_id, s.report_id)`); n != 0 {
		t.Errorf("%d private notes by someone outside the 1:1", n)
	}
	if n := count(`SELECT count(*) FROM observations o JOIN meetings m ON m.id = o.meeting_id JOIN oneonone_series s ON s.id = m.series_id
		WHERE o.org_id = $1 AND (o.author_id <> s.manager_id OR o.subject_id <> s.report_id)`); n != 0 {
		t.Errorf("%d observations not by the manager about the report", n)
	}

	checkDrift(t, pool, res)
}

// checkDrift computes every series' pattern as the dashboard does and checks
// that drift is concentrated: some managers have drifted from all their
// reports, most managers from none, and the sign-in manager from exactly one.
func checkDrift(t *testing.T, pool *pgxpool.Pool, res Result) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT s.id, s.manager_id, s.report_id, s.cadence::text, s.interval_days, s.weekday, s.start_time, s.time_zone,
		       s.starts_on, s.status::text, m.email::text, r.email::text,
		       (SELECT max(scheduled_at) FROM meetings x WHERE x.series_id = s.id AND x.status = 'held'),
		       (SELECT count(*) FROM meetings x WHERE x.series_id = s.id AND x.status = 'held' AND x.scheduled_at > $2)
		FROM oneonone_series s JOIN users m ON m.id = s.manager_id JOIN users r ON r.id = s.report_id
		WHERE s.org_id = $1`, res.OrgID, fixedNow.Add(-42*day))
	if err != nil {
		t.Fatal(err)
	}
	type mgr struct {
		series, drifting, weekly, weeklyQuiet int
		email                                 string
	}
	managers := map[int64]*mgr{}
	total, drifting := 0, 0
	employeeDrifting := false
	for rows.Next() {
		var s oneonone.Series
		var weekday int16
		var start pgtype.Time
		var mEmail, rEmail string
		var last *time.Time
		var recent int
		if err := rows.Scan(&s.ID, &s.ManagerID, &s.ReportID, &s.Cadence, &s.IntervalDays, &weekday, &start, &s.TimeZone,
			&s.StartsOn, &s.Status, &mEmail, &rEmail, &last, &recent); err != nil {
			t.Fatal(err)
		}
		s.Weekday = time.Weekday(weekday)
		s.Hour, s.Minute = int(start.Microseconds/3600e6), int(start.Microseconds/60e6%60)
		st := oneonone.SeriesStats{}
		if last != nil {
			st.LastHeld = *last
		}
		p := oneonone.ComputePattern(oneonone.SeriesFacts{Series: s, Stats: st},
			oneonone.Window{From: fixedNow.Add(-90 * day), To: fixedNow}, fixedNow)
		m := managers[s.ManagerID]
		if m == nil {
			m = &mgr{email: mEmail}
			managers[s.ManagerID] = m
		}
		if s.Status != oneonone.SeriesActive {
			continue
		}
		total++
		m.series++
		if p.Drifting {
			drifting++
			m.drifting++
		}
		if s.Cadence == oneonone.Weekly {
			m.weekly++
			if recent == 0 {
				m.weeklyQuiet++
			}
		}
		if rEmail == res.SignIns[3].Email && p.Drifting {
			employeeDrifting = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	withSeries, mostlyKept, quietWeekly := 0, 0, 0
	for _, m := range managers {
		if m.series > 0 {
			withSeries++
			if m.drifting*2 < m.series {
				mostlyKept++
			}
		}
		if m.weekly > 0 && m.weeklyQuiet == m.weekly {
			quietWeekly++
		}
		if m.email == res.SignIns[2].Email && m.drifting != 1 {
			t.Errorf("the sign-in manager drifts from %d of %d reports, want exactly 1", m.drifting, m.series)
		}
	}
	t.Logf("%d of %d active series drifting; %d of %d managers keep most of their 1:1s; %d held no weekly 1:1 in 6 weeks",
		drifting, total, mostlyKept, withSeries, quietWeekly)
	if quietWeekly < 1 {
		t.Error("no manager has drifted: every manager held a weekly 1:1 in the last 6 weeks")
	}
	if mostlyKept*2 <= withSeries || drifting*3 > total {
		t.Errorf("drift is not the exception: %d of %d managers keep most of their 1:1s, %d of %d series drift",
			mostlyKept, withSeries, drifting, total)
	}
	if employeeDrifting {
		t.Error("the sign-in employee's 1:1s are drifting")
	}
}

// TestSeedHistoryLong checks the longest history on a small organisation.
func TestSeedHistoryLong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := ownDatabase(t)
	res, err := Seed(ctx, pool, Options{People: 30, Seed: 5, Months: MaxMonths, Now: fixedNow,
		Password: testPassword, Domain: "long.example"})
	if err != nil {
		t.Fatal(err)
	}
	var first time.Time
	if err := pool.QueryRow(ctx, `SELECT min(scheduled_at) FROM meetings WHERE org_id = $1`, res.OrgID).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if want := fixedNow.AddDate(0, -MaxMonths, 0); first.Before(want) || first.After(want.Add(30*day)) {
		t.Errorf("first meeting %v, want soon after %v", first, want)
	}
}
