-- +goose Up
CREATE TYPE retro_phase AS ENUM ('open_actions', 'reflect', 'group', 'vote', 'discuss', 'actions', 'done');
CREATE TYPE retro_action_status AS ENUM ('open', 'done', 'dropped');

-- People a team's manager names to run the team's retros besides themselves.
CREATE TABLE retro_facilitators (
    org_id     bigint NOT NULL,
    team_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);

CREATE TABLE retros (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id             bigint NOT NULL,
    team_id            bigint NOT NULL,
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    template           text NOT NULL,
    anonymous          boolean NOT NULL DEFAULT false,
    votes_per_person   smallint NOT NULL DEFAULT 3 CHECK (votes_per_person BETWEEN 1 AND 20),
    max_votes_per_card smallint NOT NULL DEFAULT 3 CHECK (max_votes_per_card BETWEEN 1 AND 20),
    timebox_minutes    smallint CHECK (timebox_minutes BETWEEN 1 AND 240),
    phase              retro_phase NOT NULL DEFAULT 'open_actions',
    phase_started_at   timestamptz NOT NULL DEFAULT now(),
    created_by         bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);
CREATE INDEX retros_team_idx ON retros (org_id, team_id, created_at DESC);

CREATE TABLE retro_columns (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL,
    retro_id  bigint NOT NULL,
    position  smallint NOT NULL,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
    kudos     boolean NOT NULL DEFAULT false,
    UNIQUE (retro_id, id),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE
);

CREATE TABLE retro_groups (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL,
    retro_id  bigint NOT NULL,
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    UNIQUE (retro_id, id),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE
);

-- A card names its author (author_id) unless the retro is anonymous. An
-- anonymous card keeps only a random nonce and sha256(secret || nonce), where
-- the secret lives in the author's browser alone; it has no timestamp, and is
-- ordered by position.
CREATE TABLE retro_cards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id          bigint NOT NULL,
    retro_id        bigint NOT NULL,
    column_id       bigint NOT NULL,
    group_id        bigint,
    position        bigint NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    author_id       bigint,
    author_nonce    bytea,
    author_tag      bytea,
    kudo_visibility text NOT NULL DEFAULT 'team' CHECK (kudo_visibility IN ('team', 'org')),
    kudo_id         bigint,
    -- A random key from the form, so a double submit stores one card. It
    -- is made for each page view and kept nowhere else.
    idem_key        text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    created_at      timestamptz,
    UNIQUE (retro_id, id),
    CHECK ((author_id IS NULL) = (author_tag IS NOT NULL AND author_nonce IS NOT NULL)),
    CHECK (author_id IS NOT NULL OR created_at IS NULL),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (retro_id, column_id) REFERENCES retro_columns(retro_id, id) ON DELETE CASCADE,
    -- A card can only join a group of its own retro.
    FOREIGN KEY (retro_id, group_id) REFERENCES retro_groups(retro_id, id) ON DELETE SET NULL (group_id),
    FOREIGN KEY (org_id, author_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX retro_cards_retro_idx ON retro_cards (retro_id, position);
CREATE UNIQUE INDEX retro_cards_idem_idx ON retro_cards (retro_id, idem_key) WHERE idem_key <> '';

-- One row per vote. The voter is kept to enforce the limits; no page, export
-- or event shows who voted for what. idem_key makes a double submit count once.
CREATE TABLE retro_votes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL,
    retro_id  bigint NOT NULL,
    voter_id  bigint NOT NULL,
    card_id   bigint,
    group_id  bigint,
    idem_key  text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 64),
    CHECK ((card_id IS NULL) <> (group_id IS NULL)),
    UNIQUE (retro_id, voter_id, idem_key),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (retro_id, card_id) REFERENCES retro_cards(retro_id, id) ON DELETE CASCADE,
    FOREIGN KEY (retro_id, group_id) REFERENCES retro_groups(retro_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, voter_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX retro_votes_retro_idx ON retro_votes (retro_id, voter_id);

-- Discussion notes on a topic (a card or a group).
CREATE TABLE retro_notes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id    bigint NOT NULL,
    retro_id  bigint NOT NULL,
    card_id   bigint,
    group_id  bigint,
    body      text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    idem_key  text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    CHECK ((card_id IS NULL) <> (group_id IS NULL)),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (retro_id, card_id) REFERENCES retro_cards(retro_id, id) ON DELETE CASCADE,
    FOREIGN KEY (retro_id, group_id) REFERENCES retro_groups(retro_id, id) ON DELETE CASCADE
);
CREATE INDEX retro_notes_retro_idx ON retro_notes (retro_id);
CREATE UNIQUE INDEX retro_notes_idem_idx ON retro_notes (retro_id, idem_key) WHERE idem_key <> '';

CREATE TABLE retro_actions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id            bigint NOT NULL,
    retro_id          bigint NOT NULL,
    team_id           bigint NOT NULL,
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    owner_id          bigint NOT NULL,
    due_on            date NOT NULL,
    status            retro_action_status NOT NULL DEFAULT 'open',
    done_at           timestamptz,
    reviewed_retro_id bigint,
    idem_key          text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, retro_id) REFERENCES retros(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, owner_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX retro_actions_idem_idx ON retro_actions (retro_id, idem_key) WHERE idem_key <> '';
CREATE INDEX retro_actions_team_idx ON retro_actions (org_id, team_id, status);
CREATE INDEX retro_actions_owner_idx ON retro_actions (org_id, owner_id) WHERE status = 'open';

-- +goose Down
DROP TABLE retro_actions;
DROP TABLE retro_notes;
DROP TABLE retro_votes;
DROP TABLE retro_cards;
DROP TABLE retro_groups;
DROP TABLE retro_columns;
DROP TABLE retros;
DROP TABLE retro_facilitators;
DROP TYPE retro_action_status;
DROP TYPE retro_phase;
