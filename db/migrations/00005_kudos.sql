-- +goose Up
CREATE TYPE kudo_visibility AS ENUM ('org', 'team', 'recipients');

CREATE TABLE kudos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    author_id   bigint NOT NULL,
    did         text NOT NULL CHECK (length(did) BETWEEN 1 AND 2000),
    impact      text NOT NULL CHECK (length(impact) BETWEEN 1 AND 2000),
    visibility  kudo_visibility NOT NULL DEFAULT 'org',
    team_id     bigint,
    -- A random key from the form, so a double submit stores one kudo.
    idem_key    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz,
    UNIQUE (org_id, id),
    UNIQUE (org_id, author_id, idem_key),
    CHECK ((visibility = 'team') = (team_id IS NOT NULL)),
    FOREIGN KEY (org_id, author_id) REFERENCES users(org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);
CREATE INDEX kudos_org_time_idx ON kudos (org_id, created_at DESC, id DESC);
CREATE INDEX kudos_author_idx ON kudos (org_id, author_id, created_at DESC);

CREATE TABLE kudo_recipients (
    org_id  bigint NOT NULL,
    kudo_id bigint NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (kudo_id, user_id),
    FOREIGN KEY (org_id, kudo_id) REFERENCES kudos(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);
CREATE INDEX kudo_recipients_user_idx ON kudo_recipients (org_id, user_id, kudo_id DESC);

CREATE TABLE kudo_competencies (
    kudo_id       bigint NOT NULL REFERENCES kudos(id) ON DELETE CASCADE,
    competency_id bigint NOT NULL REFERENCES competencies(id),
    PRIMARY KEY (kudo_id, competency_id)
);
CREATE INDEX kudo_competencies_comp_idx ON kudo_competencies (competency_id, kudo_id DESC);

CREATE TABLE kudo_reactions (
    org_id     bigint NOT NULL,
    kudo_id    bigint NOT NULL,
    user_id    bigint NOT NULL,
    emoji      text NOT NULL CHECK (emoji IN ('clap', 'heart', 'bulb', 'rocket', 'smile')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kudo_id, user_id, emoji),
    FOREIGN KEY (org_id, kudo_id) REFERENCES kudos(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id)
);

CREATE TABLE kudo_comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL,
    kudo_id    bigint NOT NULL,
    author_id  bigint NOT NULL,
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, kudo_id) REFERENCES kudos(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, author_id) REFERENCES users(org_id, id)
);
CREATE INDEX kudo_comments_kudo_idx ON kudo_comments (kudo_id, created_at);

-- Who may see a kudo, in one place: every query that lists, counts or
-- opens kudos filters with it. Organisation-wide kudos: everyone in the
-- organisation; team kudos: the team, the author and the recipients;
-- recipients-only kudos: the author, the recipients and their managers.
-- A plain SQL function, so the planner inlines it into each query.
-- +goose StatementBegin
CREATE FUNCTION kudo_visible(k_id bigint, k_vis kudo_visibility, k_author bigint, k_team bigint, viewer bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT k_vis = 'org' OR k_author = viewer
        OR EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k_id AND r.user_id = viewer)
        OR (k_vis = 'team' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = k_team AND tm.user_id = viewer))
        OR (k_vis = 'recipients' AND EXISTS (
            SELECT 1 FROM kudo_recipients r JOIN users u ON u.id = r.user_id
            WHERE r.kudo_id = k_id AND u.manager_id = viewer))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION kudo_visible(bigint, kudo_visibility, bigint, bigint, bigint);
DROP TABLE kudo_comments;
DROP TABLE kudo_reactions;
DROP TABLE kudo_competencies;
DROP TABLE kudo_recipients;
DROP TABLE kudos;
DROP TYPE kudo_visibility;
