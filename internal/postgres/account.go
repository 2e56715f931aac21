package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/mail"
	"rapport/internal/people"
	"rapport/internal/postgres/dbq"
)

var _ people.AccountStore = (*AccountStore)(nil)

// AccountStore keeps a person's own account: password resets, the password
// and sessions. Changes write their email to the outbox in the same
// transaction (accountMail).
type AccountStore struct{ accountMail }

// NewAccountStore returns the account store on pool; mail, when not nil,
// writes account emails to the outbox.
func NewAccountStore(pool *pgxpool.Pool, mail MailQueuer) *AccountStore {
	return &AccountStore{accountMail{base: newBase(pool), mail: mail}}
}

// MailQueuer writes a message to the outbox, and queues its sending, in tx;
// *mail.Outbox is one.
type MailQueuer interface {
	Queue(ctx context.Context, tx pgx.Tx, n mail.Notice) (int64, error)
}

// accountMail is a store that writes account emails to the outbox in the
// transaction of the change they announce; a nil mail sends none.
type accountMail struct {
	base
	mail MailQueuer
}

// queueMail writes an account email to u to the outbox inside tx, with the
// names it shows read in the same transaction.
func (s *accountMail) queueMail(ctx context.Context, tx pgx.Tx, u dbq.User, m people.Mail) error {
	if s.mail == nil || m.Kind == "" {
		return nil
	}
	org, err := s.q.OrgGet(ctx, tx, u.OrgID)
	if err != nil {
		return err
	}
	n := mail.Notice{Kind: mail.Kind(m.Kind), OrgID: u.OrgID, UserID: u.ID,
		To: mail.Address{Name: u.Name, Email: u.Email}, TimeZone: u.TimeZone, OrgName: org.Name,
		Token: m.Token, ExpiresAt: m.ExpiresAt, IdemKey: m.IdemKey}
	if m.ByID != 0 {
		by, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: u.OrgID, ID: m.ByID})
		if err != nil {
			return err
		}
		n.ByName = by.User.Name
	}
	_, err = s.mail.Queue(ctx, tx, n)
	return err
}

// PasswordHash is an active person's password hash.
func (s *AccountStore) PasswordHash(ctx context.Context, orgID, id int64) (string, error) {
	h, err := s.q.UserPasswordHash(ctx, s.pool, dbq.UserPasswordHashParams{OrgID: orgID, ID: id})
	return h, mapErr(err, "Person")
}

// ChangePassword sets a person's password, ends their other sessions and
// writes the "password changed" mail, in one transaction.
func (s *AccountStore) ChangePassword(ctx context.Context, orgID, id int64, hash, keepToken string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		u, err := s.q.UserGet(ctx, tx, dbq.UserGetParams{OrgID: orgID, ID: id})
		if err != nil {
			return err
		}
		if err := s.q.UserSetPassword(ctx, tx, dbq.UserSetPasswordParams{OrgID: orgID, ID: id, PasswordHash: hash}); err != nil {
			return err
		}
		if _, err := s.q.SessionsDeleteOthersForUser(ctx, tx, dbq.SessionsDeleteOthersForUserParams{UserID: id, KeepToken: keepToken}); err != nil {
			return err
		}
		// Links asked for before the change must not undo it.
		if err := s.q.PasswordResetRevokeForUser(ctx, tx, dbq.PasswordResetRevokeForUserParams{OrgID: orgID, UserID: id}); err != nil {
			return err
		}
		if err := s.queueMail(ctx, tx, u.User, people.Mail{Kind: people.MailPasswordChanged}); err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, id, "password.change", fmt.Sprintf("person:%d", id))
	})
	return mapErr(err, "Person")
}

// Sessions lists a person's live sessions, newest first.
func (s *AccountStore) Sessions(ctx context.Context, personID int64, currentToken string) ([]people.Session, error) {
	rows, err := s.q.SessionsForUser(ctx, s.pool, personID)
	if err != nil {
		return nil, mapErr(err, "Sessions")
	}
	out := make([]people.Session, len(rows))
	for i, r := range rows {
		out[i] = people.Session{ID: r.ID, UserAgent: r.UserAgent, CreatedAt: r.CreatedAt, Expiry: r.Expiry,
			Current: currentToken != "" && r.Token == currentToken}
	}
	return out, nil
}

// EndSession ends one of a person's sessions.
func (s *AccountStore) EndSession(ctx context.Context, orgID, personID, sessionID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.SessionDeleteForUser(ctx, tx, dbq.SessionDeleteForUserParams{ID: sessionID, UserID: personID})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.NotFound("Session")
		}
		return s.audit(ctx, tx, orgID, personID, "session.end", fmt.Sprintf("person:%d", personID))
	})
	return mapErr(err, "Session")
}
