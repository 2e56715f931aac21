-- +goose Up
-- The meeting figures of the check-in roll-up (cadence kept, cancelled,
-- pulse; docs/metrics.md), kept on write as running totals, so a period of
-- any length costs two index probes per series instead of reading every
-- meeting in it.
--
-- meeting_totals: one row per series and UTC day with meetings: that day's
-- meetings (all, held, cancelled, pulses of held ones) and the running
-- totals of the series up to and including that day. The figures of
-- [from, to) (both midnight UTC) are the totals of the last row before `to`
-- minus those of the last row before `from`.
CREATE TABLE meeting_totals (
    org_id        bigint NOT NULL,
    series_id     bigint NOT NULL,
    day           date NOT NULL,
    meetings      int NOT NULL,
    held          int NOT NULL,
    cancelled     int NOT NULL,
    pulse_sum     int NOT NULL,
    pulse_n       int NOT NULL,
    held_run      int NOT NULL,
    cancelled_run int NOT NULL,
    pulse_sum_run int NOT NULL,
    pulse_n_run   int NOT NULL,
    PRIMARY KEY (series_id, day) INCLUDE (held_run, cancelled_run, pulse_sum_run, pulse_n_run)
);

-- What the table must hold, from the meetings themselves:
-- `rapport rebuild-readmodels` and the tests use it.
-- +goose StatementBegin
CREATE FUNCTION meeting_totals_from_meetings()
RETURNS TABLE (org_id bigint, series_id bigint, day date, meetings int, held int, cancelled int,
    pulse_sum int, pulse_n int, held_run int, cancelled_run int, pulse_sum_run int, pulse_n_run int)
LANGUAGE sql STABLE AS $$
    SELECT d.org_id, d.series_id, d.day, d.meetings, d.held, d.cancelled, d.pulse_sum, d.pulse_n,
        (sum(d.held) OVER w)::int, (sum(d.cancelled) OVER w)::int,
        (sum(d.pulse_sum) OVER w)::int, (sum(d.pulse_n) OVER w)::int
    FROM (
        SELECT m.org_id, m.series_id, (m.scheduled_at AT TIME ZONE 'UTC')::date AS day,
            count(*)::int AS meetings,
            count(*) FILTER (WHERE m.status = 'held')::int AS held,
            count(*) FILTER (WHERE m.status = 'cancelled')::int AS cancelled,
            coalesce(sum(m.pulse) FILTER (WHERE m.status = 'held'), 0)::int AS pulse_sum,
            count(m.pulse) FILTER (WHERE m.status = 'held')::int AS pulse_n
        FROM meetings m
        GROUP BY 1, 2, 3
    ) d
    WINDOW w AS (PARTITION BY d.series_id ORDER BY d.day)
$$;
-- +goose StatementEnd

