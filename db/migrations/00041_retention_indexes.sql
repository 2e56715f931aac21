-- +goose Up
-- The retention job (docs/operations.md, "Retention") deletes, in batches,
-- the oldest finished rows of these tables across every organisation; these
-- indexes find them without reading the rest.
CREATE INDEX audit_log_created_idx ON audit_log (created_at);
CREATE INDEX outbox_done_created_idx ON outbox (created_at) WHERE state <> 'queued';
CREATE INDEX webhook_deliveries_done_created_idx ON webhook_deliveries (created_at) WHERE status <> 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_done_created_idx;
DROP INDEX outbox_done_created_idx;
DROP INDEX audit_log_created_idx;
