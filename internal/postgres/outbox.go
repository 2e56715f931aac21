package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/mail"
	"rapport/internal/postgres/dbq"
)

// OutboxStore is the email outbox on PostgreSQL (mail.Store). Driver errors
// come back unwrapped: a missing row is pgx.ErrNoRows.
type OutboxStore struct {
	db dbq.DBTX
	q  *dbq.Queries
}

var _ mail.Store = (*OutboxStore)(nil)

// NewOutboxStore returns an OutboxStore on pool.
func NewOutboxStore(pool *pgxpool.Pool) *OutboxStore {
	return &OutboxStore{db: pool, q: dbq.New()}
}

// WithTx returns the store working inside tx.
func (s *OutboxStore) WithTx(tx pgx.Tx) mail.Store { return &OutboxStore{db: tx, q: s.q} }

// InTx runs fn in a transaction, committed when fn returns nil.
func (s *OutboxStore) InTx(ctx context.Context, fn func(mail.Store) error) error {
	b, ok := s.db.(beginner)
	if !ok {
		return fn(s)
	}
	return pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error { return fn(s.WithTx(tx)) })
}

// CreateOutbox writes a message.
func (s *OutboxStore) CreateOutbox(ctx context.Context, m mail.Stored) (int64, error) {
	return s.q.OutboxCreate(ctx, s.db, dbq.OutboxCreateParams{
		OrgID: m.OrgID, UserID: m.UserID, Kind: string(m.Kind), ToName: m.To.Name, ToAddr: m.To.Email,
		Subject: m.Subject, TextBody: m.Text, HtmlBody: m.HTML, Link: m.Link, Private: nonNil(m.Private), State: m.State,
		LastError: m.LastError, IdemKey: m.IdemKey, CreatedAt: m.CreatedAt,
	})
}

// LockOutbox reads a message under its row lock.
func (s *OutboxStore) LockOutbox(ctx context.Context, id int64) (mail.Stored, error) {
	r, err := s.q.OutboxLock(ctx, s.db, id)
	if err != nil {
		return mail.Stored{}, err
	}
	return outboxFromRow(r), nil
}

// MarkSent records a message sent.
func (s *OutboxStore) MarkSent(ctx context.Context, id int64, at time.Time, text, html string) error {
	return s.q.OutboxMarkSent(ctx, s.db, dbq.OutboxMarkSentParams{ID: id, SentAt: &at, TextBody: text, HtmlBody: html})
}

// MarkFailed records a failed attempt.
func (s *OutboxStore) MarkFailed(ctx context.Context, id int64, state, lastError string) error {
	return s.q.OutboxMarkFailed(ctx, s.db, dbq.OutboxMarkFailedParams{ID: id, State: state, LastError: lastError})
}

// ListOutbox lists a page of an organisation's messages without bodies.
func (s *OutboxStore) ListOutbox(ctx context.Context, orgID, beforeID int64, limit int) ([]mail.Stored, error) {
	p := dbq.OutboxListParams{OrgID: orgID, Lim: int32(limit)}
	if beforeID > 0 {
		p.BeforeID = &beforeID
	}
	rows, err := s.q.OutboxList(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make([]mail.Stored, len(rows))
	for i, r := range rows {
		out[i] = mail.Stored{ID: r.ID, OrgID: orgID, UserID: r.UserID, Kind: mail.Kind(r.Kind),
			To: mail.Address{Name: r.ToName, Email: r.ToAddr}, Subject: r.Subject, State: r.State,
			Attempts: int(r.Attempts), LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt, HasLink: r.HasLink}
	}
	return out, nil
}

// FindOutbox reads one of an organisation's messages.
func (s *OutboxStore) FindOutbox(ctx context.Context, orgID, id int64) (mail.Stored, error) {
	r, err := s.q.OutboxGet(ctx, s.db, dbq.OutboxGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return mail.Stored{}, err
	}
	return outboxFromRow(r), nil
}

func outboxFromRow(r dbq.Outbox) mail.Stored {
	return mail.Stored{ID: r.ID, OrgID: r.OrgID, UserID: r.UserID, Kind: mail.Kind(r.Kind),
		To: mail.Address{Name: r.ToName, Email: r.ToAddr}, Subject: r.Subject, Text: r.TextBody, HTML: r.HtmlBody,
		Link: r.Link, HasLink: r.Link != "", Private: r.Private, State: r.State, Attempts: int(r.Attempts), LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt}
}

// SetMailKind turns one kind of non-essential email on or off for a person.
// A person who no longer exists is pgx.ErrNoRows.
func (s *OutboxStore) SetMailKind(ctx context.Context, userID int64, kind mail.Kind, on bool, at time.Time) error {
	if on {
		return s.q.MailOptOutRemove(ctx, s.db, dbq.MailOptOutRemoveParams{UserID: userID, Kind: string(kind)})
	}
	err := s.q.MailOptOutAdd(ctx, s.db, dbq.MailOptOutAddParams{UserID: userID, Kind: string(kind), CreatedAt: at})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return pgx.ErrNoRows
	}
	return err
}