-- Adds one statement's changes, summed per series and day (removed meetings
-- count -1, added ones +1): the day rows take them, days left without
-- meetings go, then the running totals of each changed series are
-- recomputed from its first changed day on, starting from the last row
-- before it. Writers of one series take turns on its series row, so the
-- running totals never miss a concurrent change.
-- +goose StatementBegin
CREATE FUNCTION meeting_totals_apply(orgs bigint[], series bigint[], days date[], n int[], h int[], c int[],
    ps int[], pn int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM oneonone_series s WHERE s.id IN (SELECT unnest(series)) ORDER BY s.id FOR NO KEY UPDATE;
    INSERT INTO meeting_totals AS t (org_id, series_id, day, meetings, held, cancelled, pulse_sum, pulse_n,
        held_run, cancelled_run, pulse_sum_run, pulse_n_run)
    SELECT x.o, x.s, x.d, x.n, x.h, x.c, x.ps, x.pn, 0, 0, 0, 0
    FROM unnest(orgs, series, days, n, h, c, ps, pn) AS x(o, s, d, n, h, c, ps, pn)
    ON CONFLICT (series_id, day) DO UPDATE
    SET meetings = t.meetings + excluded.meetings, held = t.held + excluded.held,
        cancelled = t.cancelled + excluded.cancelled, pulse_sum = t.pulse_sum + excluded.pulse_sum,
        pulse_n = t.pulse_n + excluded.pulse_n;
    DELETE FROM meeting_totals t USING unnest(series, days) AS x(s, d)
    WHERE t.series_id = x.s AND t.day = x.d AND t.meetings = 0;
    UPDATE meeting_totals t
    SET held_run = r.held_run, cancelled_run = r.cancelled_run, pulse_sum_run = r.pulse_sum_run,
        pulse_n_run = r.pulse_n_run
    FROM (
        SELECT m.series_id, m.day,
            (coalesce(b.held_run, 0) + sum(m.held) OVER w)::int AS held_run,
            (coalesce(b.cancelled_run, 0) + sum(m.cancelled) OVER w)::int AS cancelled_run,
            (coalesce(b.pulse_sum_run, 0) + sum(m.pulse_sum) OVER w)::int AS pulse_sum_run,
            (coalesce(b.pulse_n_run, 0) + sum(m.pulse_n) OVER w)::int AS pulse_n_run
        FROM (SELECT x.s, min(x.d) AS since FROM unnest(series, days) AS x(s, d) GROUP BY x.s) a
        JOIN meeting_totals m ON m.series_id = a.s AND m.day >= a.since
        LEFT JOIN LATERAL (
            SELECT p.held_run, p.cancelled_run, p.pulse_sum_run, p.pulse_n_run FROM meeting_totals p
            WHERE p.series_id = a.s AND p.day < a.since ORDER BY p.day DESC LIMIT 1) b ON true
        WINDOW w AS (PARTITION BY m.series_id ORDER BY m.day)
    ) r
    WHERE t.series_id = r.series_id AND t.day = r.day
      AND (t.held_run, t.cancelled_run, t.pulse_sum_run, t.pulse_n_run)
          IS DISTINCT FROM (r.held_run, r.cancelled_run, r.pulse_sum_run, r.pulse_n_run);
END
$$;
-- +goose StatementEnd

-- Statement-level, so a bulk load (COPY) is one pass. An update that
-- changes no counted column (notes, agenda, balance) sums to nothing and
-- writes nothing. (A transition table exists only for its own event, so
-- each event has its own function.)
-- +goose StatementBegin
CREATE FUNCTION meeting_totals_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o bigint[]; s bigint[]; d date[]; n int[]; h int[]; c int[]; ps int[]; pn int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(x.org_id), array_agg(x.series_id), array_agg(x.day), array_agg(x.n), array_agg(x.h),
            array_agg(x.c), array_agg(x.ps), array_agg(x.pn)
        INTO o, s, d, n, h, c, ps, pn
        FROM (SELECT m.org_id, m.series_id, (m.scheduled_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS n,
                count(*) FILTER (WHERE m.status = 'held')::int AS h,
                count(*) FILTER (WHERE m.status = 'cancelled')::int AS c,
                coalesce(sum(m.pulse) FILTER (WHERE m.status = 'held'), 0)::int AS ps,
                count(m.pulse) FILTER (WHERE m.status = 'held')::int AS pn
            FROM new_meetings m GROUP BY 1, 2, 3) x;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(x.org_id), array_agg(x.series_id), array_agg(x.day), array_agg(x.n), array_agg(x.h),
            array_agg(x.c), array_agg(x.ps), array_agg(x.pn)
        INTO o, s, d, n, h, c, ps, pn
        FROM (SELECT m.org_id, m.series_id, (m.scheduled_at AT TIME ZONE 'UTC')::date AS day,
                sum(m.sign)::int AS n,
                coalesce(sum(m.sign) FILTER (WHERE m.status = 'held'), 0)::int AS h,
                coalesce(sum(m.sign) FILTER (WHERE m.status = 'cancelled'), 0)::int AS c,
                coalesce(sum(m.sign * m.pulse) FILTER (WHERE m.status = 'held'), 0)::int AS ps,
                coalesce(sum(m.sign) FILTER (WHERE m.status = 'held' AND m.pulse IS NOT NULL), 0)::int AS pn
            FROM (SELECT org_id, series_id, scheduled_at, status, pulse, 1 AS sign FROM new_meetings
                  UNION ALL SELECT org_id, series_id, scheduled_at, status, pulse, -1 FROM old_meetings) m
            GROUP BY 1, 2, 3) x
        WHERE x.n <> 0 OR x.h <> 0 OR x.c <> 0 OR x.ps <> 0 OR x.pn <> 0;
    ELSE
        SELECT array_agg(x.org_id), array_agg(x.series_id), array_agg(x.day), array_agg(x.n), array_agg(x.h),
            array_agg(x.c), array_agg(x.ps), array_agg(x.pn)
        INTO o, s, d, n, h, c, ps, pn
        FROM (SELECT m.org_id, m.series_id, (m.scheduled_at AT TIME ZONE 'UTC')::date AS day, -count(*)::int AS n,
                -count(*) FILTER (WHERE m.status = 'held')::int AS h,
                -count(*) FILTER (WHERE m.status = 'cancelled')::int AS c,
                -coalesce(sum(m.pulse) FILTER (WHERE m.status = 'held'), 0)::int AS ps,
                -count(m.pulse) FILTER (WHERE m.status = 'held')::int AS pn
            FROM old_meetings m GROUP BY 1, 2, 3) x;
    END IF;
    IF s IS NOT NULL THEN
        PERFORM meeting_totals_apply(o, s, d, n, h, c, ps, pn);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER meetings_totals_insert AFTER INSERT ON meetings
    REFERENCING NEW TABLE AS new_meetings FOR EACH STATEMENT EXECUTE FUNCTION meeting_totals_on_change();
CREATE TRIGGER meetings_totals_update AFTER UPDATE ON meetings
    REFERENCING OLD TABLE AS old_meetings NEW TABLE AS new_meetings
    FOR EACH STATEMENT EXECUTE FUNCTION meeting_totals_on_change();
CREATE TRIGGER meetings_totals_delete AFTER DELETE ON meetings
    REFERENCING OLD TABLE AS old_meetings FOR EACH STATEMENT EXECUTE FUNCTION meeting_totals_on_change();

-- The rebuild now covers both kept tables; its counts are their sums.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION checkin_tallies_rebuild(OUT missing bigint, OUT stale bigint)
LANGUAGE plpgsql AS $$
DECLARE
    m2 bigint; s2 bigint;
BEGIN
    LOCK TABLE action_items IN SHARE MODE;
    LOCK TABLE meetings IN SHARE MODE;
    SELECT count(*) INTO missing FROM (
        SELECT * FROM action_tallies_from_actions() EXCEPT ALL SELECT * FROM action_tallies) x;
    SELECT count(*) INTO stale FROM (
        SELECT * FROM action_tallies EXCEPT ALL SELECT * FROM action_tallies_from_actions()) x;
    IF missing > 0 OR stale > 0 THEN
        DELETE FROM action_tallies;
        INSERT INTO action_tallies SELECT * FROM action_tallies_from_actions();
    END IF;
    SELECT count(*) INTO m2 FROM (
        SELECT * FROM meeting_totals_from_meetings() EXCEPT ALL SELECT * FROM meeting_totals) x;
    SELECT count(*) INTO s2 FROM (
        SELECT * FROM meeting_totals EXCEPT ALL SELECT * FROM meeting_totals_from_meetings()) x;
    IF m2 > 0 OR s2 > 0 THEN
        DELETE FROM meeting_totals;
        INSERT INTO meeting_totals SELECT * FROM meeting_totals_from_meetings();
    END IF;
    missing := missing + m2;
    stale := stale + s2;
END
$$;
-- +goose StatementEnd

-- Slots of a series' schedule that start before the local time lt of its
-- time zone (docs/metrics.md, "The schedule of a series"), by arithmetic on
-- local dates: the same count as the schedule package's, but for a slot
-- whose local time falls in a daylight-saving gap or fold within an hour of
-- the instant. One expression in floating point (exact for these whole
-- numbers), so the planner inlines it into the roll-up.
-- +goose StatementBegin
CREATE FUNCTION series_slots_before_local(cad cadence, interval_days int, weekday smallint, start_time time,
    starts_on date, lt timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cad = 'monthly' THEN greatest(0,
        -- months from the start's month to lt's, both counted
        (date_part('year', lt)::int * 12 + date_part('month', lt)::int)
        - (date_part('year', starts_on::timestamp)::int * 12 + date_part('month', starts_on::timestamp)::int) + 1
        -- less the first month's slot if it falls before the start
        - CASE WHEN date_trunc('month', starts_on::timestamp)::date
                + (weekday - date_part('dow', date_trunc('month', starts_on::timestamp))::int + 7) % 7 < starts_on
               THEN 1 ELSE 0 END
        -- less lt's month's slot if it is not before lt
        - CASE WHEN date_trunc('month', lt)::date
                + (weekday - date_part('dow', date_trunc('month', lt))::int + 7) % 7 + start_time >= lt
               THEN 1 ELSE 0 END)
    ELSE greatest(0, ceil(date_part('epoch', lt - start_time::interval
            - (starts_on + CASE WHEN cad IN ('weekly', 'biweekly')
                THEN (weekday - date_part('dow', starts_on::timestamp)::int + 7) % 7 ELSE 0 END)::timestamp)
        / (CASE WHEN cad = 'weekly' THEN 7 WHEN cad = 'biweekly' THEN 14 ELSE greatest(interval_days, 1) END * 86400.0::float8)))::bigint
    END
$$;
-- +goose StatementEnd

-- The same before an instant. Converting an instant to a zone named per row
-- costs tens of microseconds, so the roll-up converts each of its period's
-- bounds once per zone and calls the local form.
-- +goose StatementBegin
CREATE FUNCTION series_slots_before(cad cadence, interval_days int, weekday smallint, start_time time,
    time_zone text, starts_on date, t timestamptz) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT series_slots_before_local(cad, interval_days, weekday, start_time, starts_on, t AT TIME ZONE time_zone)
$$;
-- +goose StatementEnd

-- The roll-up reads the actions due in a period and the open ones of a
-- whole organisation in one range each.
CREATE INDEX action_tallies_org_due_idx ON action_tallies (org_id, due_on) INCLUDE (series_id, actions, done_on_time);
CREATE INDEX action_tallies_org_open_idx ON action_tallies (org_id) INCLUDE (series_id, due_on, open) WHERE open > 0;

INSERT INTO meeting_totals SELECT * FROM meeting_totals_from_meetings();
ANALYZE meeting_totals;

-- +goose Down
DROP INDEX action_tallies_org_open_idx;
DROP INDEX action_tallies_org_due_idx;
DROP FUNCTION series_slots_before(cadence, int, smallint, time, text, date, timestamptz);
DROP FUNCTION series_slots_before_local(cadence, int, smallint, time, date, timestamp);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION checkin_tallies_rebuild(OUT missing bigint, OUT stale bigint)
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
DROP TRIGGER meetings_totals_delete ON meetings;
DROP TRIGGER meetings_totals_update ON meetings;
DROP TRIGGER meetings_totals_insert ON meetings;
DROP FUNCTION meeting_totals_on_change();
DROP FUNCTION meeting_totals_apply(bigint[], bigint[], date[], int[], int[], int[], int[], int[]);
DROP FUNCTION meeting_totals_from_meetings();
DROP TABLE meeting_totals;
