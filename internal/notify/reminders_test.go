package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/notify"
	"rapport/internal/postgres"
	"rapport/internal/testdb"
)

// Ritual reminder tests each use a database of their own: the periodic job looks
// at every organisation's rituals, so other tests' rituals would be reminded too.

// nextHour is the next full hour: a ritual moment the tests put an hour ahead of
// their clock, which is then at most an hour behind the real time (kudos written
// now by the database still fall in the moment's period).
func nextHour() time.Time { return time.Now().UTC().Truncate(time.Hour).Add(time.Hour) }

func madrid(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Madrid")
	must(t, err)
	return loc
}

// newRitual adds a weekly ritual for Platform, in Madrid time, with a moment at
// moment (a full hour), started two months ago.
func newRitual(t *testing.T, pool *pgxpool.Pool, w world, name string, moment time.Time) int64 {
	t.Helper()
	local := moment.In(madrid(t))
	var id int64
	must(t, pool.QueryRow(context.Background(), `
INSERT INTO rituals (org_id, team_id, name, cadence, weekday, hour, time_zone, starts_on)
VALUES ($1, $2, $3, 'weekly', $4, $5, 'Europe/Madrid', $6) RETURNING id`,
		w.org, w.platform, name, int(local.Weekday()), local.Hour(), local.AddDate(0, -2, 0)).Scan(&id))
	return id
}

