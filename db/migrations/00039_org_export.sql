-- +goose Up
-- utc_text writes an instant as the organisation export writes every
-- instant: RFC 3339 in UTC with microseconds, whatever the session's time
-- zone ("2026-12-03T19:40:33.805000Z").
CREATE FUNCTION utc_text(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');

-- +goose Down
DROP FUNCTION utc_text(timestamptz);
