package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Retention: a periodic job deletes what has been kept long enough
// (docs/operations.md, "Retention"), each table in batches so that no run
// holds many row locks or one long transaction; what a run leaves, the next
// one takes.

// PruneEvery is how often PruneOld runs.
const PruneEvery = time.Hour

// Batch bounds of one run: PruneBatch rows a statement, at most
// PruneMaxBatches statements a table.
const (
	PruneBatch      = 1000
	PruneMaxBatches = 100
)

// Prune is one table the retention job keeps trimmed.
type Prune struct {
	Name string        // for the log, e.g. "webhook deliveries"
	Keep time.Duration // rows older than this go; 0 keeps them for ever
	// Delete deletes at most batch rows older than before and says how many.
	Delete func(ctx context.Context, before time.Time, batch int32) (int64, error)
}

// PruneOld is the periodic retention job.
type PruneOld struct{}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (PruneOld) Kind() string { return "notify_prune_old" }

// InsertOpts: one run per period; a failed run is not retried, the next one
// goes on where it stopped.
func (PruneOld) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: PruneEvery}}
}

func pruneOldJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PruneEvery),
		func() (river.JobArgs, *river.InsertOpts) { return PruneOld{}, nil },
		&river.PeriodicJobOpts{ID: PruneOld{}.Kind(), RunOnStart: true})
}

type pruneWorker struct {
	river.WorkerDefaults[PruneOld]
	n *Notifier
}

// Work prunes every table.
func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneOld]) error {
	_, err := w.n.PruneOld(ctx)
	return err
}

// PruneOld deletes, for each of n.Prunes, the rows older than its Keep at
// the notifier's clock, in batches, and returns how many went per table.
func (n *Notifier) PruneOld(ctx context.Context) (map[string]int64, error) {
	now := n.clock.Now()
	gone := map[string]int64{}
	for _, p := range n.Prunes {
		if p.Keep <= 0 {
			continue
		}
		before := now.Add(-p.Keep)
		for range PruneMaxBatches {
			k, err := p.Delete(ctx, before, PruneBatch)
			if err != nil {
				return gone, fmt.Errorf("prune %s: %w", p.Name, err)
			}
			gone[p.Name] += k
			if k < PruneBatch {
				break
			}
		}
		if gone[p.Name] > 0 {
			n.log.Info("pruned", "what", p.Name, "rows", gone[p.Name], "older_than", before)
		}
	}
	return gone, nil
}
