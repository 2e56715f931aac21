-- +goose Up
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM ('admin', 'leader', 'manager', 'employee');

-- Every person belongs to exactly one organisation. Emails are unique across the
-- whole deployment because sign-in is by email alone.
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email          citext NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    title          text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    role           user_role NOT NULL DEFAULT 'employee',
    manager_id     bigint,
    time_zone      text NOT NULL DEFAULT 'UTC',
    password_hash  text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deactivated_at timestamptz,
    UNIQUE (org_id, id),
    CHECK (manager_id IS NULL OR manager_id <> id),
    -- A manager always belongs to the same organisation as their report.
    FOREIGN KEY (org_id, manager_id) REFERENCES users(org_id, id)
);
CREATE INDEX users_org_manager_idx ON users (org_id, manager_id);
CREATE INDEX users_org_name_idx ON users (org_id, lower(name));

CREATE TABLE teams (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX teams_org_name_idx ON teams (org_id, lower(name));

CREATE TABLE team_members (
    org_id     bigint NOT NULL,
    team_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX team_members_user_idx ON team_members (org_id, user_id);

-- Single-use tokens are stored as SHA-256 hashes so a database leak does not
-- leak usable links.
CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL,
    user_id     bigint NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_org_idx ON invitations (org_id, created_at DESC);

CREATE TABLE password_resets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL,
    user_id     bigint NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);

-- Session storage for alexedwards/scs pgxstore.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Which person a session token belongs to, so that deactivating a person can
-- delete their sessions. No foreign key to sessions: the session row is written
-- by the session middleware after the sign-in handler has recorded the token.
CREATE TABLE session_users (
    token      text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_users_user_idx ON session_users (user_id);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    actor_id   bigint,
    action     text NOT NULL,
    subject    text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, created_at DESC);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE session_users;
DROP TABLE sessions;
DROP TABLE password_resets;
DROP TABLE invitations;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE users;
DROP TYPE user_role;
DROP TABLE orgs;
