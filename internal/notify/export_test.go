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
