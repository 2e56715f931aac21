package mail

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rapport/internal/core"
)

// Queue is the River queue mail jobs run on.
const Queue = "mail"

// Stored is an outbox row.
type Stored struct {
	ID      int64
	OrgID   int64
	UserID  *int64
	Kind    Kind
	To      Address
	Subject string
	Text    string
	HTML    string
	Link    string
	// HasLink: the row still holds its one-time link (lists leave the
	// link itself out).
	HasLink bool
	// Private are the lines of the message only its recipient may read
	// (a 1:1's agenda points): blanked for admins, removed from the copy
	// once sent.
	Private   []string
	State     string
	IdemKey   string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// Store is the outbox's storage; postgres.OutboxStore implements it. A
// missing row is pgx.ErrNoRows.
type Store interface {
	// WithTx returns the store working inside tx.
	WithTx(tx pgx.Tx) Store
	// InTx runs fn with a store bound to one transaction, committed when fn
	// returns nil.
	InTx(ctx context.Context, fn func(Store) error) error
	// CreateOutbox writes a message and returns its id.
	CreateOutbox(ctx context.Context, m Stored) (int64, error)
	// LockOutbox reads a message and holds its row lock until the
	// transaction ends.
	LockOutbox(ctx context.Context, id int64) (Stored, error)
	// MarkSent records the message sent at at, keeping text and html as the
	// copy (its one-time link removed) and forgetting the link.
	MarkSent(ctx context.Context, id int64, at time.Time, text, html string) error
	// MarkFailed records a failed attempt and the state it leaves the row in.
	MarkFailed(ctx context.Context, id int64, state, lastError string) error
	// ListOutbox lists an organisation's messages, newest first, before
	// beforeID when it is not 0; bodies are left out.
	ListOutbox(ctx context.Context, orgID, beforeID int64, limit int) ([]Stored, error)
	// FindOutbox reads one of the organisation's messages.
	FindOutbox(ctx context.Context, orgID, id int64) (Stored, error)
	// SetMailKind turns one kind of non-essential email on or off for a
	// person; a person who no longer exists is pgx.ErrNoRows.
	SetMailKind(ctx context.Context, userID int64, kind Kind, on bool, at time.Time) error
	// MailKindOff reports whether the person turned a kind off.
	MailKindOff(ctx context.Context, userID int64, kind Kind) (bool, error)
	// MailKindsOff lists the kinds the person turned off.
	MailKindsOff(ctx context.Context, userID int64) ([]Kind, error)
	// CreateNotification writes an in-app notification; one with the key
	// of an earlier one of the same person and kind is not written.
	CreateNotification(ctx context.Context, n Notification, userID, orgID int64) error
	// Notifications lists a person's latest notifications, newest first.
	Notifications(ctx context.Context, orgID, userID int64, limit int) ([]Notification, error)
	// OpenNotification marks one of the person's notifications read and
	// returns its path; another person's is pgx.ErrNoRows.
	OpenNotification(ctx context.Context, orgID, userID, id int64, at time.Time) (string, error)
	// ReadAllNotifications marks all of the person's notifications read.
	ReadAllNotifications(ctx context.Context, orgID, userID int64, at time.Time) error
	// UnreadNotifications counts the person's unread notifications, up to
	// 100.
	UnreadNotifications(ctx context.Context, orgID, userID int64) (int, error)
}

// Signer signs and checks the one-click unsubscribe links;
// *secrets.Keyring is one.
type Signer interface {
	Sign(msg []byte, context string) []byte
	Verify(msg, sig []byte, context string) bool
}

// JobInserter queues jobs inside a transaction; *river.Client is one.
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options set up an Outbox.
type Options struct {
	// Sender delivers messages; nil means email is not configured, and
	// messages are kept in the outbox, not sent.
	Sender Sender
	// From is the messages' sender.
	From Address
	// BaseURL is the public address links point to.
	BaseURL string
	Clock   core.Clock
	Log     *slog.Logger
	// Signer signs the unsubscribe links of non-essential messages; nil:
	// they carry none.
	Signer Signer
}

// Outbox writes messages and sends them from jobs.
type Outbox struct {
	store   Store
	sender  Sender
	from    Address
	baseURL string
	clock   core.Clock
	log     *slog.Logger
	jobs    JobInserter
	signer  Signer
}

// NewOutbox returns an Outbox on store. SetJobs must be called before
// Queue when a sender is configured.
func NewOutbox(store Store, o Options) *Outbox {
	if o.Clock == nil {
		o.Clock = core.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.From.Email == "" {
		o.From = DefaultFrom(o.BaseURL)
	}
	return &Outbox{store: store, sender: o.Sender, from: o.From, baseURL: o.BaseURL, clock: o.Clock, log: o.Log, signer: o.Signer}
}

// DefaultFrom is the sender used when none is configured: Rapport at the
// base URL's host.
func DefaultFrom(baseURL string) Address {
	host := "localhost"
	if i := strings.Index(baseURL, "://"); i >= 0 {
		h := baseURL[i+3:]
		if j := strings.IndexAny(h, ":/"); j >= 0 {
			h = h[:j]
		}
		if h != "" {
			host = h
		}
	}
	return Address{Name: "Rapport", Email: "rapport@" + host}
}

// SetJobs gives the outbox the job queue it inserts send jobs into.
func (o *Outbox) SetJobs(j JobInserter) { o.jobs = j }

// Configured reports whether messages are sent, or only kept.
func (o *Outbox) Configured() bool { return o != nil && o.sender != nil }

// From is the messages' sender.
func (o *Outbox) From() Address { return o.from }

// Queue renders the notice, writes it to the outbox and queues the job that
// sends it, all inside tx: the message exists if and only if the change
// that tx commits does. A non-essential message whose kind the recipient
// turned off is not written: the id is then 0 and the error nil.
func (o *Outbox) Queue(ctx context.Context, tx pgx.Tx, n Notice) (int64, error) {
	if n.At.IsZero() {
		n.At = o.clock.Now()
	}
	st := o.store.WithTx(tx)
	r, err := Render(ctx, n, o.baseURL)
	if err != nil {
		return 0, err
	}
	if !n.Kind.Essential() && n.UserID != 0 {
		// The bell shows the event whether or not the email goes out.
		if r.Path != "" {
			in := Notification{Kind: n.Kind, Title: r.Subject, Path: r.Path, IdemKey: n.IdemKey, CreatedAt: o.clock.Now()}
			if err := st.CreateNotification(ctx, in, n.UserID, n.OrgID); err != nil {
				return 0, fmt.Errorf("mail: write notification: %w", err)
			}
		}
		off, err := st.MailKindOff(ctx, n.UserID, n.Kind)
		if err != nil {
			return 0, fmt.Errorf("mail: read preferences: %w", err)
		}
		if off {
			return 0, nil
		}
	}
	row := Stored{OrgID: n.OrgID, Kind: n.Kind, To: Address{Name: HeaderText(n.To.Name), Email: n.To.Email},
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Link: r.Link, Private: r.Private, State: StateQueued, IdemKey: n.IdemKey,
		CreatedAt: o.clock.Now()}
	if n.UserID != 0 {
		uid := n.UserID
		row.UserID = &uid
	}
	if !o.Configured() {
		row.State, row.LastError = StateUnconfigured, NotConfigured
	}
	id, err := st.CreateOutbox(ctx, row)
	if err != nil {
		return 0, fmt.Errorf("mail: write to outbox: %w", err)
	}
	if !o.Configured() {
		return id, nil
	}
	if o.jobs == nil {
		return 0, errors.New("mail: no job queue to send with")
	}
	if _, err := o.jobs.InsertTx(ctx, tx, SendMessage{OutboxID: id}, nil); err != nil {
		return 0, fmt.Errorf("mail: queue sending: %w", err)
	}
	return id, nil
}

// Message is the email an outbox row is sent as. A non-essential message
// to a person carries their one-click unsubscribe link for its kind.
func (o *Outbox) Message(m Stored) Message {
	msg := Message{Kind: m.Kind, From: o.from, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		MessageID: MessageID(m.ID, o.from), Date: m.CreatedAt}
	if !m.Kind.Essential() && m.UserID != nil && o.signer != nil {
		msg.Unsubscribe = strings.TrimRight(o.baseURL, "/") + "/unsubscribe/" + UnsubscribeToken(o.signer, *m.UserID, m.Kind)
	}
	return msg
}

// SendMessage is the job that sends one outbox row.
type SendMessage struct {
	OutboxID int64 `json:"outbox_id"`
}

// Kind names the job in River's tables; never rename it while jobs are queued.
func (SendMessage) Kind() string { return "mail_send" }

// InsertOpts: eight attempts with River's backoff (1 s, 16 s, 81 s, 4 min,
// 10 min, 22 min, 40 min: about 80 minutes in all).
func (SendMessage) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 8}
}

