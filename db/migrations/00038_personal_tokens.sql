-- +goose Up
-- Personal access tokens: a person's own bearer tokens for the JSON API
-- under /api/v1. Stored as SHA-256 hashes like SCIM tokens; prefix is the
-- token's first characters, shown so people can tell tokens apart. A token
-- acts as its person, so a deactivated person's tokens stop working with
-- their account (checked at every use), and it never outlives expires_at.
CREATE TYPE token_scope AS ENUM ('read', 'read_write');

CREATE TABLE personal_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL,
    user_id      bigint NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    scope        token_scope NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX personal_tokens_user_idx ON personal_tokens (user_id, created_at DESC);
-- A double submit of the token form finds the live token of that name.
CREATE UNIQUE INDEX personal_tokens_live_name_idx ON personal_tokens (user_id, lower(name)) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE personal_tokens;
DROP TYPE token_scope;
