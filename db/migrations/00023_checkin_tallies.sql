-- +goose Up
-- The action figures of the check-in pages (open, overdue, follow-through;
-- docs/metrics.md), kept on write, so a roll-up no longer reads every open
-- action of every series. Nothing here depends on "today": overdue and
-- follow-through compare the stored due dates with today when they are
-- read. (Meeting counts are not kept: a series has at most one meeting in
-- any slot a period can start or end on, so a tally of them has as many
-- rows as the meetings and reads no faster; docs/performance.md.)
--
-- action_tallies: actions of a series by due date: all of them, those done
-- by the end of their due date (UTC), and those still open.
CREATE TABLE action_tallies (
    org_id      bigint NOT NULL,
    series_id   bigint NOT NULL,
    due_on      date NOT NULL,
    actions     int NOT NULL,
    done_on_time int NOT NULL,
    open        int NOT NULL,
    PRIMARY KEY (series_id, due_on)
);
CREATE INDEX action_tallies_org_idx ON action_tallies (org_id)
    INCLUDE (series_id, due_on, actions, done_on_time, open);

-- What the tallies must hold, from the actions themselves:
-- `rapport rebuild-readmodels` and the tests use it.
-- +goose StatementBegin
CREATE FUNCTION action_tallies_from_actions()
RETURNS TABLE (org_id bigint, series_id bigint, due_on date, actions int, done_on_time int, open int)
LANGUAGE sql STABLE AS $$
    SELECT a.org_id, a.series_id, a.due_on, count(*)::int,
        count(*) FILTER (WHERE a.done_at < (a.due_on + 1)::timestamp AT TIME ZONE 'UTC')::int,
        count(*) FILTER (WHERE a.done_at IS NULL)::int
    FROM action_items a
    GROUP BY 1, 2, 3
$$;
-- +goose StatementEnd

-- Replaces the tallies with what the actions say, holding off changes to
-- them meanwhile; returns how many rows were missing and how
-- many should not have been there (both 0 when the kept tallies were right).
-- +goose StatementBegin
CREATE FUNCTION checkin_tallies_rebuild(OUT missing bigint, OUT stale bigint)
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE action_items IN SHARE MODE;
    SELECT count(*) INTO missing FROM (
        SELECT * FROM action_tallies_from_actions() EXCEPT ALL SELECT * FROM action_tallies) x;
    SELECT count(*) INTO stale FROM (
        SELECT * FROM action_tallies EXCEPT ALL SELECT * FROM action_tallies_from_actions()) x;
    IF missing > 0 OR stale > 0 THEN
        DELETE FROM action_tallies;
        INSERT INTO action_tallies SELECT * FROM action_tallies_from_actions();
    END IF;
END
$$;
-- +goose StatementEnd

-- Statement-level, so a bulk load (COPY) adds its tallies in one pass: the
-- rows a statement removed count -1 and those it added +1, summed per tally
-- row (an update that changes no counted column adds nothing); tallies
-- that fall to zero are removed. Concurrent writers meet on the
-- tally row (ON CONFLICT) and never lose a count. (A transition table exists
-- only for its own event, so each event has its own statement.)
-- +goose StatementBegin
CREATE FUNCTION action_tallies_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO action_tallies AS t (org_id, series_id, due_on, actions, done_on_time, open)
        SELECT c.org_id, c.series_id, c.due_on, sum(c.sign),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0)
        FROM (SELECT org_id, series_id, due_on, done_at, 1 AS sign FROM new_actions) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0) <> 0
        ON CONFLICT (series_id, due_on) DO UPDATE
        SET actions = t.actions + excluded.actions, done_on_time = t.done_on_time + excluded.done_on_time,
            open = t.open + excluded.open;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO action_tallies AS t (org_id, series_id, due_on, actions, done_on_time, open)
        SELECT c.org_id, c.series_id, c.due_on, sum(c.sign),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0)
        FROM (SELECT org_id, series_id, due_on, done_at, 1 AS sign FROM new_actions
              UNION ALL SELECT org_id, series_id, due_on, done_at, -1 AS sign FROM old_actions) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0) <> 0
        ON CONFLICT (series_id, due_on) DO UPDATE
        SET actions = t.actions + excluded.actions, done_on_time = t.done_on_time + excluded.done_on_time,
            open = t.open + excluded.open;
        DELETE FROM action_tallies t USING (SELECT DISTINCT series_id FROM old_actions) o
        WHERE t.series_id = o.series_id AND t.actions = 0;
    ELSE
        INSERT INTO action_tallies AS t (org_id, series_id, due_on, actions, done_on_time, open)
        SELECT c.org_id, c.series_id, c.due_on, sum(c.sign),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0),
            coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0)
        FROM (SELECT org_id, series_id, due_on, done_at, -1 AS sign FROM old_actions) c
        GROUP BY 1, 2, 3
        HAVING sum(c.sign) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at < (c.due_on + 1)::timestamp AT TIME ZONE 'UTC'), 0) <> 0
            OR coalesce(sum(c.sign) FILTER (WHERE c.done_at IS NULL), 0) <> 0
        ON CONFLICT (series_id, due_on) DO UPDATE
        SET actions = t.actions + excluded.actions, done_on_time = t.done_on_time + excluded.done_on_time,
            open = t.open + excluded.open;
        DELETE FROM action_tallies t USING (SELECT DISTINCT series_id FROM old_actions) o
        WHERE t.series_id = o.series_id AND t.actions = 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER action_items_tallies_insert AFTER INSERT ON action_items
    REFERENCING NEW TABLE AS new_actions FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();
CREATE TRIGGER action_items_tallies_update AFTER UPDATE ON action_items
    REFERENCING OLD TABLE AS old_actions NEW TABLE AS new_actions
    FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();
CREATE TRIGGER action_items_tallies_delete AFTER DELETE ON action_items
    REFERENCING OLD TABLE AS old_actions FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();

INSERT INTO action_tallies SELECT * FROM action_tallies_from_actions();
ANALYZE action_tallies;

-- +goose Down
DROP TRIGGER action_items_tallies_delete ON action_items;
DROP TRIGGER action_items_tallies_update ON action_items;
DROP TRIGGER action_items_tallies_insert ON action_items;
DROP FUNCTION action_tallies_on_change();
DROP FUNCTION checkin_tallies_rebuild();
DROP FUNCTION action_tallies_from_actions();
DROP TABLE action_tallies;
