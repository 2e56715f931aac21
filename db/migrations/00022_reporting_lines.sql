-- +goose Up
-- The reporting tree, kept on write: one row for every person and each
-- manager above them (depth 1 is the direct manager), and one for the person
-- themselves (depth 0). Active status plays no part: a deactivated manager
-- stays in the chain, exactly as the walks over users.manager_id it replaces
-- did (deactivation moves reports up, which is a manager change). Writers
-- of the tree serialise on the organisation (OrgLockTree), so each trigger
-- reads lines no concurrent change is rewriting.
CREATE TABLE reporting_lines (
    org_id        bigint NOT NULL,
    ancestor_id   bigint NOT NULL,
    descendant_id bigint NOT NULL,
    depth         int NOT NULL CHECK (depth >= 0),
    PRIMARY KEY (org_id, ancestor_id, descendant_id),
    CHECK ((depth = 0) = (ancestor_id = descendant_id))
);
-- Upwards: a person's managers.
CREATE UNIQUE INDEX reporting_lines_up_idx ON reporting_lines (org_id, descendant_id, ancestor_id) INCLUDE (depth);

-- Everyone under a leader (not the leader), at any depth: the one rule for
-- "in my reporting tree". Every query that needs the tree uses it. A plain
-- SQL set-returning function, so the planner inlines it into each query as
-- an index scan of reporting_lines.
-- +goose StatementBegin
CREATE FUNCTION reports_under(org bigint, leader bigint)
RETURNS TABLE (id bigint) LANGUAGE sql STABLE AS $$
    SELECT l.descendant_id FROM reporting_lines l
    WHERE l.org_id = org AND l.ancestor_id = leader AND l.descendant_id <> leader
$$;
-- +goose StatementEnd

-- The tree as users.manager_id says it is, walked from the top: what
-- reporting_lines must hold. `rapport rebuild-tree` and its tests use it.
-- +goose StatementBegin
CREATE FUNCTION reporting_lines_from_users()
RETURNS TABLE (org_id bigint, ancestor_id bigint, descendant_id bigint, depth int) LANGUAGE sql STABLE AS $$
    WITH RECURSIVE walk (org_id, id, path) AS (
        SELECT u.org_id, u.id, ARRAY[u.id] FROM users u WHERE u.manager_id IS NULL
      UNION ALL
        SELECT c.org_id, c.id, w.path || c.id
        FROM walk w JOIN users c ON c.org_id = w.org_id AND c.manager_id = w.id
    )
    SELECT w.org_id, a.id, w.id, (cardinality(w.path) - a.ord)::int
    FROM walk w CROSS JOIN LATERAL unnest(w.path) WITH ORDINALITY AS a (id, ord)
$$;
-- +goose StatementEnd

-- Replaces reporting_lines with reporting_lines_from_users(), holding off
-- changes to people meanwhile; returns how many rows were missing and how
-- many should not have been there (both 0 when the kept tree was right).
-- +goose StatementBegin
CREATE FUNCTION reporting_lines_rebuild(OUT missing bigint, OUT stale bigint)
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE users IN SHARE MODE;
    SELECT count(*) INTO missing FROM (
        SELECT * FROM reporting_lines_from_users() EXCEPT SELECT * FROM reporting_lines) x;
    SELECT count(*) INTO stale FROM (
        SELECT * FROM reporting_lines EXCEPT SELECT * FROM reporting_lines_from_users()) x;
    IF missing > 0 OR stale > 0 THEN
        DELETE FROM reporting_lines;
        INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
        SELECT * FROM reporting_lines_from_users();
    END IF;
END
$$;
-- +goose StatementEnd

