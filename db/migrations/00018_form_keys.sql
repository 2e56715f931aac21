-- +goose Up
-- Every form that creates a row carries a random key (core.NewFormKey); a
-- double submit of the same form finds its key taken and stores nothing
-- (INSERT ... ON CONFLICT DO NOTHING, then the first row answers). Rows not
-- created by a form keep ''.
ALTER TABLE kudo_comments ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX kudo_comments_idem_idx ON kudo_comments (kudo_id, author_id, idem_key) WHERE idem_key <> '';

ALTER TABLE observations ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX observations_idem_idx ON observations (meeting_id, author_id, idem_key) WHERE idem_key <> '';

ALTER TABLE retros ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX retros_idem_idx ON retros (team_id, idem_key) WHERE idem_key <> '';

ALTER TABLE framework_versions ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX framework_versions_idem_idx ON framework_versions (org_id, idem_key) WHERE idem_key <> '';

ALTER TABLE review_cycles ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX review_cycles_idem_idx ON review_cycles (org_id, idem_key) WHERE idem_key <> '';

ALTER TABLE oneonone_series ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX oneonone_series_idem_idx ON oneonone_series (org_id, manager_id, idem_key) WHERE idem_key <> '';

ALTER TABLE teams ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX teams_idem_idx ON teams (org_id, idem_key) WHERE idem_key <> '';

ALTER TABLE users ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX users_idem_idx ON users (org_id, idem_key) WHERE idem_key <> '';

ALTER TABLE invitations ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX invitations_idem_idx ON invitations (org_id, idem_key) WHERE idem_key <> '';

ALTER TABLE rituals ADD COLUMN idem_key text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64);
CREATE UNIQUE INDEX rituals_idem_idx ON rituals (team_id, idem_key) WHERE idem_key <> '';

-- +goose Down
ALTER TABLE rituals DROP COLUMN idem_key;
ALTER TABLE invitations DROP COLUMN idem_key;
ALTER TABLE users DROP COLUMN idem_key;
ALTER TABLE teams DROP COLUMN idem_key;
ALTER TABLE oneonone_series DROP COLUMN idem_key;
ALTER TABLE review_cycles DROP COLUMN idem_key;
ALTER TABLE framework_versions DROP COLUMN idem_key;
ALTER TABLE retros DROP COLUMN idem_key;
ALTER TABLE observations DROP COLUMN idem_key;
ALTER TABLE kudo_comments DROP COLUMN idem_key;
