package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolOptions size and bound one connection pool.
type PoolOptions struct {
	// Name is the application_name the database shows for its sessions
	// (pg_stat_activity), unless the URL sets one.
	Name string
	// MaxConns is the pool's size; 0 is pgx's default.
	MaxConns int32
	// AcquireTimeout bounds the wait for a free connection; past it the
	// caller gets context.DeadlineExceeded (an overload, see
	// core.Overloaded). 0: wait as long as the caller's context allows.
	AcquireTimeout time.Duration
	// StatementTimeout is the session's statement_timeout, set when a
	// connection opens, so it costs no round trip per request. 0: the
	// server's setting.
	StatementTimeout time.Duration
	// Tracer, if set, sees every statement.
	Tracer pgx.QueryTracer
}

// OpenPool connects a pool with the options and checks the database answers.
func OpenPool(ctx context.Context, dsn string, o PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	// Page queries are short; JIT compiling them costs more than it saves
	// (measured: 260 ms of compilation on a 2 s equity query).
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok && o.Name != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = o.Name
	}
	if o.AcquireTimeout > 0 {
		cfg.ConnConfig.Tracer = &acquireTimeout{QueryTracer: o.Tracer, d: o.AcquireTimeout}
	} else if o.Tracer != nil {
		cfg.ConnConfig.Tracer = o.Tracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// acquireTimeout bounds each wait for a pooled connection. pgxpool waits on
// the context its acquire tracer returns, so a deadline added here limits
// the wait alone, never the statements that follow on the connection.
type acquireTimeout struct {
	pgx.QueryTracer // nil: statements are not traced
	d               time.Duration
}

type acquireCancelKey struct{}

// TraceAcquireStart gives the wait its deadline.
func (a *acquireTimeout) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	ctx, cancel := context.WithTimeout(ctx, a.d)
	return context.WithValue(ctx, acquireCancelKey{}, cancel)
}

// TraceAcquireEnd releases the deadline's timer.
func (a *acquireTimeout) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	if cancel, ok := ctx.Value(acquireCancelKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

// TraceQueryStart passes statements on to the query tracer, if any.
func (a *acquireTimeout) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if a.QueryTracer == nil {
		return ctx
	}
	return a.QueryTracer.TraceQueryStart(ctx, c, d)
}

// TraceQueryEnd passes statements on to the query tracer, if any.
func (a *acquireTimeout) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	if a.QueryTracer != nil {
		a.QueryTracer.TraceQueryEnd(ctx, c, d)
	}
}

// TraceBatchStart passes batches on to the query tracer, if it traces them.
func (a *acquireTimeout) TraceBatchStart(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	if t, ok := a.QueryTracer.(pgx.BatchTracer); ok {
		return t.TraceBatchStart(ctx, c, d)
	}
	return ctx
}

// TraceBatchQuery passes a batch's statements on to the query tracer.
func (a *acquireTimeout) TraceBatchQuery(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchQueryData) {
	if t, ok := a.QueryTracer.(pgx.BatchTracer); ok {
		t.TraceBatchQuery(ctx, c, d)
	}
}

// TraceBatchEnd passes the end of a batch on to the query tracer.
func (a *acquireTimeout) TraceBatchEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceBatchEndData) {
	if t, ok := a.QueryTracer.(pgx.BatchTracer); ok {
		t.TraceBatchEnd(ctx, c, d)
	}
}

// Budget is how one replica spends its database connections: pages,
// readiness checks, background jobs and exports each have their own pool,
// so none of them can starve another.
type Budget struct {
	// Requests serve pages: Size connections, each wait bounded by
	// AcquireTimeout, each statement by StatementTimeout.
	Size             int32
	AcquireTimeout   time.Duration
	StatementTimeout time.Duration
	// Exports is how many cycle exports run at once, each on one
	// connection of its own for its whole length; ExportStatementTimeout
	// bounds each of their statements.
	Exports                int32
	ExportStatementTimeout time.Duration
	// Tracer, if set, sees the statements of requests and exports.
	Tracer pgx.QueryTracer
}

// Pools are a replica's connection pools (see Budget).
type Pools struct {
	Requests *pgxpool.Pool
	// Ready answers /readyz: two connections, so that probes never queue
	// behind pages.
	Ready *pgxpool.Pool
	// Jobs is the job queue's (River's): its listener holds one connection
	// for good, its workers and leader election use the rest.
	Jobs    *pgxpool.Pool
	Exports *pgxpool.Pool
}

// Connections a replica opens beside the request and export pools.
const (
	ReadyConns = 2
	JobsConns  = 8
)

// OpenPools opens the pools of b.
func OpenPools(ctx context.Context, dsn string, b Budget) (*Pools, error) {
	var p Pools
	var err error
	open := func(dst **pgxpool.Pool, o PoolOptions) {
		if err == nil {
			*dst, err = OpenPool(ctx, dsn, o)
		}
	}
	open(&p.Requests, PoolOptions{Name: "rapport", MaxConns: b.Size, AcquireTimeout: b.AcquireTimeout, StatementTimeout: b.StatementTimeout, Tracer: b.Tracer})
	open(&p.Ready, PoolOptions{Name: "rapport readiness", MaxConns: ReadyConns, AcquireTimeout: time.Second, StatementTimeout: time.Second})
	open(&p.Jobs, PoolOptions{Name: "rapport jobs", MaxConns: JobsConns})
	open(&p.Exports, PoolOptions{Name: "rapport exports", MaxConns: b.Exports, StatementTimeout: b.ExportStatementTimeout, Tracer: b.Tracer})
	if err != nil {
		p.Close(context.Background())
		return nil, err
	}
	return &p, nil
}

// errCloseTimeout says connections were still in use when Close gave up.
var errCloseTimeout = errors.New("database connections still in use at shutdown")

// Close closes every pool. pgxpool waits for connections in use to come
// back; Close waits for that at most until ctx ends, so that a stuck query
// cannot hold the process past its grace period.
func (p *Pools) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, pl := range []*pgxpool.Pool{p.Requests, p.Ready, p.Jobs, p.Exports} {
			if pl != nil {
				pl.Close()
			}
		}
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errCloseTimeout
	}
}
