package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Email reminders of a person's own 1:1 work: a periodic job asks the store
// to write the ones due now to the mail outbox, each keyed so that nobody
// gets one twice, however many runs or replicas see it.

// RemindMailEvery is how often RemindMail runs.
const RemindMailEvery = 15 * time.Minute

// MailReminders writes the reminder emails due at now.
type MailReminders interface {
	RemindActions(ctx context.Context, now time.Time) (int, error)
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

// Work writes the reminders due now.
func (w *mailReminderWorker) Work(ctx context.Context, _ *river.Job[RemindMail]) error {
	if w.n.Mail == nil {
		return nil
	}
	k, err := w.n.Mail.RemindActions(ctx, w.n.clock.Now())
	if err != nil {
		return fmt.Errorf("action reminders: %w", err)
	}
	if k > 0 {
		w.n.log.Info("action reminders written", "emails", k)
	}
	return nil
}
