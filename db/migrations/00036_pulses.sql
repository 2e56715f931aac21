-- +goose Up
-- Pulse surveys: a few statements rated 1 to 5 and eNPS (0 to 10), asked of
-- the organisation or a part of it in rounds on a cadence, anonymously
-- (docs/privacy.md, "Pulse surveys").

-- A pulse and its schedule. Rounds are not stored: round n (from 1) opens
-- at starts_at + (n-1) × cadence_days and stays open for open_days, so a
-- round opens and closes on time without a job. The statements never change
-- once scheduled, so every round asks the same ones.
CREATE TABLE pulses (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    -- Who is asked: everyone active in the organisation, a team's members,
    -- or everyone under a person in the reporting tree.
    scope        text NOT NULL CHECK (scope IN ('org', 'team', 'tree')),
    team_id      bigint,
    root_id      bigint,
    statements   text[] NOT NULL CHECK (cardinality(statements) BETWEEN 1 AND 8),
    cadence_days int NOT NULL CHECK (cadence_days BETWEEN 7 AND 91),
    open_days    int NOT NULL CHECK (open_days >= 1 AND open_days <= cadence_days),
    starts_at    timestamptz NOT NULL,
    stopped_at   timestamptz,
    created_by   bigint,
    idem_key     text NOT NULL DEFAULT '' CHECK (length(idem_key) <= 64),
    UNIQUE (org_id, id),
    CHECK ((scope = 'team') = (team_id IS NOT NULL)),
    CHECK ((scope = 'tree') = (root_id IS NOT NULL)),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, root_id) REFERENCES users(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, created_by) REFERENCES users(org_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX pulses_org_idx ON pulses (org_id, starts_at DESC);
CREATE UNIQUE INDEX pulses_idem_idx ON pulses (org_id, idem_key) WHERE idem_key <> '';

-- The people a pulse asks, as the organisation is now.
-- +goose StatementBegin
CREATE FUNCTION pulse_audience(org bigint, pulse bigint) RETURNS TABLE (id bigint) LANGUAGE sql STABLE AS $$
    SELECT u.id FROM users u JOIN pulses p ON p.org_id = u.org_id AND p.id = pulse
    WHERE u.org_id = org AND u.active AND (
        p.scope = 'org'
        OR (p.scope = 'team' AND EXISTS (SELECT 1 FROM team_members m WHERE m.org_id = org AND m.team_id = p.team_id AND m.user_id = u.id))
        OR (p.scope = 'tree' AND u.id IN (SELECT r.id FROM reports_under(org, p.root_id) r)))
$$;
-- +goose StatementEnd

-- Who may read a pulse's results with their breakdowns: the organisation's
-- admins, the person who scheduled it, and for a reporting tree its top
-- person and the people above them. Every page uses this one rule.
-- +goose StatementBegin
CREATE FUNCTION pulse_readable(org bigint, viewer bigint, pulse bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM users u WHERE u.org_id = org AND u.id = viewer AND u.role = 'admin' AND u.active)
        OR EXISTS (SELECT 1 FROM pulses p WHERE p.org_id = org AND p.id = pulse AND (
               p.created_by = viewer
               OR p.root_id = viewer
               OR p.root_id IN (SELECT r.id FROM reports_under(org, viewer) r)))
$$;
-- +goose StatementEnd

-- The answers. A row holds one person's ratings (scores[i] answers the
-- pulse's statement i), their eNPS and comment, and two coarse groups: the
-- team and the manager they had when answering, each kept only when that
-- group had at least the organisation's threshold of people in the audience
-- (else NULL, counted as "other"). No id, no author, no time. Each answer
-- rewrites all of its round's rows in a random order.
CREATE TABLE pulse_responses (
    org_id     bigint NOT NULL,
    pulse_id   bigint NOT NULL,
    round_no   int NOT NULL CHECK (round_no >= 1),
    scores     smallint[] NOT NULL CHECK (cardinality(scores) BETWEEN 1 AND 8 AND 1 <= ALL (scores) AND 5 >= ALL (scores)),
    enps       smallint NOT NULL CHECK (enps BETWEEN 0 AND 10),
    comment    text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
    team_id    bigint,
    manager_id bigint,
    FOREIGN KEY (org_id, pulse_id) REFERENCES pulses(org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE SET NULL (team_id),
    FOREIGN KEY (org_id, manager_id) REFERENCES users(org_id, id) ON DELETE SET NULL (manager_id)
);
CREATE INDEX pulse_responses_round_idx ON pulse_responses (pulse_id, round_no);

-- Who has answered a round, so nobody answers twice. Nothing here points at
-- a response, nor carries a time; rewritten with the responses.
CREATE TABLE pulse_responders (
    pulse_id bigint NOT NULL REFERENCES pulses(id) ON DELETE CASCADE,
    round_no int NOT NULL,
    user_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (pulse_id, round_no, user_id)
);

-- +goose Down
DROP TABLE pulse_responders;
DROP TABLE pulse_responses;
DROP FUNCTION pulse_readable(bigint, bigint, bigint);
DROP FUNCTION pulse_audience(bigint, bigint);
DROP TABLE pulses;
