package postgres

import (
	"context"
	"time"

	"rapport/internal/postgres/dbq"
)

// The retention job (notify.PruneOld) deletes what is older than each
// table's retention in batches of at most batch rows, each batch its own
// statement, so that no run holds many locks or a long transaction.

// PruneDeliveries deletes one batch of finished webhook deliveries made
// before before.
func (s *NotifyStore) PruneDeliveries(ctx context.Context, before time.Time, batch int32) (int64, error) {
	return s.q.WebhookDeliveriesPrune(ctx, s.db, dbq.WebhookDeliveriesPruneParams{Before: before, Batch: batch})
}

// PruneOutbox deletes one batch of messages written before before that no
// longer wait to be sent.
func (s *OutboxStore) PruneOutbox(ctx context.Context, before time.Time, batch int32) (int64, error) {
	return s.q.OutboxPrune(ctx, s.db, dbq.OutboxPruneParams{Before: before, Batch: batch})
}

// PruneAudit deletes one batch of audit entries written before before.
func (s *AuditStore) PruneAudit(ctx context.Context, before time.Time, batch int32) (int64, error) {
	return s.q.AuditPrune(ctx, s.pool, dbq.AuditPruneParams{Before: before, Batch: batch})
}

// PruneNotifications deletes one batch of in-app notifications written
// before before.
func (s *OutboxStore) PruneNotifications(ctx context.Context, before time.Time, batch int32) (int64, error) {
	return s.q.NotificationsPrune(ctx, s.db, dbq.NotificationsPruneParams{Before: before, Batch: batch})
}
