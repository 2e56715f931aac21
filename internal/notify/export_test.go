package notify

import (
	"context"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// RemindRitualsNow does what one run of the periodic RemindRituals job does.
func (n *Notifier) RemindRitualsNow(ctx context.Context) error {
	return (&remindWorker{n: n}).Work(ctx, &river.Job[RemindRituals]{JobRow: &rivertype.JobRow{}})
}

// SealContext is what a team's sealed address is bound to.
func SealContext(teamID int64) string { return sealContext(teamID) }

// Post sends one message to hook as a delivery does, and returns its error.
func (n *Notifier) Post(ctx context.Context, hook string) error {
	return n.post(ctx, hook, []byte(`{"text":"test"}`))
}
