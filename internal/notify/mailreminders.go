package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Email reminders of a person's own work: a periodic job asks the store to
// write the ones due now to the mail outbox, each keyed so that nobody gets
// one twice, however many runs or replicas see it.

// RemindMailEvery is how often RemindMail runs.
const RemindMailEvery = 15 * time.Minute

// MailReminders writes the reminder emails due at now; each returns how
// many it wrote.
type MailReminders interface {
	// RemindActions: the daily digest of one's own actions due.
	RemindActions(ctx context.Context, now time.Time) (int, error)
	// RemindOneOnOnes: tomorrow's 1:1, to both people.
	RemindOneOnOnes(ctx context.Context, now time.Time) (int, error)
	// RemindReviewDeadlines: review steps not submitted, a week and a day
	// before their deadline.
	RemindReviewDeadlines(ctx context.Context, now time.Time) (int, error)
}

// RemindMail is the periodic job that writes reminder emails.
type RemindMail struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (RemindMail) Kind() string { return "notify_remind_mail" }

// InsertOpts: one run per period; a failed run is not retried, the next one
// looks again.
func (RemindMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: RemindMailEvery}}
}

func remindMailJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RemindMailEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindMail{}, nil },
		&river.PeriodicJobOpts{ID: RemindMail{}.Kind(), RunOnStart: true})
}

type mailReminderWorker struct {
	river.WorkerDefaults[RemindMail]
	n *Notifier
}

// Work writes the reminders due now: every kind is tried, so one kind's
// failure does not hold back the others.
func (w *mailReminderWorker) Work(ctx context.Context, _ *river.Job[RemindMail]) error {
	if w.n.Mail == nil {
		return nil
	}
	now := w.n.clock.Now()
	return w.n.runKinds(ctx, []mailKind{
		{"actions_due", w.n.Mail.RemindActions},
		{"oneonone_tomorrow", w.n.Mail.RemindOneOnOnes},
		{"review_due", w.n.Mail.RemindReviewDeadlines},
	}, now)
}

// mailKind is one kind of email a periodic job writes.
type mailKind struct {
	name string
	run  func(context.Context, time.Time) (int, error)
}

// runKinds writes each kind in turn, logging how many and how long.
func (n *Notifier) runKinds(ctx context.Context, kinds []mailKind, now time.Time) error {
	var errs []error
	for _, k := range kinds {
		start := time.Now()
		c, err := k.run(ctx, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", k.name, err))
		}
		if c > 0 || err != nil {
			n.log.Info("reminder emails written", "kind", k.name, "emails", c, "took", time.Since(start).Round(time.Millisecond))
		}
	}
	return errors.Join(errs...)
}

// DigestMailEvery is how often DigestMail runs.
const DigestMailEvery = 15 * time.Minute

// Digests writes the digests due at now; each returns how many it wrote.
type Digests interface {
	// WeeklyManagerDigests: on Monday mornings, to those who run 1:1s.
	WeeklyManagerDigests(ctx context.Context, now time.Time) (int, error)
	// MonthlyLeaderDigests: on the first of the month, to leaders.
	MonthlyLeaderDigests(ctx context.Context, now time.Time) (int, error)
}

// DigestMail is the periodic job that writes the digests.
type DigestMail struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (DigestMail) Kind() string { return "notify_digest_mail" }

// InsertOpts: one run per period; a failed run is not retried, the next one
// looks again.
func (DigestMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: DigestMailEvery}}
}

func digestMailJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(DigestMailEvery),
		func() (river.JobArgs, *river.InsertOpts) { return DigestMail{}, nil },
		&river.PeriodicJobOpts{ID: DigestMail{}.Kind(), RunOnStart: true})
}

type digestWorker struct {
	river.WorkerDefaults[DigestMail]
	n *Notifier
}

// Timeout: a large organisation's Monday takes a while, and the next run
// picks up whoever this one did not reach.
func (w *digestWorker) Timeout(*river.Job[DigestMail]) time.Duration { return 10 * time.Minute }

// Work writes the digests due now.
func (w *digestWorker) Work(ctx context.Context, _ *river.Job[DigestMail]) error {
	if w.n.Digests == nil {
		return nil
	}
	return w.n.runKinds(ctx, []mailKind{
		{"manager_weekly", w.n.Digests.WeeklyManagerDigests},
		{"leader_monthly", w.n.Digests.MonthlyLeaderDigests},
	}, w.n.clock.Now())
}
