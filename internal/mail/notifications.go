package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
)

// Notification is an in-app notice of an event a non-essential email
// announces. Queue writes one for every such message, whether or not the
// recipient gets the email, so people who turned an email off still see
// the event under the bell.
type Notification struct {
	ID        int64
	Kind      Kind
	Title     string
	Path      string // the page it leads to, under the base URL
	IdemKey   string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Unread reports whether the notification was not opened yet.
func (n Notification) Unread() bool { return n.ReadAt == nil }

// Inbox is each person's in-app notifications: everyone reads and marks
// only their own.
type Inbox struct {
	Store Store
	Clock core.Clock
}

// NotificationsShown is how many of a person's latest notifications the
// list shows.
const NotificationsShown = 50

// Notifications lists the signed-in person's latest notifications, newest
// first. Everyone sees only their own.
func (o Inbox) Notifications(ctx context.Context, a core.Actor) ([]Notification, error) {
	ns, err := o.Store.Notifications(ctx, a.OrgID, a.UserID, NotificationsShown)
	if err != nil {
		return nil, fmt.Errorf("mail: list notifications: %w", err)
	}
	return ns, nil
}

// OpenNotification marks one of the signed-in person's notifications read
// and returns the page it leads to; anyone else's is not found.
func (o Inbox) OpenNotification(ctx context.Context, a core.Actor, id int64) (string, error) {
	p, err := o.Store.OpenNotification(ctx, a.OrgID, a.UserID, id, o.Clock.Now())
	if errors.Is(err, pgx.ErrNoRows) {
		return "", core.Errorf(core.ENOTFOUND, "Notification not found.")
	}
	if err != nil {
		return "", fmt.Errorf("mail: open notification: %w", err)
	}
	return p, nil
}

// ReadAllNotifications marks every notification of the signed-in person
// read.
func (o Inbox) ReadAllNotifications(ctx context.Context, a core.Actor) error {
	if err := o.Store.ReadAllNotifications(ctx, a.OrgID, a.UserID, o.Clock.Now()); err != nil {
		return fmt.Errorf("mail: read notifications: %w", err)
	}
	return nil
}

// UnreadNotifications counts the signed-in person's unread notifications,
// up to 100.
func (o Inbox) UnreadNotifications(ctx context.Context, a core.Actor) (int, error) {
	n, err := o.Store.UnreadNotifications(ctx, a.OrgID, a.UserID)
	if err != nil {
		return 0, fmt.Errorf("mail: count notifications: %w", err)
	}
	return n, nil
}
