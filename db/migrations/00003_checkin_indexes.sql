-- +goose Up
-- Check-in figures read, per series, the meetings of a window, the latest
-- held meeting, the actions due in a window and the open actions. These
-- indexes answer each with a short index-only range scan.
DROP INDEX meetings_series_time_idx;
CREATE INDEX meetings_series_time_idx ON meetings (series_id, scheduled_at) INCLUDE (org_id, status, status_by, pulse);
CREATE INDEX meetings_series_held_idx ON meetings (series_id, scheduled_at DESC) WHERE status = 'held';
DROP INDEX action_items_series_due_idx;
CREATE INDEX action_items_series_due_idx ON action_items (series_id, due_on) INCLUDE (org_id, done_at);
CREATE INDEX action_items_series_open_idx ON action_items (series_id, due_on) WHERE done_at IS NULL;

-- +goose Down
DROP INDEX action_items_series_open_idx;
DROP INDEX action_items_series_due_idx;
CREATE INDEX action_items_series_due_idx ON action_items (series_id, due_on) INCLUDE (done_at);
DROP INDEX meetings_series_held_idx;
DROP INDEX meetings_series_time_idx;
CREATE INDEX meetings_series_time_idx ON meetings (series_id, scheduled_at DESC) INCLUDE (status, pulse);
