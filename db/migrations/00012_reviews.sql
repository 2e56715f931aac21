-- +goose Up
-- The competency framework per organisation, versioned. competencies.id stays
-- the stable identity that kudos and 1:1 observations tag; a version holds
-- each organisation's wording of every competency at one point in time, and a
-- review cycle keeps the version it was written against.
CREATE TABLE framework_versions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    number     int NOT NULL CHECK (number >= 1),
    note       text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id),
    UNIQUE (org_id, number)
);

CREATE TABLE framework_entries (
    version_id    bigint NOT NULL REFERENCES framework_versions(id) ON DELETE CASCADE,
    competency_id bigint NOT NULL REFERENCES competencies(id),
    grp           text NOT NULL CHECK (grp IN ('leader', 'building-block')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    behaviour     text NOT NULL CHECK (length(behaviour) BETWEEN 1 AND 1000),
    result        text NOT NULL CHECK (length(result) BETWEEN 1 AND 1000),
    leader_check  text NOT NULL DEFAULT '' CHECK (length(leader_check) <= 1000),
    micro_action  text NOT NULL DEFAULT '' CHECK (length(micro_action) <= 1000),
    position      int NOT NULL,
    PRIMARY KEY (version_id, competency_id)
);

-- The rating scale of a version: 1 Developing … 4 Role model by default.
CREATE TABLE framework_scale (
    version_id  bigint NOT NULL REFERENCES framework_versions(id) ON DELETE CASCADE,
    value       smallint NOT NULL CHECK (value BETWEEN 1 AND 9),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 40),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 300),
    PRIMARY KEY (version_id, value)
);

