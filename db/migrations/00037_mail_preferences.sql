-- Email preferences: the kinds of non-essential email (reminders, digests) a
-- person turned off, on their account page or with a message's one-click
-- unsubscribe link. Every kind is on until a row here says otherwise; account
-- messages (invitations, password resets and changes) are never listed.

-- +goose Up
CREATE TABLE mail_opt_outs (
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind)
);

-- +goose Down
DROP TABLE mail_opt_outs;
