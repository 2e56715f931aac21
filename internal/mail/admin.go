package mail

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"rapport/internal/core"
)

// OutboxPage is how many messages one page of the outbox lists.
const OutboxPage = 50

// Admin is the outbox as an organisation's admins read it: their own
// organisation's messages only, and only admins.
type Admin struct {
	Store  Store
	Outbox *Outbox
}

// Configured reports whether messages are sent, or only kept.
func (a Admin) Configured() bool { return a.Outbox.Configured() }

// From is the messages' sender.
func (a Admin) From() Address { return a.Outbox.From() }

// List returns a page of the organisation's messages, newest first, older
// than beforeID when it is not 0.
func (a Admin) List(ctx context.Context, actor core.Actor, beforeID int64) ([]Stored, error) {
	if actor.Role != core.RoleAdmin {
		return nil, core.Forbidden()
	}
	return a.Store.ListOutbox(ctx, actor.OrgID, beforeID, OutboxPage)
}

// Find returns one of the organisation's messages and the email it is
// sent as.
func (a Admin) Find(ctx context.Context, actor core.Actor, id int64) (Stored, Message, error) {
	if actor.Role != core.RoleAdmin {
		return Stored{}, Message{}, core.Forbidden()
	}
	m, err := a.Store.FindOutbox(ctx, actor.OrgID, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Stored{}, Message{}, core.NotFound("Message")
	}
	if err != nil {
		return Stored{}, Message{}, err
	}
	// Admins read the message as it is kept, without what only its
	// recipient may read.
	m.Text, m.HTML = blankPrivate(m.Text, m.HTML, m.Private)
	return m, a.Outbox.Message(m), nil
}
