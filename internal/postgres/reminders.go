package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/mail"
	"rapport/internal/postgres/dbq"
)

// ReminderStore writes the emails that remind people of their own 1:1 work
// (notify's RemindMail job).
type ReminderStore struct {
	base
	mail MailQueuer
}

// NewReminderStore returns the reminder store on pool, writing to mail.
func NewReminderStore(pool *pgxpool.Pool, mail MailQueuer) *ReminderStore {
	return &ReminderStore{base: newBase(pool), mail: mail}
}

// RemindActions writes one digest to each person with open 1:1 actions of
// their own overdue or due by tomorrow, once their day has reached 08:00, at
// most once per day of theirs: the outbox key names the person and their
// day, and each person's digest is written in a transaction holding a lock
// on that key, so runs on several replicas write one.
func (s *ReminderStore) RemindActions(ctx context.Context, now time.Time) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	due, err := s.q.ActionDigestDue(ctx, s.pool, now)
	if err != nil {
		return 0, mapErr(err, "Action reminders")
	}
	written := 0
	for _, u := range due {
		key := "actions:" + strconv.FormatInt(u.ID, 10) + ":" + u.LocalDay.Format(time.DateOnly)
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.q.ReminderLock(ctx, tx, key); err != nil {
				return err
			}
			used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: u.OrgID, IdemKey: key})
			if err != nil || used {
				return err
			}
			items, err := s.q.ActionDigestItems(ctx, tx, dbq.ActionDigestItemsParams{OrgID: u.OrgID, OwnerID: u.ID, Through: u.LocalDay.AddDate(0, 0, 1)})
			if err != nil || len(items) == 0 {
				return err
			}
			n := mail.Notice{Kind: mail.KindActionsDue, OrgID: u.OrgID, UserID: u.ID, To: mail.Address{Name: u.Name, Email: u.Email},
				TimeZone: u.TimeZone, OrgName: u.OrgName, At: now, IdemKey: key}
			for _, it := range items {
				n.Actions = append(n.Actions, mail.Action{Body: it.Body, Due: it.DueOn, With: it.WithName})
			}
			id, err := s.mail.Queue(ctx, tx, n)
			if id != 0 {
				written++
			}
			return err
		})
		if err != nil {
			return written, mapErr(err, "Action reminders")
		}
	}
	return written, nil
}
