package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/kudos"
	"rapport/internal/notify"
	"rapport/internal/postgres/dbq"
)

var _ notify.Store = (*NotifyStore)(nil)

// NotifyStore is what outgoing notifications read and write (notify.Store):
// team webhooks, their deliveries, and the kudos and rituals they announce.
// It runs on the pool, or inside a transaction (WithTx, InTx).
type NotifyStore struct {
	db dbq.DBTX
	q  *dbq.Queries
}

// NewNotifyStore returns a NotifyStore on pool.
func NewNotifyStore(pool *pgxpool.Pool) *NotifyStore {
	return &NotifyStore{db: pool, q: dbq.New()}
}

// WithTx returns the store working inside tx.
func (s *NotifyStore) WithTx(tx pgx.Tx) notify.Store {
	return &NotifyStore{db: tx, q: s.q}
}

// beginner opens a transaction: a pool, or a transaction (a savepoint).
type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction, committed when fn returns nil.
func (s *NotifyStore) InTx(ctx context.Context, fn func(notify.Store) error) error {
	b, ok := s.db.(beginner)
	if !ok {
		return fn(s)
	}
	return pgx.BeginFunc(ctx, b, func(tx pgx.Tx) error { return fn(s.WithTx(tx)) })
}

// LockTeamWebhook holds the team's webhook lock until the transaction ends.
func (s *NotifyStore) LockTeamWebhook(ctx context.Context, teamID int64) error {
	return s.q.WebhookLockTeam(ctx, s.db, int32(teamID))
}

// FindWebhook reads the team's stored address.
func (s *NotifyStore) FindWebhook(ctx context.Context, orgID, teamID int64) (notify.StoredWebhook, error) {
	r, err := s.q.WebhookGet(ctx, s.db, dbq.WebhookGetParams{OrgID: orgID, TeamID: teamID})
	if err != nil {
		return notify.StoredWebhook{}, err
	}
	return notify.StoredWebhook{TeamID: teamID, Plain: r.Url, Sealed: r.UrlSealed, KeyID: r.UrlKeyID}, nil
}

// SaveWebhook inserts or replaces the team's address.
func (s *NotifyStore) SaveWebhook(ctx context.Context, w notify.SealedWebhook) (bool, error) {
	var actor *int64
	if w.ActorID != 0 {
		actor = &w.ActorID
	}
	n, err := s.q.WebhookUpsert(ctx, s.db, dbq.WebhookUpsertParams{OrgID: w.OrgID, TeamID: w.TeamID,
		UrlSealed: w.Sealed, UrlKeyID: w.KeyID, UrlHost: w.Host, ActorID: actor})
	return n > 0, err
}

// WebhooksToReseal lists the addresses not sealed by the current key.
func (s *NotifyStore) WebhooksToReseal(ctx context.Context, currentKeyID string) ([]notify.StoredWebhook, error) {
	rows, err := s.q.WebhooksToReseal(ctx, s.db, currentKeyID)
	if err != nil {
		return nil, err
	}
	out := make([]notify.StoredWebhook, len(rows))
	for i, r := range rows {
		out[i] = notify.StoredWebhook{TeamID: r.TeamID, Plain: r.Url, Sealed: r.UrlSealed, KeyID: r.UrlKeyID}
	}
	return out, nil
}

// ResealWebhook replaces old's address by w unless the row changed meanwhile.
func (s *NotifyStore) ResealWebhook(ctx context.Context, old notify.StoredWebhook, w notify.SealedWebhook) (bool, error) {
	n, err := s.q.WebhookReseal(ctx, s.db, dbq.WebhookResealParams{TeamID: old.TeamID, UrlSealed: w.Sealed,
		UrlKeyID: w.KeyID, UrlHost: w.Host, OldUrl: old.Plain, OldSealed: old.Sealed})
	return n > 0, err
}

// DeleteWebhook deletes the team's webhook.
func (s *NotifyStore) DeleteWebhook(ctx context.Context, orgID, teamID int64) (bool, error) {
	n, err := s.q.WebhookDelete(ctx, s.db, dbq.WebhookDeleteParams{OrgID: orgID, TeamID: teamID})
	return n > 0, err
}

