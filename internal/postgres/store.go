// Package postgres implements the domain stores on PostgreSQL with pgx and
// sqlc-generated queries (package dbq): one store type per domain over the
// shared pool, each built by its constructor with its dependencies.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/postgres/dbq"
)

// base is what every domain store shares: the pool, the sqlc queries and
// the helpers that run on them (transactions, the audit log, the reporting
// tree check that access rules start from). Each store embeds it.
type base struct {
	pool *pgxpool.Pool
	q    *dbq.Queries
}

func newBase(pool *pgxpool.Pool) base { return base{pool: pool, q: dbq.New()} }

// Open connects a pool and checks the database answers.
func Open(ctx context.Context, dsn string, maxConns int32) (*pgxpool.Pool, error) {
	return OpenTraced(ctx, dsn, maxConns, nil)
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *base) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// mapErr turns driver errors into domain errors in one place: no rows is
// ENOTFOUND, a unique violation ECONFLICT, everything else wrapped as is.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return core.NotFound(what)
	}
	if core.Overloaded(err) {
		// Keep the cause for the log; the code and message are the user's.
		return fmt.Errorf("%s: %w: %w", what, core.Unavailable(""), err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &core.Error{Code: core.ECONFLICT, Message: what + " already exists."}
		case "23503":
			return &core.Error{Code: core.EINVALID, Message: "Something this refers to no longer exists."}
		case "23514", "22001":
			return &core.Error{Code: core.EINVALID, Message: "A value is too long or not allowed."}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// storedBefore answers a create that failed on a unique index other than its
// form key's because a concurrent submit of the same form won the race: the
// row stored under key is the outcome, found by find. ok is false when err
// is anything else.
func storedBefore[T any](err error, key string, find func() (T, error)) (T, bool) {
	var zero T
	if key == "" || core.ErrorCode(mapErr(err, "")) != core.ECONFLICT {
		return zero, false
	}
	v, ferr := find()
	if ferr != nil {
		return zero, false
	}
	return v, true
}

// Audit records an action in the organisation's audit log.
func (s *base) audit(ctx context.Context, db dbq.DBTX, orgID, actorID int64, action, subject string) error {
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	return s.q.AuditCreate(ctx, db, dbq.AuditCreateParams{OrgID: orgID, ActorID: actor, Action: action, Subject: subject, Detail: []byte("{}")})
}
