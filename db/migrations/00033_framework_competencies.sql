-- +goose Up
-- Organisations add competencies of their own and retire ones they no longer
-- use. An added competency is a row of competencies with the organisation's
-- id (the shared seed rows keep NULL), so kudos, observations and ratings keep
-- pointing at one stable id. A version lists every competency it knows, the
-- retired ones flagged: old versions keep their wording, and a retired
-- competency can be restored with it.
ALTER TABLE competencies ADD COLUMN org_id bigint REFERENCES orgs(id) ON DELETE CASCADE;
CREATE INDEX competencies_org_idx ON competencies (org_id) WHERE org_id IS NOT NULL;

ALTER TABLE framework_entries ADD COLUMN retired boolean NOT NULL DEFAULT false;
-- Names are unique within a version, retired ones included, so restoring one
-- never makes two competencies with the same name.
CREATE UNIQUE INDEX framework_entries_name_idx ON framework_entries (version_id, lower(name));

-- Version 1 of a new organisation starts from the shared seed rows only.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION seed_framework_for(o bigint) RETURNS void LANGUAGE plpgsql AS $$
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
    FROM competencies c WHERE c.org_id IS NULL;
    INSERT INTO framework_scale (version_id, value, label, description) VALUES
        (v, 1, 'Developing', 'Shows the behaviour now and then, usually when prompted.'),
        (v, 2, 'Consistent', 'Shows the behaviour reliably in everyday work.'),
        (v, 3, 'Strong', 'Shows it under pressure too, and others notice the result.'),
        (v, 4, 'Role model', 'Others learn it from them; it shapes how the team works.');
END $$;
-- +goose StatementEnd

-- The name a competency had in an organisation's framework at a moment: the
-- newest version saved by then that lists it (the oldest one for things
-- dated before the first version). Kudos and observations show their tags
-- with it, so a rename or a retirement later leaves them as they were.
-- +goose StatementBegin
CREATE FUNCTION competency_name_at(o bigint, c bigint, at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT e.name FROM framework_versions v
         JOIN framework_entries e ON e.version_id = v.id AND e.competency_id = c
         WHERE v.org_id = o
         ORDER BY CASE WHEN v.created_at <= at THEN v.number ELSE -v.number END DESC
         LIMIT 1),
        (SELECT name FROM competencies WHERE id = c))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION competency_name_at(bigint, bigint, timestamptz);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION seed_framework_for(o bigint) RETURNS void LANGUAGE plpgsql AS $$
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
DROP INDEX framework_entries_name_idx;
ALTER TABLE framework_entries DROP COLUMN retired;
-- Going back forgets the competencies organisations added, with their tags.
DELETE FROM kudo_competencies WHERE competency_id IN (SELECT id FROM competencies WHERE org_id IS NOT NULL);
DELETE FROM observations WHERE competency_id IN (SELECT id FROM competencies WHERE org_id IS NOT NULL);
DELETE FROM review_ratings WHERE competency_id IN (SELECT id FROM competencies WHERE org_id IS NOT NULL);
DELETE FROM framework_entries WHERE competency_id IN (SELECT id FROM competencies WHERE org_id IS NOT NULL);
DELETE FROM competencies WHERE org_id IS NOT NULL;
DROP INDEX competencies_org_idx;
ALTER TABLE competencies DROP COLUMN org_id;