// ListWebhooks lists the organisation's webhooks by team name.
func (s *NotifyStore) ListWebhooks(ctx context.Context, orgID int64) ([]notify.WebhookHost, error) {
	rows, err := s.q.WebhooksForOrg(ctx, s.db, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]notify.WebhookHost, len(rows))
	for i, r := range rows {
		out[i] = notify.WebhookHost{TeamID: r.TeamID, TeamName: r.TeamName, Host: r.UrlHost, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// ListDeliveries lists the organisation's latest deliveries, newest first.
func (s *NotifyStore) ListDeliveries(ctx context.Context, orgID int64, limit int) ([]notify.Delivery, error) {
	rows, err := s.q.WebhookDeliveriesForOrg(ctx, s.db, dbq.WebhookDeliveriesForOrgParams{OrgID: orgID, MaxRows: clampInt32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]notify.Delivery, len(rows))
	for i, r := range rows {
		out[i] = notify.Delivery{ID: r.ID, TeamID: r.TeamID, KudoID: r.KudoID, TeamName: r.TeamName, Kind: r.Kind,
			Status: r.Status, LastError: r.LastError, Attempts: int(r.Attempts), CreatedAt: r.CreatedAt, DeliveredAt: r.DeliveredAt}
	}
	return out, nil
}

// CreateAuditEntry records an admin's action in the audit log.
func (s *NotifyStore) CreateAuditEntry(ctx context.Context, orgID, actorID int64, action, subject string) error {
	return s.q.AuditCreate(ctx, s.db, dbq.AuditCreateParams{OrgID: orgID, ActorID: &actorID, Action: action,
		Subject: subject, Detail: []byte("{}")})
}

// KudoWebhookTeams lists the teams with a webhook that a public kudo reaches.
func (s *NotifyStore) KudoWebhookTeams(ctx context.Context, orgID, kudoID int64) ([]int64, error) {
	return s.q.NotifyKudoTeams(ctx, s.db, dbq.NotifyKudoTeamsParams{OrgID: orgID, KudoID: kudoID})
}

// FindKudoContent reads what a kudo's message shows.
func (s *NotifyStore) FindKudoContent(ctx context.Context, orgID, kudoID int64) (notify.KudoContent, error) {
	r, err := s.q.NotifyKudoMessage(ctx, s.db, dbq.NotifyKudoMessageParams{OrgID: orgID, KudoID: kudoID})
	if err != nil {
		return notify.KudoContent{}, err
	}
	return notify.KudoContent{AuthorName: r.AuthorName, Did: r.Did, Impact: r.Impact, Visibility: r.Visibility,
		Recipients: r.Recipients, Competencies: r.Competencies}, nil
}

// KudoDeliveryStatus is the status of the kudo's delivery to the team.
func (s *NotifyStore) KudoDeliveryStatus(ctx context.Context, kudoID, teamID int64) (string, error) {
	return s.q.WebhookDeliveryKudoStatus(ctx, s.db, dbq.WebhookDeliveryKudoStatusParams{KudoID: kudoID, TeamID: teamID})
}

// SkipKudoDelivery marks a pending delivery of the kudo job skipped.
func (s *NotifyStore) SkipKudoDelivery(ctx context.Context, jobID int64, a notify.DeliverKudo, reason string) error {
	return s.q.WebhookDeliveryKudoSkip(ctx, s.db, dbq.WebhookDeliveryKudoSkipParams{OrgID: a.OrgID, TeamID: a.TeamID,
		KudoID: a.KudoID, JobID: jobID, Reason: reason})
}

// RecordKudoAttempt records an attempt on the delivery's one row.
func (s *NotifyStore) RecordKudoAttempt(ctx context.Context, jobID int64, a notify.DeliverKudo, at notify.Attempt) error {
	return s.q.WebhookDeliveryKudoRecord(ctx, s.db, dbq.WebhookDeliveryKudoRecordParams{OrgID: a.OrgID, TeamID: a.TeamID,
		KudoID: a.KudoID, Status: at.Status, LastError: at.LastError, JobID: jobID, DeliveredAt: at.DeliveredAt})
}

// RitualsToRemind lists the active rituals whose team has a webhook.
func (s *NotifyStore) RitualsToRemind(ctx context.Context) ([]kudos.Ritual, error) {
	rows, err := s.q.NotifyRitualsToRemind(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]kudos.Ritual, len(rows))
	for i, r := range rows {
		out[i] = ritualFromRow(dbq.RitualGetRow(r))
	}
	return out, nil
}

// FindActiveRitual reads an active ritual of the organisation.
func (s *NotifyStore) FindActiveRitual(ctx context.Context, orgID, ritualID int64) (kudos.Ritual, error) {
	r, err := s.q.RitualGet(ctx, s.db, dbq.RitualGetParams{OrgID: orgID, ID: ritualID})
	if err != nil {
		return kudos.Ritual{}, err
	}
	return ritualFromRow(r), nil
}

// ReminderDeliveryStatus is the status of the reminder job's delivery.
func (s *NotifyStore) ReminderDeliveryStatus(ctx context.Context, teamID, jobID int64) (string, error) {
	return s.q.WebhookDeliveryReminderStatus(ctx, s.db, dbq.WebhookDeliveryReminderStatusParams{TeamID: teamID, JobID: jobID})
}

// SkipReminderDelivery marks a pending delivery of the reminder job skipped.
func (s *NotifyStore) SkipReminderDelivery(ctx context.Context, jobID, orgID int64, reason string) error {
	return s.q.WebhookDeliveryReminderSkip(ctx, s.db, dbq.WebhookDeliveryReminderSkipParams{JobID: jobID, OrgID: orgID, Reason: reason})
}

// RecordReminderAttempt records an attempt on the reminder job's one row.
func (s *NotifyStore) RecordReminderAttempt(ctx context.Context, jobID, orgID, teamID int64, at notify.Attempt) error {
	return s.q.WebhookDeliveryReminderRecord(ctx, s.db, dbq.WebhookDeliveryReminderRecordParams{OrgID: orgID, TeamID: teamID,
		JobID: jobID, Status: at.Status, LastError: at.LastError, DeliveredAt: at.DeliveredAt})
}

// CountPublicBoardKudos counts the public kudos on the team's board in [start, end).
func (s *NotifyStore) CountPublicBoardKudos(ctx context.Context, orgID, teamID int64, start, end time.Time) (int, error) {
	n, err := s.q.NotifyBoardPublicCount(ctx, s.db, dbq.NotifyBoardPublicCountParams{OrgID: orgID, TeamID: teamID,
		PeriodStart: start, PeriodEnd: end})
	return int(n), err
}
