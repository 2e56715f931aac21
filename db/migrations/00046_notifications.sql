-- In-app notifications: the same events the non-essential emails announce
-- (a kudo received, actions due, a pulse to answer, reminders and digests),
-- kept for the bell on every page whether or not the person gets the email.
-- Each row is its recipient's alone; it names the page the event leads to.

-- +goose Up
CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    -- A path under the app's base URL, never another site.
    path       text NOT NULL CHECK (path ~ '^/([^/]|$)' AND length(path) <= 500),
    -- The event's key (as the outbox's): a reminder run twice, or a double
    -- submit, notifies once.
    idem_key   text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_idem_key_idx ON notifications (user_id, kind, idem_key) WHERE idem_key <> '';

-- +goose Down
DROP TABLE notifications;
