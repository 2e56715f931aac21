-- +goose Up
-- The check-in figures, kept on write. docs/metrics.md defines them; these
-- tables hold the counts they are made of, so dashboards no longer read
-- every meeting and action of a period. Nothing here depends on "today":
-- overdue, follow-through and drift compare the stored dates with today when
-- they are read.
--
-- meeting_tallies: meetings of a series by 12-hour slot (UTC), status, and,
-- for cancellations, who cancelled (0 otherwise). A period starts and ends
-- at midnight UTC and its half falls at midnight or noon, so every figure
-- of a period is a sum of whole slots. Scheduled meetings count towards no
-- figure and are left out. Who cancelled is kept as a person, not as
-- "manager" or "report", so reassigning a series needs no rewrite.
CREATE TABLE meeting_tallies (
    org_id    bigint NOT NULL,
    series_id bigint NOT NULL,
    slot      timestamptz NOT NULL,
    status    meeting_status NOT NULL,
    status_by bigint NOT NULL,
    meetings  int NOT NULL,
    pulse_sum int NOT NULL,
    pulse_n   int NOT NULL,
    PRIMARY KEY (series_id, slot, status, status_by)
);
CREATE INDEX meeting_tallies_org_slot_idx ON meeting_tallies (org_id, slot)
    INCLUDE (series_id, status, status_by, meetings, pulse_sum, pulse_n);

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

-- The 12-hour slot a meeting counts in.
-- +goose StatementBegin
CREATE FUNCTION tally_slot(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT date_bin('12 hours', at, timestamptz '1970-01-01 00:00:00+00')
$$;
-- +goose StatementEnd

-- What the tallies must hold, from the meetings and actions themselves:
-- `rapport rebuild-readmodels` and the tests use them.
-- +goose StatementBegin
CREATE FUNCTION meeting_tallies_from_meetings()
RETURNS TABLE (org_id bigint, series_id bigint, slot timestamptz, status meeting_status, status_by bigint,
               meetings int, pulse_sum int, pulse_n int) LANGUAGE sql STABLE AS $$
    SELECT m.org_id, m.series_id, tally_slot(m.scheduled_at), m.status,
        CASE WHEN m.status = 'cancelled' THEN coalesce(m.status_by, 0) ELSE 0 END,
        count(*)::int, coalesce(sum(m.pulse), 0)::int, count(m.pulse)::int
    FROM meetings m WHERE m.status <> 'scheduled'
    GROUP BY 1, 2, 3, 4, 5
$$;
-- +goose StatementEnd
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

-- Replaces both tallies with what the rows say, holding off changes to
-- meetings and actions meanwhile; returns how many rows were missing and how
-- many should not have been there (both 0 when the kept tallies were right).
-- +goose StatementBegin
CREATE FUNCTION checkin_tallies_rebuild(OUT missing bigint, OUT stale bigint)
LANGUAGE plpgsql AS $$
DECLARE
    m bigint;
    s bigint;
BEGIN
    LOCK TABLE meetings, action_items IN SHARE MODE;
    SELECT count(*) INTO missing FROM (
        SELECT * FROM meeting_tallies_from_meetings() EXCEPT ALL SELECT * FROM meeting_tallies) x;
    SELECT count(*) INTO stale FROM (
        SELECT * FROM meeting_tallies EXCEPT ALL SELECT * FROM meeting_tallies_from_meetings()) x;
    IF missing > 0 OR stale > 0 THEN
        DELETE FROM meeting_tallies;
        INSERT INTO meeting_tallies SELECT * FROM meeting_tallies_from_meetings();
    END IF;
    SELECT count(*) INTO m FROM (
        SELECT * FROM action_tallies_from_actions() EXCEPT ALL SELECT * FROM action_tallies) x;
    SELECT count(*) INTO s FROM (
        SELECT * FROM action_tallies EXCEPT ALL SELECT * FROM action_tallies_from_actions()) x;
    IF m > 0 OR s > 0 THEN
        DELETE FROM action_tallies;
        INSERT INTO action_tallies SELECT * FROM action_tallies_from_actions();
    END IF;
    missing := missing + m;
    stale := stale + s;
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
CREATE FUNCTION meeting_tallies_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO meeting_tallies AS t (org_id, series_id, slot, status, status_by, meetings, pulse_sum, pulse_n)
        SELECT c.org_id, c.series_id, tally_slot(c.scheduled_at), c.status,
            CASE WHEN c.status = 'cancelled' THEN coalesce(c.status_by, 0) ELSE 0 END,
            sum(c.sign), coalesce(sum(c.sign * c.pulse), 0), sum(c.sign * (c.pulse IS NOT NULL)::int)
        FROM (SELECT org_id, series_id, scheduled_at, status, status_by, pulse, 1 AS sign FROM new_meetings) c
        WHERE c.status <> 'scheduled'
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.sign) <> 0 OR coalesce(sum(c.sign * c.pulse), 0) <> 0 OR sum(c.sign * (c.pulse IS NOT NULL)::int) <> 0
        ON CONFLICT (series_id, slot, status, status_by) DO UPDATE
        SET meetings = t.meetings + excluded.meetings, pulse_sum = t.pulse_sum + excluded.pulse_sum,
            pulse_n = t.pulse_n + excluded.pulse_n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO meeting_tallies AS t (org_id, series_id, slot, status, status_by, meetings, pulse_sum, pulse_n)
        SELECT c.org_id, c.series_id, tally_slot(c.scheduled_at), c.status,
            CASE WHEN c.status = 'cancelled' THEN coalesce(c.status_by, 0) ELSE 0 END,
            sum(c.sign), coalesce(sum(c.sign * c.pulse), 0), sum(c.sign * (c.pulse IS NOT NULL)::int)
        FROM (SELECT org_id, series_id, scheduled_at, status, status_by, pulse, 1 AS sign FROM new_meetings
              UNION ALL SELECT org_id, series_id, scheduled_at, status, status_by, pulse, -1 AS sign FROM old_meetings) c
        WHERE c.status <> 'scheduled'
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.sign) <> 0 OR coalesce(sum(c.sign * c.pulse), 0) <> 0 OR sum(c.sign * (c.pulse IS NOT NULL)::int) <> 0
        ON CONFLICT (series_id, slot, status, status_by) DO UPDATE
        SET meetings = t.meetings + excluded.meetings, pulse_sum = t.pulse_sum + excluded.pulse_sum,
            pulse_n = t.pulse_n + excluded.pulse_n;
        DELETE FROM meeting_tallies t USING (SELECT DISTINCT series_id FROM old_meetings) o
        WHERE t.series_id = o.series_id AND t.meetings = 0;
    ELSE
        INSERT INTO meeting_tallies AS t (org_id, series_id, slot, status, status_by, meetings, pulse_sum, pulse_n)
        SELECT c.org_id, c.series_id, tally_slot(c.scheduled_at), c.status,
            CASE WHEN c.status = 'cancelled' THEN coalesce(c.status_by, 0) ELSE 0 END,
            sum(c.sign), coalesce(sum(c.sign * c.pulse), 0), sum(c.sign * (c.pulse IS NOT NULL)::int)
        FROM (SELECT org_id, series_id, scheduled_at, status, status_by, pulse, -1 AS sign FROM old_meetings) c
        WHERE c.status <> 'scheduled'
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(c.sign) <> 0 OR coalesce(sum(c.sign * c.pulse), 0) <> 0 OR sum(c.sign * (c.pulse IS NOT NULL)::int) <> 0
        ON CONFLICT (series_id, slot, status, status_by) DO UPDATE
        SET meetings = t.meetings + excluded.meetings, pulse_sum = t.pulse_sum + excluded.pulse_sum,
            pulse_n = t.pulse_n + excluded.pulse_n;
        DELETE FROM meeting_tallies t USING (SELECT DISTINCT series_id FROM old_meetings) o
        WHERE t.series_id = o.series_id AND t.meetings = 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

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

