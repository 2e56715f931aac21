package postgres

import (
	"context"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/postgres/dbq"
)

// Reads sends the statements of reads run together (core.Together) in pgx
// batches: each read runs in a goroutine of its own, and a statement it
// sends through its store waits until every other read is waiting too (or
// done); then all the waiting statements go in one batch, one round trip,
// and each read gets its own result back. A page whose reads take three
// statements in a row each costs three round trips, not the sum.
//
// Only store reads that take their connection from readDB join the batch;
// a write, a transaction or any other statement runs as before, on its own.
// Each statement keeps its sqlc query, so every access rule it calls is
// still written once.
type Reads struct{ pool *pgxpool.Pool }

// NewReads batches reads on pool.
func NewReads(pool *pgxpool.Pool) *Reads { return &Reads{pool: pool} }

var _ core.Reads = (*Reads)(nil)

type readGroupKey struct{}

// Together runs reads as one group; inside a group (a read that itself
// runs reads together) it adds them to the group already running.
func (r *Reads) Together(ctx context.Context, reads ...func(context.Context) error) error {
	if len(reads) == 0 {
		return nil
	}
	if g, ok := ctx.Value(readGroupKey{}).(*readGroup); ok {
		return g.nested(ctx, reads)
	}
	g := &readGroup{pool: r.pool, running: len(reads)}
	g.idle = sync.NewCond(&g.mu)
	gctx := context.WithValue(ctx, readGroupKey{}, g)
	errs := make([]error, len(reads))
	panics := make([]any, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() {
			defer g.finished()
			defer catch(&panics[i])
			errs[i] = read(withReadPath(gctx, i))
		})
	}
	g.serve(ctx)
	wg.Wait()
	repanic(panics)
	return core.FirstError(errs)
}

// catch keeps a read's panic, so that it reaches the caller's goroutine (and
// the server's recovery) instead of ending the process.
func catch(p *any) {
	if v := recover(); v != nil {
		*p = v
	}
}

func repanic(panics []any) {
	for _, v := range panics {
		if v != nil {
			panic(v)
		}
	}
}

// readGroup is one group's state: how many of its reads are running (not
// waiting for a statement's result, not finished), and the statements
// waiting for the next batch.
type readGroup struct {
	pool    *pgxpool.Pool
	mu      sync.Mutex
	idle    *sync.Cond // running fell to 0
	running int
	pending []*readCall
}

type callKind int

const (
	callQuery callKind = iota
	callQueryRow
	callExec
)

// readCall is one statement waiting for its batch.
type readCall struct {
	path  []int // the read's place (withReadPath)
	kind  callKind
	sql   string
	args  []any
	ready chan readResult
	done  chan struct{} // the read has consumed its result
}

type readResult struct {
	rows pgx.Rows
	row  pgx.Row
	tag  pgconn.CommandTag
	err  error
}

// stop records that one running read stopped (waits or finished).
// Callers hold g.mu.
func (g *readGroup) stop() {
	g.running--
	if g.running == 0 {
		g.idle.Signal()
	}
}

func (g *readGroup) finished() {
	g.mu.Lock()
	g.stop()
	g.mu.Unlock()
}

// nested runs reads inside the group: the calling read stops while they
// run, and runs again when the last of them is done (counted in the same
// step, so the group never looks idle in between).
func (g *readGroup) nested(ctx context.Context, reads []func(context.Context) error) error {
	errs := make([]error, len(reads))
	panics := make([]any, len(reads))
	left := len(reads)
	g.mu.Lock()
	g.running += len(reads) - 1
	g.mu.Unlock()
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() {
			defer func() {
				g.mu.Lock()
				left--
				if left > 0 {
					g.stop()
				} // the last one hands its place back to the caller
				g.mu.Unlock()
			}()
			defer catch(&panics[i])
			errs[i] = read(withReadPath(ctx, i))
		})
	}
	wg.Wait()
	repanic(panics)
	return core.FirstError(errs)
}

type readPathKey struct{}