-- New people, one statement at a time (a bulk COPY may list reports before
-- their managers): walk down from those whose manager was already there,
-- and take that manager's lines above them. New people cannot have existing
-- reports, so nothing else changes.
-- +goose StatementBegin
CREATE FUNCTION reporting_lines_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH RECURSIVE walk (org_id, id, path) AS (
        SELECT n.org_id, n.id, ARRAY[n.id] FROM new_users n
        WHERE n.manager_id IS NULL OR NOT EXISTS (SELECT 1 FROM new_users m WHERE m.id = n.manager_id)
      UNION ALL
        SELECT c.org_id, c.id, w.path || c.id FROM walk w JOIN new_users c ON c.manager_id = w.id
    )
    INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
    SELECT w.org_id, a.id, w.id, cardinality(w.path) - a.ord
    FROM walk w CROSS JOIN LATERAL unnest(w.path) WITH ORDINALITY AS a (id, ord)
    UNION ALL
    SELECT w.org_id, l.ancestor_id, w.id, cardinality(w.path) + l.depth
    FROM walk w JOIN new_users r ON r.id = w.path[1]
    JOIN reporting_lines l ON l.org_id = r.org_id AND l.descendant_id = r.manager_id;
    -- People never reached from the top form a loop among themselves.
    IF EXISTS (SELECT 1 FROM new_users n WHERE NOT EXISTS (
        SELECT 1 FROM reporting_lines l WHERE l.org_id = n.org_id AND l.ancestor_id = n.id AND l.descendant_id = n.id)) THEN
        RAISE EXCEPTION 'reporting lines would form a loop' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A manager (or organisation) change moves the person's whole subtree: the
-- lines from the people above the person to everyone in the subtree are
-- replaced by lines from the new manager and those above them. One row at a
-- time, so a statement that moves several people applies each move in turn;
-- a move under one's own subtree is refused (the people service checks
-- first and explains; this keeps the table a tree whatever the writer).
-- +goose StatementBegin
CREATE FUNCTION reporting_lines_on_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.manager_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM reporting_lines l
        WHERE l.org_id = OLD.org_id AND l.ancestor_id = NEW.id AND l.descendant_id = NEW.manager_id) THEN
        RAISE EXCEPTION 'person % cannot report to % who reports to them', NEW.id, NEW.manager_id
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM reporting_lines l
    USING reporting_lines sub, reporting_lines up
    WHERE sub.org_id = OLD.org_id AND sub.ancestor_id = NEW.id
      AND up.org_id = OLD.org_id AND up.descendant_id = NEW.id AND up.ancestor_id <> NEW.id
      AND l.org_id = OLD.org_id AND l.ancestor_id = up.ancestor_id AND l.descendant_id = sub.descendant_id;
    IF NEW.org_id <> OLD.org_id THEN
        UPDATE reporting_lines l SET org_id = NEW.org_id
        FROM reporting_lines sub
        WHERE sub.org_id = OLD.org_id AND sub.ancestor_id = NEW.id
          AND l.org_id = OLD.org_id AND l.descendant_id = sub.descendant_id;
    END IF;
    INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
    SELECT NEW.org_id, up.ancestor_id, sub.descendant_id, up.depth + sub.depth + 1
    FROM reporting_lines up, reporting_lines sub
    WHERE up.org_id = NEW.org_id AND up.descendant_id = NEW.manager_id
      AND sub.org_id = NEW.org_id AND sub.ancestor_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Removed people take their lines with them. (A person's reports must go
-- in the same statement: users.manager_id refers to them.)
-- +goose StatementBegin
CREATE FUNCTION reporting_lines_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reporting_lines l USING old_users o
    WHERE l.org_id = o.org_id AND l.descendant_id = o.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_reporting_lines_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_users FOR EACH STATEMENT EXECUTE FUNCTION reporting_lines_on_insert();
CREATE TRIGGER users_reporting_lines_move AFTER UPDATE OF manager_id, org_id ON users
    FOR EACH ROW WHEN (OLD.manager_id IS DISTINCT FROM NEW.manager_id OR OLD.org_id <> NEW.org_id)
    EXECUTE FUNCTION reporting_lines_on_move();
CREATE TRIGGER users_reporting_lines_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION reporting_lines_on_delete();

INSERT INTO reporting_lines (org_id, ancestor_id, descendant_id, depth)
SELECT * FROM reporting_lines_from_users();
ANALYZE reporting_lines;

-- +goose Down
DROP TRIGGER users_reporting_lines_delete ON users;
DROP TRIGGER users_reporting_lines_move ON users;
DROP TRIGGER users_reporting_lines_insert ON users;
DROP FUNCTION reporting_lines_on_delete();
DROP FUNCTION reporting_lines_on_move();
DROP FUNCTION reporting_lines_on_insert();
DROP FUNCTION reporting_lines_rebuild();
DROP FUNCTION reporting_lines_from_users();
DROP FUNCTION reports_under(bigint, bigint);
DROP TABLE reporting_lines;