CREATE TRIGGER meetings_tallies_insert AFTER INSERT ON meetings
    REFERENCING NEW TABLE AS new_meetings FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_on_change();
CREATE TRIGGER meetings_tallies_update AFTER UPDATE ON meetings
    REFERENCING OLD TABLE AS old_meetings NEW TABLE AS new_meetings
    FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_on_change();
CREATE TRIGGER meetings_tallies_delete AFTER DELETE ON meetings
    REFERENCING OLD TABLE AS old_meetings FOR EACH STATEMENT EXECUTE FUNCTION meeting_tallies_on_change();
CREATE TRIGGER action_items_tallies_insert AFTER INSERT ON action_items
    REFERENCING NEW TABLE AS new_actions FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();
CREATE TRIGGER action_items_tallies_update AFTER UPDATE ON action_items
    REFERENCING OLD TABLE AS old_actions NEW TABLE AS new_actions
    FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();
CREATE TRIGGER action_items_tallies_delete AFTER DELETE ON action_items
    REFERENCING OLD TABLE AS old_actions FOR EACH STATEMENT EXECUTE FUNCTION action_tallies_on_change();

INSERT INTO meeting_tallies SELECT * FROM meeting_tallies_from_meetings();
INSERT INTO action_tallies SELECT * FROM action_tallies_from_actions();
ANALYZE meeting_tallies;
ANALYZE action_tallies;

-- +goose Down
DROP TRIGGER action_items_tallies_delete ON action_items;
DROP TRIGGER action_items_tallies_update ON action_items;
DROP TRIGGER action_items_tallies_insert ON action_items;
DROP TRIGGER meetings_tallies_delete ON meetings;
DROP TRIGGER meetings_tallies_update ON meetings;
DROP TRIGGER meetings_tallies_insert ON meetings;
DROP FUNCTION action_tallies_on_change();
DROP FUNCTION meeting_tallies_on_change();
DROP FUNCTION checkin_tallies_rebuild();
DROP FUNCTION action_tallies_from_actions();
DROP FUNCTION meeting_tallies_from_meetings();
DROP FUNCTION tally_slot(timestamptz);
DROP TABLE action_tallies;
DROP TABLE meeting_tallies;
