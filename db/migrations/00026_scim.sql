-- +goose Up
-- SCIM provisioning (RFC 7643/7644): an identity provider creates, changes
-- and deactivates people and teams with an organisation's bearer token.

-- Tokens are stored as SHA-256 hashes: a database leak does not leak a
-- usable token. prefix is the token's first characters, shown so admins can
-- tell tokens apart.
CREATE TABLE scim_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_by   bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    UNIQUE (org_id, id)
);
CREATE INDEX scim_tokens_org_idx ON scim_tokens (org_id, created_at DESC);
-- A double submit of the token form finds the live token of that name.
CREATE UNIQUE INDEX scim_tokens_live_name_idx ON scim_tokens (org_id, lower(name)) WHERE revoked_at IS NULL;

-- What the identity provider says about a person beyond Rapport's own
-- columns: its own id for them and the parts of their name. deleted_at: the
-- provider deleted them; Rapport keeps the person, deactivated, and SCIM
-- answers 404 for them from then on (RFC 7644 §3.6).
CREATE TABLE scim_users (
    org_id      bigint NOT NULL,
    user_id     bigint NOT NULL,
    external_id text NOT NULL DEFAULT '' CHECK (length(external_id) <= 255),
    given_name  text NOT NULL DEFAULT '' CHECK (length(given_name) <= 200),
    family_name text NOT NULL DEFAULT '' CHECK (length(family_name) <= 200),
    deleted_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);

-- The identity provider's id for a team. deleted_at: the provider deleted
-- the group; the team keeps its retros, rituals and kudos, without members,
-- for an admin to delete or keep, and SCIM answers 404 for it.
CREATE TABLE scim_groups (
    org_id      bigint NOT NULL,
    team_id     bigint NOT NULL,
    external_id text NOT NULL DEFAULT '' CHECK (length(external_id) <= 255),
    deleted_at  timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, team_id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE scim_groups;
DROP TABLE scim_users;
DROP TABLE scim_tokens;
