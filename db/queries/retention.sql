-- name: WebhookDeliveriesPrune :execrows
-- One batch of finished deliveries (delivered, failed or skipped) made
-- before the cutoff; pending ones stay whatever their age.
DELETE FROM webhook_deliveries
WHERE id IN (SELECT d.id FROM webhook_deliveries d
             WHERE d.status <> 'pending' AND d.created_at < sqlc.arg(before)::timestamptz
             ORDER BY d.created_at LIMIT sqlc.arg(batch)::int);

-- name: OutboxPrune :execrows
-- One batch of messages written before the cutoff that are no longer
-- waiting to be sent; queued ones stay whatever their age.
DELETE FROM outbox
WHERE id IN (SELECT o.id FROM outbox o
             WHERE o.state <> 'queued' AND o.created_at < sqlc.arg(before)::timestamptz
             ORDER BY o.created_at LIMIT sqlc.arg(batch)::int);

-- name: AuditPrune :execrows
-- One batch of audit entries older than the cutoff.
DELETE FROM audit_log
WHERE id IN (SELECT a.id FROM audit_log a WHERE a.created_at < sqlc.arg(before)::timestamptz
             ORDER BY a.created_at LIMIT sqlc.arg(batch)::int);

-- name: NotificationsPrune :execrows
-- One batch of in-app notifications written before the cutoff, read or not.
DELETE FROM notifications
WHERE id IN (SELECT n.id FROM notifications n WHERE n.created_at < sqlc.arg(before)::timestamptz
             ORDER BY n.created_at LIMIT sqlc.arg(batch)::int);