// reminderJobs lists the states of the ritual's reminder jobs, and their moments.
func reminderJobs(t *testing.T, pool *pgxpool.Pool, ritualID int64) (states []string, moments []time.Time) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
SELECT state::text, args FROM `+notify.RiverSchema+`.river_job
 WHERE kind = $1 AND (args->>'ritual_id')::bigint = $2 ORDER BY id`,
		notify.DeliverRitualReminder{}.Kind(), ritualID)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var state string
		var args []byte
		must(t, rows.Scan(&state, &args))
		var a notify.DeliverRitualReminder
		must(t, json.Unmarshal(args, &a))
		states, moments = append(states, state), append(moments, a.Moment)
	}
	must(t, rows.Err())
	return states, moments
}

// periodicRunDone reports whether the RemindRituals job a started Notifier
// inserts on start has run.
func periodicRunDone(t *testing.T, pool *pgxpool.Pool) bool {
	t.Helper()
	var n int
	must(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM "+notify.RiverSchema+".river_job WHERE kind = $1 AND state = 'completed'",
		notify.RemindRituals{}.Kind()).Scan(&n))
	return n > 0
}

func setCreatedAt(t *testing.T, pool *pgxpool.Pool, kudoID int64, at time.Time) {
	t.Helper()
	_, err := pool.Exec(context.Background(), "UPDATE kudos SET created_at = $2 WHERE id = $1", kudoID, at)
	must(t, err)
}

func TestRitualReminderIsPostedOncePerMomentAndCountsOnlyPublicKudos(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	moment := nextHour()
	now := moment.Add(-time.Hour)
	ritual := newRitual(t, pool, w, "Shout-outs & <thanks>", moment)

	// On the board this period: one public kudos to Alice. Not counted: a
	// recipients-only and a team-only kudos to Platform's members, a public one to
	// Carol (Sales), and a public one to Alice from a month ago.
	setCreatedAt(t, pool, insertKudoCommitted(t, pool, w, "org", w.alice), now.Add(-10*time.Minute))
	must(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		insertKudo(t, tx, w, "recipients", w.bob)
		insertKudo(t, tx, w, "team", w.alice, w.bob)
		insertKudo(t, tx, w, "org", w.carol)
		return nil
	}))
	older := insertKudoCommitted(t, pool, w, "org", w.alice)
	setCreatedAt(t, pool, older, now.AddDate(0, 0, -30))

	// The periodic job runs twice (and once more below, when the Notifier starts):
	// one reminder job.
	clock := core.FixedClock{T: now}
	n, _ := newNotifier(t, pool, r, notify.Options{Clock: clock})
	must(t, n.RemindRitualsNow(ctx))
	must(t, n.RemindRitualsNow(ctx))
	states, moments := reminderJobs(t, pool, ritual)
	if len(states) != 1 || !moments[0].Equal(moment) {
		t.Fatalf("reminder jobs %v for moments %v, want one for %v", states, moments, moment)
	}

	startNotifier(t, pool, r, notify.Options{Clock: clock})
	waitFor(t, "the reminder to be delivered and the periodic job to run", func() bool {
		states, _ := reminderJobs(t, pool, ritual)
		return len(states) == 1 && states[0] == "completed" && periodicRunDone(t, pool)
	})
	if states, _ := reminderJobs(t, pool, ritual); len(states) != 1 {
		t.Errorf("%d reminder jobs after the periodic job ran on start, want 1", len(states))
	}
	if requests, successes := r.counts(); requests != 1 || successes != 1 {
		t.Fatalf("receiver got %d requests (%d answered 200), want exactly 1", requests, successes)
	}

	r.mu.Lock()
	body := r.bodies[0]
	r.mu.Unlock()
	var msg struct {
		Text string `json:"text"`
	}
	must(t, json.Unmarshal(body, &msg))
	want := fmt.Sprintf("Shout-outs &amp; &lt;thanks&gt; starts at %s (Europe/Madrid) — 1 kudos for Platform on the board so far. "+
		"Add yours: https://rapport.example.com/kudos/new · Board: https://rapport.example.com/rituals/%d",
		moment.In(madrid(t)).Format("15:04"), ritual)
	if msg.Text != want {
		t.Errorf("message\n%s\nwant\n%s", msg.Text, want)
	}

	rows := deliveryRows(t, pool, "org_id = $1", w.org)
	if len(rows) != 1 || rows[0].status != notify.StatusDelivered || rows[0].attempts != 1 || rows[0].kudoID != nil ||
		rows[0].deliveredAt == nil || !rows[0].deliveredAt.Equal(now) {
		t.Errorf("delivery rows %+v, want one delivered on the first attempt, at the clock's time", rows)
	}
	if ds, err := notify.Deliveries(ctx, postgres.NewNotifyStore(pool), w.org, 10); err != nil || len(ds) != 1 || ds[0].Kind != notify.KindRitualReminder || ds[0].KudoID != 0 {
		t.Errorf("Deliveries = %+v, %v; want one ritual reminder", ds, err)
	}
}

func TestRitualReminderIsRetriedUntilDelivered(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 1)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	moment := nextHour()
	ritual := newRitual(t, pool, w, "Friday shout-outs", moment)

	clock := core.FixedClock{T: moment.Add(-90 * time.Minute)}
	n, _ := newNotifier(t, pool, r, notify.Options{Clock: clock})
	must(t, n.RemindRitualsNow(ctx))
	startNotifier(t, pool, r, notify.Options{Clock: clock})
	waitFor(t, "the reminder to be delivered", func() bool {
		states, _ := reminderJobs(t, pool, ritual)
		return len(states) == 1 && states[0] == "completed"
	})
	if requests, successes := r.counts(); requests != 2 || successes != 1 {
		t.Errorf("receiver got %d requests (%d answered 200), want 2 and 1", requests, successes)
	}
	rows := deliveryRows(t, pool, "org_id = $1", w.org)
	if len(rows) != 1 || rows[0].status != notify.StatusDelivered || rows[0].attempts != 2 || rows[0].lastError != "" {
		t.Errorf("delivery rows %+v, want one delivered after 2 attempts", rows)
	}
}

func TestRitualFarAheadIsNotReminded(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	moment := nextHour()
	ritual := newRitual(t, pool, w, "Friday shout-outs", moment)

	// Nothing is enqueued, so nothing can be posted.
	n, _ := newNotifier(t, pool, r, notify.Options{Clock: core.FixedClock{T: moment.Add(-5 * time.Hour)}})
	must(t, n.RemindRitualsNow(ctx))
	if states, _ := reminderJobs(t, pool, ritual); len(states) != 0 {
		t.Errorf("reminder jobs %v for a ritual 5 hours away", states)
	}
}

// A ritual deleted after its reminder was enqueued is not reminded.
func TestReminderOfDeletedRitualIsSkipped(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	moment := nextHour()
	ritual := newRitual(t, pool, w, "Friday shout-outs", moment)

	clock := core.FixedClock{T: moment.Add(-time.Hour)}
	n, _ := newNotifier(t, pool, r, notify.Options{Clock: clock})
	must(t, n.RemindRitualsNow(ctx))
	if states, _ := reminderJobs(t, pool, ritual); len(states) != 1 {
		t.Fatalf("reminder jobs %v, want 1", states)
	}
	_, err := pool.Exec(ctx, "DELETE FROM rituals WHERE id = $1", ritual)
	must(t, err)

	startNotifier(t, pool, r, notify.Options{Clock: clock})
	waitFor(t, "the reminder to complete", func() bool {
		states, _ := reminderJobs(t, pool, ritual)
		return len(states) == 1 && states[0] == "completed"
	})
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("receiver got %d requests for a deleted ritual", requests)
	}
	if rows := deliveryRows(t, pool, "org_id = $1", w.org); len(rows) != 0 {
		t.Errorf("delivery rows for a skipped reminder: %+v", rows)
	}
}

// A reminder that could not run until more than an hour after the moment, or
// whose ritual was deactivated meanwhile, is not posted.
func TestStaleOrDeactivatedRitualReminderIsSkipped(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, testdb.NewDatabase(t))
	w := newWorld(t, pool)
	r := newReceiver(t, 0)
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, loopbackGuard, w.org, w.platform, w.author, r.url()))
	moment := nextHour()
	stale := newRitual(t, pool, w, "Friday shout-outs", moment)
	inactive := newRitual(t, pool, w, "Team thanks", moment)

	n, _ := newNotifier(t, pool, r, notify.Options{Clock: core.FixedClock{T: moment.Add(-time.Hour)}})
	must(t, n.RemindRitualsNow(ctx))
	_, err := pool.Exec(ctx, "UPDATE rituals SET active = false WHERE id = $1", inactive)
	must(t, err)

	startNotifier(t, pool, r, notify.Options{Clock: core.FixedClock{T: moment.Add(61 * time.Minute)}})
	waitFor(t, "the reminders to complete", func() bool {
		a, _ := reminderJobs(t, pool, stale)
		b, _ := reminderJobs(t, pool, inactive)
		return len(a) == 1 && a[0] == "completed" && len(b) == 1 && b[0] == "completed"
	})
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("receiver got %d requests", requests)
	}
	if rows := deliveryRows(t, pool, "org_id = $1", w.org); len(rows) != 0 {
		t.Errorf("delivery rows for skipped reminders: %+v", rows)
	}
}

func insertKudoCommitted(t *testing.T, pool *pgxpool.Pool, w world, vis string, recipients ...int64) int64 {
	t.Helper()
	var id int64
	must(t, pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		id = insertKudo(t, tx, w, vis, recipients...)
		return nil
	}))
	return id
}
