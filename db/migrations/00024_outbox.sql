-- Email: every message is written to the outbox in the transaction of the
-- change it announces, and a job sends it. The row is the one record of the
-- message: what the person receives, whether it went out, how many tries it
-- took and why the last one failed.

-- +goose Up
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id     bigint REFERENCES users(id) ON DELETE SET NULL,
    kind        text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    -- Header values never hold a line break: one could start a new header.
    to_name     text NOT NULL CHECK (length(to_name) <= 300 AND to_name !~ '[\r\n]'),
    to_addr     text NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254 AND to_addr !~ '[\r\n]'),
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300 AND subject !~ '[\r\n]'),
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    -- The one-time link the message carries, if any, for an admin to pass on
    -- while email is not configured; removed from the copy once it is sent.
    link        text NOT NULL DEFAULT '',
    -- queued: a job will send it; sent; failed: every attempt failed or the
    -- server refused it for good; unconfigured: no mail server is set up.
    state       text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sent', 'failed', 'unconfigured')),
    attempts    int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error  text NOT NULL DEFAULT '' CHECK (length(last_error) <= 300),
    -- The form key of the request that wrote it: a double submit writes one.
    idem_key    text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbox_org_idx ON outbox (org_id, id DESC);
CREATE UNIQUE INDEX outbox_idem_key_idx ON outbox (org_id, idem_key) WHERE idem_key <> '';
CREATE INDEX outbox_user_idx ON outbox (user_id) WHERE user_id IS NOT NULL;

-- The sessions a person sees on their account page: a number to name one by
-- (the token is a secret and never leaves the server), and the browser it
-- was opened from.
ALTER TABLE session_users
    ADD COLUMN id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300);
ALTER TABLE session_users ADD CONSTRAINT session_users_id_key UNIQUE (id);

-- +goose Down
ALTER TABLE session_users DROP COLUMN user_agent, DROP COLUMN id;
DROP TABLE outbox;