// MailKindOff reports whether the person turned a kind of email off.
func (s *OutboxStore) MailKindOff(ctx context.Context, userID int64, kind mail.Kind) (bool, error) {
	return s.q.MailOptOutExists(ctx, s.db, dbq.MailOptOutExistsParams{UserID: userID, Kind: string(kind)})
}

// MailKindsOff lists the kinds of email the person turned off.
func (s *OutboxStore) MailKindsOff(ctx context.Context, userID int64) ([]mail.Kind, error) {
	rows, err := s.q.MailOptOutList(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	out := make([]mail.Kind, len(rows))
	for i, k := range rows {
		out[i] = mail.Kind(k)
	}
	return out, nil
}

// CreateNotification writes an in-app notification, once per key.
func (s *OutboxStore) CreateNotification(ctx context.Context, n mail.Notification, userID, orgID int64) error {
	return s.q.NotificationCreate(ctx, s.db, dbq.NotificationCreateParams{OrgID: orgID, UserID: userID, Kind: string(n.Kind),
		Title: n.Title, Path: n.Path, IdemKey: n.IdemKey, CreatedAt: n.CreatedAt})
}

// Notifications lists a person's latest notifications, newest first.
func (s *OutboxStore) Notifications(ctx context.Context, orgID, userID int64, limit int) ([]mail.Notification, error) {
	rows, err := s.q.NotificationList(ctx, s.db, dbq.NotificationListParams{OrgID: orgID, UserID: userID, Lim: int32(limit)})
	if err != nil {
		return nil, err
	}
	ns := make([]mail.Notification, len(rows))
	for i, r := range rows {
		ns[i] = mail.Notification{ID: r.ID, Kind: mail.Kind(r.Kind), Title: r.Title, Path: r.Path, CreatedAt: r.CreatedAt, ReadAt: r.ReadAt}
	}
	return ns, nil
}

// OpenNotification marks one of the person's notifications read.
func (s *OutboxStore) OpenNotification(ctx context.Context, orgID, userID, id int64, at time.Time) (string, error) {
	return s.q.NotificationOpen(ctx, s.db, dbq.NotificationOpenParams{ID: id, OrgID: orgID, UserID: userID, At: &at})
}

// ReadAllNotifications marks all of the person's notifications read.
func (s *OutboxStore) ReadAllNotifications(ctx context.Context, orgID, userID int64, at time.Time) error {
	return s.q.NotificationReadAll(ctx, s.db, dbq.NotificationReadAllParams{OrgID: orgID, UserID: userID, At: &at})
}

// UnreadNotifications counts the person's unread notifications, up to 100.
func (s *OutboxStore) UnreadNotifications(ctx context.Context, orgID, userID int64) (int, error) {
	n, err := s.q.NotificationUnread(ctx, s.db, dbq.NotificationUnreadParams{OrgID: orgID, UserID: userID})
	return int(n), err
}
