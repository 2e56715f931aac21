package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rapport/internal/kudos"
)

// Ritual reminders: a periodic job (RemindRituals) looks for ritual moments
// coming up soon and enqueues one DeliverRitualReminder per ritual and moment,
// which posts "Friday shout-outs starts at 16:00 — 3 kudos on the board so far"
// to the team's webhook.
const (
	// RemindEvery is how often RemindRituals runs.
	RemindEvery = 15 * time.Minute
	// RemindAhead is how far ahead of a ritual moment its reminder is sent: the
	// first RemindRituals run that sees the moment within this window enqueues it.
	RemindAhead = 2 * time.Hour
	// ReminderStaleAfter is how long after the moment a reminder that could not be
	// delivered yet is still worth posting; later it is skipped.
	ReminderStaleAfter = time.Hour
)

// RemindRituals is the periodic job that enqueues the reminders due soon.
type RemindRituals struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (RemindRituals) Kind() string { return "notify_remind_rituals" }

// InsertOpts puts the job on the notifications queue. A failed run is not retried:
// the next one, RemindEvery later, looks again (a reminder is due for RemindAhead,
// so several runs see it). Within one RemindEvery period only one run is queued,
// so a newly elected leader's run-on-start right after the last run adds nothing.
func (RemindRituals) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: RemindEvery}}
}

// remindRitualsJob is RemindRituals as a River periodic job.
func remindRitualsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RemindEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindRituals{}, nil },
		&river.PeriodicJobOpts{ID: RemindRituals{}.Kind(), RunOnStart: true})
}

// DeliverRitualReminder is the job that posts one ritual moment's reminder to the
// ritual's team webhook.
type DeliverRitualReminder struct {
	OrgID    int64     `json:"org_id"`
	RitualID int64     `json:"ritual_id"`
	Moment   time.Time `json:"moment"` // in UTC, so equal moments encode alike
}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (DeliverRitualReminder) Kind() string { return "notify_deliver_ritual_reminder" }

// reminderUniqueStates are River's default unique states plus discarded and
// cancelled: a reminder that failed every attempt is not started over by the
// next RemindRituals run.
var reminderUniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	rivertype.JobStateDiscarded, rivertype.JobStateCancelled,
}

// InsertOpts puts the job on the notifications queue, once per ritual and moment
// however many RemindRituals runs (on however many replicas) see it. The args
// alone make it unique; a ByPeriod would let two runs in different periods both
// insert it.
func (DeliverRitualReminder) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: reminderUniqueStates}}
}

type remindWorker struct {
	river.WorkerDefaults[RemindRituals]
	n *Notifier
}

// Work enqueues a reminder for every active ritual whose team has a webhook and
// whose next moment falls within RemindAhead of now.
func (w *remindWorker) Work(ctx context.Context, job *river.Job[RemindRituals]) error {
	n := w.n
	now := n.clock.Now()
	rituals, err := n.store.RitualsToRemind(ctx)
	if err != nil {
		return fmt.Errorf("rituals to remind: %w", err)
	}
	var params []river.InsertManyParams
	for _, r := range rituals {
		// The period holding now ends at the end of the ritual's day, so its moment
		// may have passed already today: the next one is then days away.
		m := r.PeriodAt(now).Moment
		if m.IsZero() || m.Before(now) || m.After(now.Add(RemindAhead)) {
			continue
		}
		params = append(params, river.InsertManyParams{
			Args: DeliverRitualReminder{OrgID: r.OrgID, RitualID: r.ID, Moment: m.UTC()},
		})
	}
	if len(params) == 0 {
		return nil
	}
	res, err := n.client.InsertMany(ctx, params)
	if err != nil {
		return fmt.Errorf("enqueue ritual reminders: %w", err)
	}
	added := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			added++
		}
	}
	n.log.DebugContext(ctx, "ritual reminders enqueued", slog.Int64("job_id", job.ID),
		slog.Int("due", len(params)), slog.Int("new", added))
	return nil
}

type reminderWorker struct {
	river.WorkerDefaults[DeliverRitualReminder]
	n *Notifier
}

// Timeout leaves room for the POST and the bookkeeping around it.
func (w *reminderWorker) Timeout(*river.Job[DeliverRitualReminder]) time.Duration {
	return 30 * time.Second
}