-- What a new version 1 says about each competency beyond the seed table.
-- +goose StatementBegin
CREATE FUNCTION competency_description(k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE k
        WHEN 'rapport' THEN 'Builds the personal connection that makes work conversations easier.'
        WHEN 'contact-maintenance' THEN 'Stays in touch on a steady rhythm, not only when something is needed.'
        WHEN 'ethical-networking' THEN 'Makes and uses connections openly, with consent and a clear purpose.'
        WHEN 'partnerships' THEN 'Builds working ties with other teams and organisations that both sides value.'
        WHEN 'internal-dynamics' THEN 'Understands how other functions work and keeps hand-offs between teams clear.'
        WHEN 'strategic-networking' THEN 'Reaches the people who decide, through existing ties and within the norms.'
        WHEN 'trust' THEN 'Is someone others can rely on: honest, discreet and generous with credit.'
        WHEN 'listening' THEN 'Makes sure people feel heard and that everyone leaves with the same plan.'
        WHEN 'emotional-intelligence' THEN 'Notices how people are doing and adjusts how and when to talk.'
        WHEN 'feedback-follow-through' THEN 'Does what was agreed, says how it is going, and changes course early.'
        ELSE '' END
$$;
-- +goose StatementEnd

-- Version 1 of an organisation's framework, from the shared seed content.
-- +goose StatementBegin
CREATE FUNCTION seed_framework_for(o bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v bigint;
BEGIN
    INSERT INTO framework_versions (org_id, number, note)
    VALUES (o, 1, 'The starting framework')
    ON CONFLICT (org_id, number) DO NOTHING
    RETURNING id INTO v;
    IF v IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO framework_entries (version_id, competency_id, grp, name, description, behaviour, result, leader_check, micro_action, position)
    SELECT v, c.id, c.grp, c.name, competency_description(c.key), c.behaviour, c.result, c.leader_check, c.micro_action, c.position
    FROM competencies c;
    INSERT INTO framework_scale (version_id, value, label, description) VALUES
        (v, 1, 'Developing', 'Shows the behaviour now and then, usually when prompted.'),
        (v, 2, 'Consistent', 'Shows the behaviour reliably in everyday work.'),
        (v, 3, 'Strong', 'Shows it under pressure too, and others notice the result.'),
        (v, 4, 'Role model', 'Others learn it from them; it shapes how the team works.');
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION seed_framework() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM seed_framework_for(NEW.id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- Every way an organisation is created (setup, demo, command line) gets
-- version 1; existing organisations get it here.
CREATE TRIGGER orgs_seed_framework AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION seed_framework();
SELECT seed_framework_for(id) FROM orgs;

-- Review cycles. A cycle is 'open' while people write and 'closed' once a
-- leader closes it; each participant moves through review_state.
CREATE TYPE review_state AS ENUM ('draft', 'self_submitted', 'manager_submitted', 'acknowledged', 'finalised');

CREATE TABLE review_cycles (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id               bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    period_start         date NOT NULL,
    period_end           date NOT NULL,
    framework_version_id bigint NOT NULL,
    self_due             date NOT NULL,
    manager_due          date NOT NULL,
    created_by           bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    state                text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    UNIQUE (org_id, id),
    CHECK (period_end >= period_start),
    CHECK (manager_due >= self_due),
    FOREIGN KEY (org_id, framework_version_id) REFERENCES framework_versions(org_id, id)
);
-- One name per organisation, which also makes a double submit of the cycle
-- form create one cycle.
CREATE UNIQUE INDEX review_cycles_org_name_idx ON review_cycles (org_id, lower(name));
CREATE INDEX review_cycles_org_time_idx ON review_cycles (org_id, period_end DESC);

CREATE TABLE review_participants (
    cycle_id             bigint NOT NULL,
    org_id               bigint NOT NULL,
    person_id            bigint NOT NULL,
    -- The reviewer: the person's manager when they joined the cycle.
    manager_id           bigint,
    state                review_state NOT NULL DEFAULT 'draft',
    summary              text NOT NULL DEFAULT '' CHECK (length(summary) <= 4000),
    ack_comment          text NOT NULL DEFAULT '' CHECK (length(ack_comment) <= 2000),
    self_submitted_at    timestamptz,
    manager_submitted_at timestamptz,
    acknowledged_at      timestamptz,
    finalised_at         timestamptz,
    finalised_by         bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, person_id),
    FOREIGN KEY (org_id, cycle_id) REFERENCES review_cycles(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, person_id) REFERENCES users(org_id, id),
    FOREIGN KEY (org_id, manager_id) REFERENCES users(org_id, id)
);
CREATE INDEX review_participants_person_idx ON review_participants (org_id, person_id);
CREATE INDEX review_participants_manager_idx ON review_participants (org_id, manager_id);

CREATE TABLE review_ratings (
    cycle_id        bigint NOT NULL,
    org_id          bigint NOT NULL,
    person_id       bigint NOT NULL,
    competency_id   bigint NOT NULL REFERENCES competencies(id),
    self_rating     smallint CHECK (self_rating BETWEEN 1 AND 9),
    self_comment    text NOT NULL DEFAULT '' CHECK (length(self_comment) <= 2000),
    manager_rating  smallint CHECK (manager_rating BETWEEN 1 AND 9),
    manager_comment text NOT NULL DEFAULT '' CHECK (length(manager_comment) <= 2000),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cycle_id, person_id, competency_id),
    FOREIGN KEY (cycle_id, person_id) REFERENCES review_participants(cycle_id, person_id) ON DELETE CASCADE
);

-- In-app notices of what is due, written by the reminder job; the home page
-- shows those whose step is still outstanding. One per person, cycle and step.
CREATE TABLE review_notices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL,
    user_id    bigint NOT NULL,
    cycle_id   bigint NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('self', 'manager')),
    due_on     date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cycle_id, user_id, kind),
    FOREIGN KEY (org_id, cycle_id) REFERENCES review_cycles(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE INDEX review_notices_user_idx ON review_notices (org_id, user_id);

-- The report's consent to use a meeting's shared notes as review evidence.
-- NULL: not granted. Private notes are never evidence.
ALTER TABLE meetings ADD COLUMN evidence_consent_at timestamptz;

-- Actions that count towards follow-through, one branch per source. Retro
-- actions join with one more UNION ALL branch.
CREATE VIEW follow_through_actions AS
    SELECT a.org_id, a.owner_id, a.due_on, a.done_at, 'oneonone'::text AS source, a.meeting_id AS ref_id
    FROM action_items a;

-- Evidence queries look up observations by competency.
CREATE INDEX observations_subject_comp_idx ON observations (org_id, subject_id, competency_id, created_at);
-- The coaching cues: a person's actions by due date, whether a 1:1 has
-- next steps, and the talking points a person added.
CREATE INDEX action_items_owner_due_idx ON action_items (org_id, owner_id, due_on) INCLUDE (done_at);
CREATE INDEX action_items_meeting_idx ON action_items (meeting_id);
CREATE INDEX agenda_items_author_idx ON agenda_items (org_id, author_id, meeting_id);

-- +goose Down
DROP INDEX agenda_items_author_idx;
DROP INDEX action_items_meeting_idx;
DROP INDEX action_items_owner_due_idx;
DROP INDEX observations_subject_comp_idx;
DROP VIEW follow_through_actions;
ALTER TABLE meetings DROP COLUMN evidence_consent_at;
DROP TABLE review_notices;
DROP TABLE review_ratings;
DROP TABLE review_participants;
DROP TABLE review_cycles;
DROP TYPE review_state;
DROP TRIGGER orgs_seed_framework ON orgs;
DROP FUNCTION seed_framework();
DROP FUNCTION seed_framework_for(bigint);
DROP FUNCTION competency_description(text);
DROP TABLE framework_scale;
DROP TABLE framework_entries;
DROP TABLE framework_versions;
