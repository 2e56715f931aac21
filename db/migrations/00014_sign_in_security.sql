-- +goose Up
-- Sign-in and password-reset attempt counters, shared by every replica. A
-- key names what is limited (an address, an account from an address, ...).
-- hits counts attempts since window_start; blocked_until, when in the future,
-- refuses further attempts until then. Rows idle for a day are pruned.
CREATE TABLE rate_limits (
    key           text PRIMARY KEY CHECK (length(key) <= 400),
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL DEFAULT 0,
    last_hit      timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL
);
CREATE INDEX rate_limits_last_hit_idx ON rate_limits (last_hit);

-- A person has at most one working reset link: asking for a new one or using
-- one revokes the others. Links outstanding now were written to the log by
-- earlier versions, so they stop working.
ALTER TABLE password_resets ADD COLUMN revoked_at timestamptz;
UPDATE password_resets SET revoked_at = now() WHERE used_at IS NULL AND expires_at > now();
CREATE INDEX password_resets_user_idx ON password_resets (org_id, user_id) WHERE used_at IS NULL AND revoked_at IS NULL;

-- An address is unique within an organisation, not across the deployment:
-- one admin must learn nothing about another organisation's people, and one
-- person may belong to several organisations. Sign-in tries the password
-- against every account with the address.
ALTER TABLE users DROP CONSTRAINT users_email_key;
ALTER TABLE users ADD CONSTRAINT users_org_email_key UNIQUE (org_id, email);
CREATE INDEX users_email_idx ON users (email);

-- +goose Down
DROP INDEX users_email_idx;
ALTER TABLE users DROP CONSTRAINT users_org_email_key;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
DROP INDEX password_resets_user_idx;
ALTER TABLE password_resets DROP COLUMN revoked_at;
DROP TABLE rate_limits;
