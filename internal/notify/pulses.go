package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Pulse reminders: a periodic job emails the people a pulse asks when a
// round opens, once per person and round (the outbox key says so), through
// the mail outbox.

// RemindPulsesEvery is how often RemindPulses runs.
const RemindPulsesEvery = 15 * time.Minute

// PulseReminders writes the reminders of open pulse rounds.
type PulseReminders interface {
	RemindOpenRounds(ctx context.Context) (int, error)
}

// RemindPulses is the periodic job that writes pulse reminders.
type RemindPulses struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (RemindPulses) Kind() string { return "notify_remind_pulses" }

// InsertOpts: one run per period; a failed run is not retried, the next one
// looks again, and nobody is reminded twice of a round.
func (RemindPulses) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: RemindPulsesEvery}}
}

func remindPulsesJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(RemindPulsesEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindPulses{}, nil },
		&river.PeriodicJobOpts{ID: RemindPulses{}.Kind(), RunOnStart: true})
}

type pulseReminderWorker struct {
	river.WorkerDefaults[RemindPulses]
	n *Notifier
}

// Work writes the reminders due now.
func (w *pulseReminderWorker) Work(ctx context.Context, _ *river.Job[RemindPulses]) error {
	if w.n.Pulses == nil {
		return nil
	}
	k, err := w.n.Pulses.RemindOpenRounds(ctx)
	if err != nil {
		return fmt.Errorf("pulse reminders: %w", err)
	}
	if k > 0 {
		w.n.log.Info("pulse reminders written", "emails", k)
	}
	return nil
}
