-- +goose Up
-- @mentions are looked up by the part of the email before the @.
CREATE INDEX users_org_handle_idx ON users (org_id, lower(split_part(email::text, '@', 1)));
-- Kudos a person gave, newest first.
DROP INDEX kudos_author_idx;
CREATE INDEX kudos_author_idx ON kudos (org_id, author_id, created_at DESC, id DESC);

-- +goose Down
DROP INDEX kudos_author_idx;
CREATE INDEX kudos_author_idx ON kudos (org_id, author_id, created_at DESC);
DROP INDEX users_org_handle_idx;