// AddWorkers registers the send job's worker.
func (o *Outbox) AddWorkers(w *river.Workers) error {
	return river.AddWorkerSafely(w, &sendWorker{o: o})
}

type sendWorker struct {
	river.WorkerDefaults[SendMessage]
	o *Outbox
}

// Timeout leaves room for a slow mail server and the bookkeeping.
func (w *sendWorker) Timeout(*river.Job[SendMessage]) time.Duration { return time.Minute }

// Work sends the message unless it was sent already, holding the row's lock
// from the check until the outcome is recorded: a second job for the row,
// on any replica, waits and then finds it sent.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendMessage]) error {
	o := w.o
	log := o.log.With(slog.Int64("job_id", job.ID), slog.Int64("outbox_id", job.Args.OutboxID), slog.Int("attempt", job.Attempt))
	var sendErr error
	// The bookkeeping outlives a cancelled job (a shutdown): once the server
	// has taken the message, recording it sent must not be cut off, or the
	// next attempt would send it again. Only the send itself is cancelled.
	bk, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	err := o.store.InTx(bk, func(st Store) error {
		m, err := st.LockOutbox(bk, job.Args.OutboxID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // its organisation was deleted
		}
		if err != nil {
			return fmt.Errorf("lock outbox row: %w", err)
		}
		if m.State == StateSent {
			return nil
		}
		if !o.Configured() {
			return st.MarkFailed(bk, m.ID, StateUnconfigured, NotConfigured)
		}
		sendErr = o.sender.Send(ctx, o.Message(m))
		if sendErr == nil {
			text, htm := redact(m.Text, m.HTML, m.Link)
			text, htm = blankPrivate(text, htm, m.Private)
			return st.MarkSent(bk, m.ID, o.clock.Now(), text, htm)
		}
		state := StateQueued
		if IsPermanent(sendErr) || job.Attempt >= job.MaxAttempts {
			state = StateFailed
		}
		log.WarnContext(ctx, "email not sent", slog.String("kind", string(m.Kind)), slog.String("err", sendErr.Error()))
		return st.MarkFailed(bk, m.ID, state, failure(sendErr))
	})
	if err != nil {
		return err
	}
	if sendErr != nil {
		if IsPermanent(sendErr) {
			return river.JobCancel(sendErr)
		}
		return sendErr
	}
	return nil
}

