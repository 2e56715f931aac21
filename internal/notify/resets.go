package notify

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
)

// Password-reset requests are handled by a job, off the request path, so the
// forgot-password page does the same work, and takes as long, whether or not
// the address belongs to an account.

// PasswordResets handles one password-reset request for an address.
type PasswordResets interface {
	PasswordResetRequested(ctx context.Context, email string) error
}

// ResetRequested is the job that handles one password-reset request.
type ResetRequested struct {
	Email string `json:"email"`
}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (ResetRequested) Kind() string { return "password_reset_requested" }

// InsertOpts: a few tries; a request that keeps failing is dropped, and the
// person asks again.
func (ResetRequested) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 3}
}

// EnqueuePasswordReset queues a password-reset request for email.
func (n *Notifier) EnqueuePasswordReset(ctx context.Context, email string) error {
	if _, err := n.client.Insert(ctx, ResetRequested{Email: email}, nil); err != nil {
		return fmt.Errorf("notify: enqueue password reset request: %w", err)
	}
	return nil
}

type resetWorker struct {
	river.WorkerDefaults[ResetRequested]
	n *Notifier
}

// Work hands the request to the people domain.
func (w *resetWorker) Work(ctx context.Context, job *river.Job[ResetRequested]) error {
	if w.n.Resets == nil {
		return nil
	}
	return w.n.Resets.PasswordResetRequested(ctx, job.Args.Email)
}
