package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Review reminders: a periodic job records an in-app notice for every review
// step (self-assessment, manager review) due within the next days and still
// outstanding; the home page shows them until the step is done. There is no
// email, and a person's deadline is not posted to a team's channel.

// RemindReviewsEvery is how often RemindReviews runs.
const RemindReviewsEvery = time.Hour

// ReviewReminders records the notices of review steps that are due soon.
type ReviewReminders interface {
	RecordReminders(ctx context.Context) (int, error)
}

// RemindReviews is the periodic job that records review notices.
type RemindReviews struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (RemindReviews) Kind() string { return "notify_remind_reviews" }

// InsertOpts: one run per period; a failed run is not retried, the next one
// looks again, and notices are recorded once per person, cycle and step.
func (RemindReviews) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: RemindReviewsEvery}}
}

func remindReviewsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RemindReviewsEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindReviews{}, nil },
		&river.PeriodicJobOpts{ID: RemindReviews{}.Kind(), RunOnStart: true})
}

type reviewReminderWorker struct {
	river.WorkerDefaults[RemindReviews]
	n *Notifier
}

// Work records the notices due now.
func (w *reviewReminderWorker) Work(ctx context.Context, _ *river.Job[RemindReviews]) error {
	if w.n.Reviews == nil {
		return nil
	}
	k, err := w.n.Reviews.RecordReminders(ctx)
	if err != nil {
		return fmt.Errorf("review reminders: %w", err)
	}
	if k > 0 {
		w.n.log.Info("review reminders recorded", "notices", k)
	}
	return nil
}
