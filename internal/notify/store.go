package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/kudos"
)

// Store is the database notifications read and write; postgres.NotifyStore
// implements it. A method that finds nothing returns pgx.ErrNoRows, and
// driver errors come back unwrapped, so callers can tell a missing row or a
// violated constraint from a failure.
type Store interface {
	// InTx runs fn with a store bound to one transaction (a savepoint inside
	// one already open), committed when fn returns nil.
	InTx(ctx context.Context, fn func(Store) error) error
	// WithTx returns the store working inside tx.
	WithTx(tx pgx.Tx) Store

	// LockTeamWebhook holds the team's webhook lock until the transaction ends.
	LockTeamWebhook(ctx context.Context, teamID int64) error
	// FindWebhook reads the team's stored address.
	FindWebhook(ctx context.Context, orgID, teamID int64) (StoredWebhook, error)
	// SaveWebhook inserts or replaces the team's address with a sealed one; it
	// reports false when the team's webhook belongs to another organisation.
	SaveWebhook(ctx context.Context, w SealedWebhook) (bool, error)
	// WebhooksToReseal lists the addresses stored in plaintext or sealed by
	// another key than currentKeyID, by team.
	WebhooksToReseal(ctx context.Context, currentKeyID string) ([]StoredWebhook, error)
	// ResealWebhook replaces old's address by w unless the row changed since
	// old was read; it reports whether it replaced it.
	ResealWebhook(ctx context.Context, old StoredWebhook, w SealedWebhook) (bool, error)
	// DeleteWebhook deletes the team's webhook and reports whether there was one.
	DeleteWebhook(ctx context.Context, orgID, teamID int64) (bool, error)
	// ListWebhooks lists the organisation's webhooks by team name.
	ListWebhooks(ctx context.Context, orgID int64) ([]WebhookHost, error)
	// ListDeliveries lists the organisation's latest deliveries, newest first.
	ListDeliveries(ctx context.Context, orgID int64, limit int) ([]Delivery, error)
	// CreateAuditEntry records an admin's action in the organisation's audit log.
	CreateAuditEntry(ctx context.Context, orgID, actorID int64, action, subject string) error

	// KudoWebhookTeams lists the teams with a webhook that an organisation-wide
	// kudo reaches through its recipients.
	KudoWebhookTeams(ctx context.Context, orgID, kudoID int64) ([]int64, error)
	// FindKudoContent reads what a kudo's message shows.
	FindKudoContent(ctx context.Context, orgID, kudoID int64) (KudoContent, error)
	// KudoDeliveryStatus is the status of the kudo's delivery to the team.
	KudoDeliveryStatus(ctx context.Context, kudoID, teamID int64) (string, error)
	// SkipKudoDelivery marks a pending delivery of the kudo job skipped.
	SkipKudoDelivery(ctx context.Context, jobID int64, a DeliverKudo, reason string) error
	// RecordKudoAttempt records an attempt on the delivery's one row.
	RecordKudoAttempt(ctx context.Context, jobID int64, a DeliverKudo, at Attempt) error

	// RitualsToRemind lists the active rituals whose team has a webhook.
	RitualsToRemind(ctx context.Context) ([]kudos.Ritual, error)
	// FindActiveRitual reads an active ritual of the organisation.
	FindActiveRitual(ctx context.Context, orgID, ritualID int64) (kudos.Ritual, error)
	// ReminderDeliveryStatus is the status of the reminder job's delivery.
	ReminderDeliveryStatus(ctx context.Context, teamID, jobID int64) (string, error)
	// SkipReminderDelivery marks a pending delivery of the reminder job skipped.
	SkipReminderDelivery(ctx context.Context, jobID, orgID int64, reason string) error
	// RecordReminderAttempt records an attempt on the reminder job's one row.
	RecordReminderAttempt(ctx context.Context, jobID, orgID, teamID int64, at Attempt) error
	// CountPublicBoardKudos counts the organisation-wide kudos on the team's
	// board created in [start, end).
	CountPublicBoardKudos(ctx context.Context, orgID, teamID int64, start, end time.Time) (int, error)
}

// StoredWebhook is a team's address as stored: in plaintext (rows from before
// sealing) or sealed by the key KeyID names.
type StoredWebhook struct {
	TeamID int64
	Plain  *string
	Sealed []byte
	KeyID  *string
}

// SealedWebhook is a team's address to store, sealed.
type SealedWebhook struct {
	OrgID, TeamID int64
	Sealed        []byte
	KeyID         string
	// Host is shown to admins instead of the address.
	Host string
	// ActorID is who saved it, 0 for nobody.
	ActorID int64
}

// WebhookHost is a stored webhook as listed: its host, never its address.
type WebhookHost struct {
	TeamID    int64
	TeamName  string
	Host      string
	UpdatedAt time.Time
}

// KudoContent is what a kudo's message is made of.
type KudoContent struct {
	AuthorName   string
	Did, Impact  string
	Visibility   string
	Recipients   []string
	Competencies []string
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	Status      string
	LastError   string
	DeliveredAt *time.Time
}
