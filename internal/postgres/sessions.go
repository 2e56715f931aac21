package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

// SessionStore is scs's PostgreSQL store (same table, same statements, same
// cleanup) with the request's context passed to every statement, so that a
// cancelled request stops its session query and traced requests count it.
type SessionStore struct {
	*pgxstore.PostgresStore
	pool *pgxpool.Pool
	q    *dbq.Queries
}

// NewSessionStore returns the session store; cleanup is how often expired
// sessions are deleted (0: never).
func NewSessionStore(pool *pgxpool.Pool, cleanup time.Duration) *SessionStore {
	return &SessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(pool, cleanup), pool: pool, q: dbq.New()}
}

// FindCtx returns a live session's data. When the request asks for it
// (people.WithPrefetch), the same statement also reads the session owner's
// row, recorded at sign-in in session_users.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if pf := people.PrefetchFrom(ctx); pf != nil {
		return s.findWithOwner(ctx, token, pf)
	}
	b, err := s.q.SessionFind(ctx, s.pool, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx stores a session's data and expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.q.SessionCommit(ctx, s.pool, dbq.SessionCommitParams{Token: token, Data: b, Expiry: expiry})
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.q.SessionDelete(ctx, s.pool, token)
}

func (s *SessionStore) findWithOwner(ctx context.Context, token string, pf *people.Prefetch) ([]byte, bool, error) {
	r, err := s.q.SessionFindWithOwner(ctx, s.pool, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if r.UserID != nil {
		pf.Found = true
		pf.Person = people.Person{ID: *r.UserID, OrgID: *r.OrgID, Email: r.Email, Name: *r.Name, Title: *r.Title,
			Role: core.Role(r.Role), ManagerID: r.ManagerID, TimeZone: *r.TimeZone, Active: *r.Active,
			HasPassword: r.HasPassword, CreatedAt: *r.CreatedAt}
		if r.ManagerName != nil {
			pf.Person.ManagerName = *r.ManagerName
		}
		pf.Unread = int(r.Unread)
	}
	return r.Data, true, nil
}
