package postgres

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
)

// QueryCounter counts the statements sent to the database and the round
// trips they took: a statement on its own is one, a batch of statements
// (Reads) is one as well. It is a pgx tracer, enabled for benchmarks and
// debugging. Round trips whose context carries a core.QueryCount (one per
// request, when the server traces queries) are also tallied there, with
// their time.
type QueryCounter struct {
	n     atomic.Int64
	trips atomic.Int64
}

type queryStartKey struct{}

// TraceQueryStart counts a statement.
func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.trips.Add(1)
	if core.QueryCountFrom(ctx) != nil {
		return context.WithValue(ctx, queryStartKey{}, time.Now())
	}
	return ctx
}

// TraceQueryEnd adds the statement to the request's tally, if any.
func (c *QueryCounter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if q := core.QueryCountFrom(ctx); q != nil {
		start, _ := ctx.Value(queryStartKey{}).(time.Time)
		q.Add(time.Since(start))
	}
}

// Count returns the statements counted so far, those in batches one by one.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// RoundTrips returns the round trips counted so far.
func (c *QueryCounter) RoundTrips() int64 { return c.trips.Load() }

type batchStartKey struct{}

type batchStart struct {
	at         time.Time
	statements int
}

// TraceBatchStart counts a batch as one round trip.
func (c *QueryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.trips.Add(1)
	if core.QueryCountFrom(ctx) != nil {
		return context.WithValue(ctx, batchStartKey{}, batchStart{at: time.Now(), statements: d.Batch.Len()})
	}
	return ctx
}

// TraceBatchQuery counts each statement of a batch.
func (c *QueryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.n.Add(1)
}

// TraceBatchEnd adds the batch to the request's tally, if any.
func (c *QueryCounter) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if q := core.QueryCountFrom(ctx); q != nil {
		s, _ := ctx.Value(batchStartKey{}).(batchStart)
		q.AddBatch(time.Since(s.at), s.statements)
	}
}

// OpenTraced connects a pool with a query tracer on every connection (nil
// for none) and checks the database answers.
func OpenTraced(ctx context.Context, dsn string, maxConns int32, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	return OpenPool(ctx, dsn, PoolOptions{MaxConns: maxConns, Tracer: tracer})
}
