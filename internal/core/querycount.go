package core

import (
	"context"
	"sync/atomic"
	"time"
)

// QueryCount tallies the round trips one request makes to the database,
// the statements they carried and the time they took (summed, so round
// trips made in parallel count in full). A round trip is one statement, or
// one batch of statements sent together (Together). It is switched on for
// debugging round trips, never in normal serving.
type QueryCount struct {
	n     atomic.Int64
	stmts atomic.Int64
	ns    atomic.Int64
}

// Add records one statement, sent on its own, that took d.
func (q *QueryCount) Add(d time.Duration) { q.AddBatch(d, 1) }

// AddBatch records one round trip carrying statements that took d.
func (q *QueryCount) AddBatch(d time.Duration, statements int) {
	q.n.Add(1)
	q.stmts.Add(int64(statements))
	q.ns.Add(int64(d))
}

// Count returns the round trips recorded so far.
func (q *QueryCount) Count() int64 { return q.n.Load() }

// Statements returns the statements recorded so far, those in batches
// counted one by one.
func (q *QueryCount) Statements() int64 { return q.stmts.Load() }

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
