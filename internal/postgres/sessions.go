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
)

// SessionStore is scs's PostgreSQL store (same table, same statements, same
// cleanup) with the request's context passed to every statement, so that a
// cancelled request stops its session query and traced requests count it.
type SessionStore struct {
	*pgxstore.PostgresStore
	pool *pgxpool.Pool
}

// NewSessionStore returns the session store; cleanup is how often expired
// sessions are deleted (0: never).
func NewSessionStore(pool *pgxpool.Pool, cleanup time.Duration) *SessionStore {
	return &SessionStore{PostgresStore: pgxstore.NewWithCleanupInterval(pool, cleanup), pool: pool}
}

// FindCtx returns a live session's data. When the request asks for it
// (people.WithPrefetch), the same statement also reads the session owner's
// row, recorded at sign-in in session_users.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if pf := people.PrefetchFrom(ctx); pf != nil {
		return s.findWithOwner(ctx, token, pf)
	}
	var b []byte
	err := s.pool.QueryRow(ctx, "SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry", token).Scan(&b)
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
	_, err := s.pool.Exec(ctx, "INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry", token, b, expiry)
	return err
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE token = $1", token)
	return err
}

func (s *SessionStore) findWithOwner(ctx context.Context, token string, pf *people.Prefetch) ([]byte, bool, error) {
	var (
		b                        []byte
		id, orgID, managerID     *int64
		email, name, title, role *string
		tz, managerName          *string
		hasPassword, active      *bool
		createdAt                *time.Time
	)
	err := s.pool.QueryRow(ctx, `
		SELECT s.data, u.id, u.org_id, u.email::text, u.name, u.title, u.role::text, u.manager_id, u.time_zone,
		       u.password_hash <> '', u.active, u.created_at, m.name
		FROM sessions s
		LEFT JOIN session_users su ON su.token = s.token
		LEFT JOIN users u ON u.id = su.user_id
		LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
		WHERE s.token = $1 AND current_timestamp < s.expiry`, token).
		Scan(&b, &id, &orgID, &email, &name, &title, &role, &managerID, &tz, &hasPassword, &active, &createdAt, &managerName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if id != nil {
		pf.Found = true
		pf.Person = people.Person{ID: *id, OrgID: *orgID, Email: *email, Name: *name, Title: *title,
			Role: core.Role(*role), ManagerID: managerID, TimeZone: *tz, Active: *active,
			HasPassword: *hasPassword, CreatedAt: *createdAt}
		if managerName != nil {
			pf.Person.ManagerName = *managerName
		}
	}
	return b, true, nil
}
