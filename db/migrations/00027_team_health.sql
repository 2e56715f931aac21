-- +goose Up
-- Team health checks: each member of a team rates a set of dimensions from 1
-- to 5 with a trend, anonymously (docs/privacy.md, "Team health checks").

-- The organisation's dimensions. Checks copy a dimension's wording when they
-- open, so renaming one later leaves old checks as they were asked; the id
-- ties a dimension's results together across renames. Retired dimensions
-- stay for the history but are no longer asked.
CREATE TABLE health_dimensions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    position    int NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    description text NOT NULL CHECK (length(description) <= 300),
    version     int NOT NULL DEFAULT 1,
    retired     boolean NOT NULL DEFAULT false,
    idem_key    text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX health_dimensions_name_idx ON health_dimensions (org_id, lower(name)) WHERE NOT retired;
CREATE UNIQUE INDEX health_dimensions_idem_idx ON health_dimensions (org_id, idem_key) WHERE idem_key <> '';

-- How many answers a check needs before anyone sees its results; never
-- fewer than 3.
CREATE TABLE health_settings (
    org_id        bigint PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    min_responses smallint NOT NULL DEFAULT 3 CHECK (min_responses BETWEEN 3 AND 50)
);

-- Every organisation starts with dimensions drawn from the relationship-
-- building framework.
-- +goose StatementBegin
CREATE FUNCTION seed_health_dimensions(org bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO health_dimensions (org_id, position, name, description)
    SELECT org, d.ord, d.name, d.description FROM (VALUES
        (1, 'Trust and safety', 'We can raise a problem, admit a mistake or disagree without it being held against us.'),
        (2, 'Listening', 'We hear each other out, check what we understood and agree on next steps.'),
        (3, 'Feedback and follow-through', 'Feedback comes early and kindly, and what we promise each other gets done or renegotiated.'),
        (4, 'Recognition', 'Good work gets specific, timely credit, and credit is shared fairly.'),
        (5, 'Clear communication', 'We know what was decided, who owns what, and why.'),
        (6, 'Support', 'When someone is stuck or stretched, help is easy to ask for and is offered.'),
        (7, 'Working across teams', 'Hand-offs with other teams go smoothly and we know whom to ask there.')
    ) AS d (ord, name, description);
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION orgs_seed_health() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM seed_health_dimensions(NEW.id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER orgs_seed_health AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION orgs_seed_health();
SELECT seed_health_dimensions(o.id) FROM orgs o;

-- Who may read a team's health: its members, the managers and leaders above
-- any member, and the organisation's admins. Pages, the roll-up and every
-- other read use this one rule.
-- +goose StatementBegin
CREATE FUNCTION health_team_readable(org bigint, viewer bigint, team bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM team_members m WHERE m.org_id = org AND m.team_id = team AND m.user_id = viewer)
        OR EXISTS (SELECT 1 FROM users u WHERE u.org_id = org AND u.id = viewer AND u.role = 'admin' AND u.active)
        OR EXISTS (SELECT 1 FROM team_members m JOIN reports_under(org, viewer) r ON r.id = m.user_id
                   WHERE m.org_id = org AND m.team_id = team)
$$;
-- +goose StatementEnd

CREATE TABLE health_checks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL,
    team_id    bigint NOT NULL,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    opened_by  bigint,
    opened_at  timestamptz NOT NULL,
    closes_at  timestamptz NOT NULL,
    closed_at  timestamptz,
    idem_key   text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    UNIQUE (org_id, id),
    CHECK (closes_at > opened_at),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, opened_by) REFERENCES users(org_id, id) ON DELETE SET NULL (opened_by)
);
CREATE INDEX health_checks_team_idx ON health_checks (org_id, team_id, opened_at DESC);
CREATE UNIQUE INDEX health_checks_idem_idx ON health_checks (team_id, idem_key) WHERE idem_key <> '';

-- The wording a check asked, copied from the dimensions when it opened.
CREATE TABLE health_check_dimensions (
    check_id     bigint NOT NULL REFERENCES health_checks(id) ON DELETE CASCADE,
    position     int NOT NULL CHECK (position >= 1),
    dimension_id bigint REFERENCES health_dimensions(id) ON DELETE SET NULL,
    version      int NOT NULL,
    name         text NOT NULL,
    description  text NOT NULL,
    PRIMARY KEY (check_id, position)
);

-- The answers. A row holds one person's ratings (scores[i] and trends[i]
-- answer the check's dimension at position i; trend 1 better, 0 same, -1
-- worse) and their comment, and nothing else: no id, no author, no time.
-- Each answer rewrites all of its check's rows in a random order in the
-- answer's transaction, so every row carries the latest answer's
-- transaction id and no row's place says when it came.
CREATE TABLE health_responses (
    org_id   bigint NOT NULL,
    check_id bigint NOT NULL REFERENCES health_checks(id) ON DELETE CASCADE,
    scores   smallint[] NOT NULL CHECK (1 <= ALL (scores) AND 5 >= ALL (scores)),
    trends   smallint[] NOT NULL CHECK (-1 <= ALL (trends) AND 1 >= ALL (trends)),
    comment  text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    CHECK (cardinality(scores) = cardinality(trends) AND cardinality(scores) >= 1)
);
CREATE INDEX health_responses_check_idx ON health_responses (check_id);

-- Who has answered a check, so nobody answers twice. Nothing here points at
-- a response, nor carries a time; rewritten with the responses.
CREATE TABLE health_responders (
    check_id bigint NOT NULL REFERENCES health_checks(id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (check_id, user_id)
);

-- +goose Down
DROP TABLE health_responders;
DROP TABLE health_responses;
DROP TABLE health_check_dimensions;
DROP TABLE health_checks;
DROP FUNCTION health_team_readable(bigint, bigint, bigint);
DROP TRIGGER orgs_seed_health ON orgs;
DROP FUNCTION orgs_seed_health();
DROP FUNCTION seed_health_dimensions(bigint);
DROP TABLE health_settings;
DROP TABLE health_dimensions;
