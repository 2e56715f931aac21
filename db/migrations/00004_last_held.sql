-- +goose Up
-- Each series remembers when its latest held 1:1 was, so roll-ups over
-- thousands of series don't search every series' history. Statement-level
-- triggers keep it right for any write, including bulk loads.
ALTER TABLE oneonone_series ADD COLUMN last_held_at timestamptz;

UPDATE oneonone_series s SET last_held_at = m.last
FROM (SELECT series_id, max(scheduled_at) AS last FROM meetings WHERE status = 'held' GROUP BY series_id) m
WHERE m.series_id = s.id;

-- +goose StatementBegin
CREATE FUNCTION refresh_last_held(series_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE oneonone_series s
    SET last_held_at = (SELECT max(m.scheduled_at) FROM meetings m WHERE m.series_id = s.id AND m.status = 'held')
    WHERE s.id = ANY(series_ids);
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION meetings_new_last_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM refresh_last_held(ARRAY(SELECT DISTINCT series_id FROM changed));
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER meetings_last_held_ins AFTER INSERT ON meetings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION meetings_new_last_held();
CREATE TRIGGER meetings_last_held_upd AFTER UPDATE ON meetings
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION meetings_new_last_held();
CREATE TRIGGER meetings_last_held_del AFTER DELETE ON meetings
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION meetings_new_last_held();

-- Roll-ups over a whole organisation read one window of meetings and of
-- action due dates, and the open actions, in one pass each.
CREATE INDEX meetings_org_time_idx ON meetings (org_id, scheduled_at) INCLUDE (series_id, status, status_by, pulse);
CREATE INDEX action_items_org_due_idx ON action_items (org_id, due_on) INCLUDE (series_id, done_at);
CREATE INDEX action_items_org_open_idx ON action_items (org_id) INCLUDE (series_id, due_on) WHERE done_at IS NULL;

-- +goose Down
DROP INDEX action_items_org_open_idx;
DROP INDEX action_items_org_due_idx;
DROP INDEX meetings_org_time_idx;
DROP TRIGGER meetings_last_held_del ON meetings;
DROP TRIGGER meetings_last_held_upd ON meetings;
DROP TRIGGER meetings_last_held_ins ON meetings;
DROP FUNCTION meetings_new_last_held();
DROP FUNCTION refresh_last_held(bigint[]);
ALTER TABLE oneonone_series DROP COLUMN last_held_at;