// redact removes the one-time link from a sent message's copy: it has
// reached its owner and nobody else needs it.
func redact(text, htm, link string) (string, string) {
	if link == "" {
		return text, htm
	}
	const gone = "[link sent to the recipient]"
	text = strings.ReplaceAll(text, link, gone)
	htm = strings.ReplaceAll(htm, html.EscapeString(link), gone)
	return text, strings.ReplaceAll(htm, link, gone)
}

// Blanked stands, in a copy admins read, for a line only the recipient may
// read.
const Blanked = "[only the recipient reads this]"

// blankPrivate replaces the private lines of a message, as its parts list
// them (a "• " line of the text, a list item of the HTML), with Blanked;
// matching whole lines leaves the rest of the message as it is.
func blankPrivate(text, htm string, private []string) (string, string) {
	for _, p := range private {
		text = strings.ReplaceAll(text, "• "+p+"\n", "• "+Blanked+"\n")
		htm = strings.ReplaceAll(htm, ">"+html.EscapeString(p)+"</li>", ">"+Blanked+"</li>")
	}
	return text, htm
}

// failure is a failed attempt as admins read it: one printable line.
func failure(err error) string {
	msg := strings.Join(strings.Fields(HeaderText(err.Error())), " ")
	if r := []rune(msg); len(r) > 280 {
		msg = string(r[:279]) + "…"
	}
	return msg
}
