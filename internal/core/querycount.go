package core

import (
	"context"
	"sync/atomic"
	"time"
)

// QueryCount tallies the statements one request sends to the database and
// the time they took (summed, so statements run in parallel count in full).
// It is switched on for debugging round trips, never in normal serving.
type QueryCount struct {
	n  atomic.Int64
	ns atomic.Int64
}

// Add records one statement that took d.
func (q *QueryCount) Add(d time.Duration) {
	q.n.Add(1)
	q.ns.Add(int64(d))
}

// Count returns the statements recorded so far.
func (q *QueryCount) Count() int64 { return q.n.Load() }

// Duration returns the summed time of the statements recorded so far.
func (q *QueryCount) Duration() time.Duration { return time.Duration(q.ns.Load()) }

type queryCountKey struct{}

// WithQueryCount returns a context whose database statements are tallied in
// the returned QueryCount.
func WithQueryCount(ctx context.Context) (context.Context, *QueryCount) {
	q := &QueryCount{}
	return context.WithValue(ctx, queryCountKey{}, q), q
}

// QueryCountFrom returns the request's tally, or nil when nothing counts.
func QueryCountFrom(ctx context.Context) *QueryCount {
	q, _ := ctx.Value(queryCountKey{}).(*QueryCount)
	return q
}