// Work posts the reminder unless it already was, the moment passed more than
// ReminderStaleAfter ago, the ritual was deleted, deactivated or moved to another
// time, or the team's webhook was removed. It returns an error (so River retries
// with backoff) when the POST fails or the receiver answers anything but 2xx.
func (w *reminderWorker) Work(ctx context.Context, job *river.Job[DeliverRitualReminder]) error {
	n, a := w.n, job.Args
	log := n.log.With(slog.Int64("job_id", job.ID), slog.Int64("org_id", a.OrgID),
		slog.Int64("ritual_id", a.RitualID), slog.Time("moment", a.Moment), slog.Int("attempt", job.Attempt))

	if n.clock.Now().After(a.Moment.Add(ReminderStaleAfter)) {
		return w.skip(ctx, job, log, "The ritual had already taken place.")
	}
	r, err := n.store.FindActiveRitual(ctx, a.OrgID, a.RitualID)
	if errors.Is(err, pgx.ErrNoRows) {
		return w.skip(ctx, job, log, "The ritual was deleted or deactivated.")
	}
	if err != nil {
		return fmt.Errorf("read ritual: %w", err)
	}
	log = log.With(slog.Int64("team_id", r.TeamID))

	status, err := n.store.ReminderDeliveryStatus(ctx, r.TeamID, job.ID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read delivery: %w", err)
	}
	if status == StatusDelivered || status == StatusSkipped {
		return nil
	}

	period := r.PeriodAt(a.Moment)
	if !period.Moment.Equal(a.Moment) {
		return w.skip(ctx, job, log, "The ritual's schedule changed.")
	}
	hook, err := webhookAddress(ctx, n.store, n.keys, r.OrgID, r.TeamID)
	if errors.Is(err, pgx.ErrNoRows) {
		return w.skip(ctx, job, log, "The team's webhook was removed.")
	}
	if errors.Is(err, errUnreadable) {
		return n.unreadable(ctx, log, err, job.Attempt, job.MaxAttempts, func(status, lastErr string) error {
			return recordReminderAttempt(ctx, n.store, job.ID, r.OrgID, r.TeamID, status, lastErr, nil)
		})
	}
	if err != nil {
		return fmt.Errorf("read webhook: %w", err)
	}
	count, err := publicBoardCount(ctx, n.store, r, period)
	if err != nil {
		return err
	}

	body, err := json.Marshal(reminderMessage(r, a.Moment, count, n.baseURL))
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	return n.deliver(ctx, log.With(slog.Int("kudos", count)), "ritual reminder", hook, body, job.Attempt, job.MaxAttempts,
		func(status, lastErr string, deliveredAt *time.Time) error {
			return recordReminderAttempt(ctx, n.store, job.ID, r.OrgID, r.TeamID, status, lastErr, deliveredAt)
		})
}

// skip ends the job without posting. A row left by an earlier attempt is marked
// skipped; when there was none, none is written.
func (w *reminderWorker) skip(ctx context.Context, job *river.Job[DeliverRitualReminder], log *slog.Logger, reason string) error {
	err := w.n.store.SkipReminderDelivery(ctx, job.ID, job.Args.OrgID, reason)
	if err != nil {
		return fmt.Errorf("record skipped reminder: %w", err)
	}
	log.InfoContext(ctx, "ritual reminder skipped", slog.String("reason", reason))
	return nil
}

// recordReminderAttempt writes the attempt to the job's delivery row, found by
// job id (reminders have no kudo to key them), creating it on the first attempt.
// A delivered row is final.
func recordReminderAttempt(ctx context.Context, st Store, jobID, orgID, teamID int64, status, lastErr string, deliveredAt *time.Time) error {
	err := st.RecordReminderAttempt(ctx, jobID, orgID, teamID,
		Attempt{Status: status, LastError: truncate(lastErr, maxErrorLen), DeliveredAt: deliveredAt})
	if err != nil {
		return fmt.Errorf("record reminder delivery: %w", err)
	}
	return nil
}

// publicBoardCount counts the kudos on the ritual's board for the period that
// everyone may see: a reminder goes to a channel, so team-only and
// recipients-only kudos never count.
func publicBoardCount(ctx context.Context, st Store, r kudos.Ritual, p kudos.Period) (int, error) {
	n, err := st.CountPublicBoardKudos(ctx, r.OrgID, r.TeamID, p.Start, p.End)
	if err != nil {
		return 0, fmt.Errorf("count board kudos: %w", err)
	}
	return n, nil
}

// reminderMessage is "Friday shout-outs starts at 16:00 (Europe/Madrid) — 3 kudos
// for Platform on the board so far." with links to give kudos and to the board.
func reminderMessage(r kudos.Ritual, moment time.Time, count int, baseURL string) slackMessage {
	loc := r.Rule().Loc()
	text := fmt.Sprintf("%s starts at %s (%s) — %d kudos for %s on the board so far.",
		slackEscape(r.Name), moment.In(loc).Format("15:04"), slackEscape(loc.String()), count, slackEscape(r.TeamName))
	if baseURL != "" {
		base := strings.TrimRight(baseURL, "/")
		text += " Add yours: " + base + "/kudos/new · Board: " + base + "/rituals/" + strconv.FormatInt(r.ID, 10)
	}
	return slackMessage{
		Text:   text,
		Blocks: []slackBlock{{Type: "section", Text: &slackText{Type: "mrkdwn", Text: text}}},
	}
}