// withReadPath marks a read by where it was given: its index, after those
// of the reads that ran it. A batch sends its statements in that order, so
// a page that lists a read before another has its statement run first
// (the retro room reads the newest event before the state it shows).
func withReadPath(ctx context.Context, i int) context.Context {
	parent, _ := ctx.Value(readPathKey{}).([]int)
	return context.WithValue(ctx, readPathKey{}, append(slices.Clone(parent), i))
}

// serve sends a batch each time every running read waits for a statement,
// until all of them are done.
func (g *readGroup) serve(ctx context.Context) {
	for {
		g.mu.Lock()
		for g.running > 0 {
			g.idle.Wait()
		}
		calls := g.pending
		g.pending = nil
		g.mu.Unlock()
		if len(calls) == 0 {
			return
		}
		slices.SortStableFunc(calls, func(x, y *readCall) int { return slices.Compare(x.path, y.path) })
		g.send(ctx, calls)
	}
}

// send sends calls as one batch and hands each read its result in turn:
// a batch's results are read in order, so the next is handed out once the
// read before has consumed its own.
func (g *readGroup) send(ctx context.Context, calls []*readCall) {
	b := &pgx.Batch{}
	for _, c := range calls {
		b.Queue(c.sql, c.args...)
	}
	br := g.pool.SendBatch(ctx, b)
	for _, c := range calls {
		var res readResult
		wait := true
		switch c.kind {
		case callQuery:
			rows, err := br.Query()
			if err != nil {
				if rows != nil {
					rows.Close()
				}
				res.err, wait = err, false
			} else {
				res.rows = &batchRows{Rows: rows, done: c.done}
			}
		case callQueryRow:
			res.row = &batchRow{row: br.QueryRow(), done: c.done}
		case callExec:
			res.tag, res.err = br.Exec()
			wait = false
		}
		g.mu.Lock()
		g.running++
		g.mu.Unlock()
		c.ready <- res
		if wait {
			<-c.done
		}
	}
	_ = br.Close()
}

// wait queues a statement for the next batch and waits for its result.
func (g *readGroup) wait(ctx context.Context, kind callKind, sql string, args []any) readResult {
	path, _ := ctx.Value(readPathKey{}).([]int)
	c := &readCall{path: path, kind: kind, sql: sql, args: args, ready: make(chan readResult, 1), done: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	g.stop()
	g.mu.Unlock()
	return <-c.ready
}

// groupDB is a read's connection inside a group: sqlc's DBTX, batched.
type groupDB struct{ g *readGroup }

func (d groupDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	r := d.g.wait(ctx, callExec, sql, args)
	return r.tag, r.err
}

func (d groupDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r := d.g.wait(ctx, callQuery, sql, args)
	return r.rows, r.err
}

func (d groupDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return d.g.wait(ctx, callQueryRow, sql, args).row
}

// batchRows tells the batch when the read has closed its rows.
type batchRows struct {
	pgx.Rows
	done chan struct{}
	once sync.Once
}

func (r *batchRows) Close() {
	r.Rows.Close()
	r.once.Do(func() { close(r.done) })
}

// batchRow tells the batch when the read has scanned its row.
type batchRow struct {
	row  pgx.Row
	done chan struct{}
}

func (r *batchRow) Scan(dest ...any) error {
	defer close(r.done)
	return r.row.Scan(dest...)
}

// readDB is the connection a store's read uses: its group's batch when it
// runs together with others, the pool otherwise.
func (s *base) readDB(ctx context.Context) dbq.DBTX { return readDB(ctx, s.pool) }

func readDB(ctx context.Context, pool *pgxpool.Pool) dbq.DBTX {
	if g, ok := ctx.Value(readGroupKey{}).(*readGroup); ok && g.pool == pool {
		return groupDB{g: g}
	}
	return pool
}

// together runs a store's reads with their statements in one batch per
// step, inside the caller's group if it runs in one.
func (s *base) together(ctx context.Context, reads ...func(context.Context) error) error {
	return (&Reads{pool: s.pool}).Together(ctx, reads...)
}
