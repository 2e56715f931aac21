-- +goose Up
-- Recognitions of organisation-wide kudos, kept on write, so the
-- recognition-equity page no longer reads every kudo of the period and
-- checks who may see each one (docs/performance.md, "Kudos figures kept on
-- write"). Only organisation-wide kudos are kept: everyone in the
-- organisation may see them, so one count serves every viewer. Team and
-- recipients-only kudos are read from the kudos themselves with
-- kudo_visible(), starting from the few the viewer could see (their own,
-- their teams', their reports'), so the visibility rule stays in one place.
--
-- kudo_tallies: per giver, receiver and day (UTC) of the kudo, how many
-- organisation-wide kudos the giver gave the receiver. A kudo to oneself is
-- not a recognition and is not counted.
CREATE TABLE kudo_tallies (
    org_id      bigint NOT NULL,
    giver_id    bigint NOT NULL,
    day         date NOT NULL,
    receiver_id bigint NOT NULL,
    kudos       int NOT NULL,
    PRIMARY KEY (giver_id, day, receiver_id)
);
CREATE INDEX kudo_tallies_org_day_idx ON kudo_tallies (org_id, day) INCLUDE (giver_id, receiver_id, kudos);
CREATE INDEX kudo_tallies_receiver_idx ON kudo_tallies (receiver_id, day) INCLUDE (giver_id, kudos);

-- Team kudos of a team in a period, for the viewer's teams.
CREATE INDEX kudos_team_time_idx ON kudos (team_id, created_at) WHERE team_id IS NOT NULL;

-- What the tallies must hold, from the kudos themselves:
-- `rapport rebuild-readmodels` and the tests use it.
-- +goose StatementBegin
CREATE FUNCTION kudo_tallies_from_kudos()
RETURNS TABLE (org_id bigint, giver_id bigint, day date, receiver_id bigint, kudos int)
LANGUAGE sql STABLE AS $$
    SELECT k.org_id, k.author_id, (k.created_at AT TIME ZONE 'UTC')::date, r.user_id, count(*)::int
    FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
    WHERE k.visibility = 'org' AND r.user_id <> k.author_id
    GROUP BY 1, 2, 3, 4
$$;
-- +goose StatementEnd

-- Replaces the tallies with what the kudos say, holding off changes to
-- them meanwhile; returns how many rows were missing and how many should
-- not have been there (both 0 when the kept tallies were right).
-- +goose StatementBegin
CREATE FUNCTION kudo_tallies_rebuild(OUT missing bigint, OUT stale bigint)
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE kudos, kudo_recipients IN SHARE MODE;
    SELECT count(*) INTO missing FROM (
        SELECT * FROM kudo_tallies_from_kudos() EXCEPT ALL SELECT * FROM kudo_tallies) x;
    SELECT count(*) INTO stale FROM (
        SELECT * FROM kudo_tallies EXCEPT ALL SELECT * FROM kudo_tallies_from_kudos()) x;
    IF missing > 0 OR stale > 0 THEN
        DELETE FROM kudo_tallies;
        INSERT INTO kudo_tallies SELECT * FROM kudo_tallies_from_kudos();
    END IF;
END
$$;
-- +goose StatementEnd

-- Recipients added or removed: statement-level, so a bulk load (COPY) adds
-- its tallies in one pass. Rows a statement removed count -1 and those it
-- added +1, summed per tally row; concurrent writers meet on the tally row
-- (ON CONFLICT) and never lose a count; rows that fall to zero go. A
-- recipient removed with its kudo (ON DELETE CASCADE) no longer finds the
-- kudo here: the kudos trigger below recounts those.
-- +goose StatementBegin
CREATE FUNCTION kudo_tallies_on_recipients() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    givers bigint[];
    days date[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kudo_tallies AS t (org_id, giver_id, day, receiver_id, kudos)
        SELECT k.org_id, k.author_id, (k.created_at AT TIME ZONE 'UTC')::date, n.user_id, count(*)
        FROM new_recipients n JOIN kudos k ON k.id = n.kudo_id
        WHERE k.visibility = 'org' AND n.user_id <> k.author_id
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (giver_id, day, receiver_id) DO UPDATE SET kudos = t.kudos + excluded.kudos;
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO kudo_tallies AS t (org_id, giver_id, day, receiver_id, kudos)
        SELECT k.org_id, k.author_id, (k.created_at AT TIME ZONE 'UTC')::date, c.user_id, sum(c.sign)
        FROM (SELECT kudo_id, user_id, -1 AS sign FROM old_recipients
              UNION ALL SELECT kudo_id, user_id, 1 FROM new_recipients) c
        JOIN kudos k ON k.id = c.kudo_id
        WHERE k.visibility = 'org' AND c.user_id <> k.author_id
        GROUP BY 1, 2, 3, 4
        HAVING sum(c.sign) <> 0
        ON CONFLICT (giver_id, day, receiver_id) DO UPDATE SET kudos = t.kudos + excluded.kudos;
    ELSE
        INSERT INTO kudo_tallies AS t (org_id, giver_id, day, receiver_id, kudos)
        SELECT k.org_id, k.author_id, (k.created_at AT TIME ZONE 'UTC')::date, o.user_id, -count(*)
        FROM old_recipients o JOIN kudos k ON k.id = o.kudo_id
        WHERE k.visibility = 'org' AND o.user_id <> k.author_id
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (giver_id, day, receiver_id) DO UPDATE SET kudos = t.kudos + excluded.kudos;
    END IF;
    -- Rows that fell to zero: by index on the givers and days concerned
    -- (any row at zero may go).
    SELECT array_agg(DISTINCT k.author_id), array_agg(DISTINCT (k.created_at AT TIME ZONE 'UTC')::date)
    INTO givers, days
    FROM old_recipients o JOIN kudos k ON k.id = o.kudo_id;
    IF givers IS NOT NULL THEN
        DELETE FROM kudo_tallies t WHERE t.giver_id = ANY(givers) AND t.day = ANY(days) AND t.kudos = 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Kudos deleted, or changed in what the tallies depend on (visibility,
-- author, time): the giver's tallies of the days concerned are counted
-- again from the kudos. A new kudo has no recipients yet, so adding one
-- changes nothing; editing the text changes nothing either.
-- +goose StatementBegin
CREATE FUNCTION kudo_tallies_on_kudos() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orgs bigint[];
    givers bigint[];
    days date[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(x.org_id), array_agg(x.giver_id), array_agg(x.day) INTO orgs, givers, days FROM (
            SELECT DISTINCT o.org_id, o.author_id AS giver_id, (o.created_at AT TIME ZONE 'UTC')::date AS day
            FROM old_kudos o) x;
    ELSE
        SELECT array_agg(x.org_id), array_agg(x.giver_id), array_agg(x.day) INTO orgs, givers, days FROM (
            SELECT o.org_id, o.author_id AS giver_id, (o.created_at AT TIME ZONE 'UTC')::date AS day
            FROM old_kudos o JOIN new_kudos n ON n.id = o.id
            WHERE (o.visibility = 'org') <> (n.visibility = 'org') OR o.author_id <> n.author_id
                OR o.created_at <> n.created_at
            UNION
            SELECT n.org_id, n.author_id, (n.created_at AT TIME ZONE 'UTC')::date
            FROM old_kudos o JOIN new_kudos n ON n.id = o.id
            WHERE (o.visibility = 'org') <> (n.visibility = 'org') OR o.author_id <> n.author_id
                OR o.created_at <> n.created_at) x;
    END IF;
    IF givers IS NULL THEN
        RETURN NULL;
    END IF;
    -- = ANY keeps the primary key in use whatever the planner guesses of
    -- the arrays; the IN is the exact set.
    DELETE FROM kudo_tallies t
    WHERE t.giver_id = ANY(givers) AND t.day = ANY(days)
      AND (t.giver_id, t.day) IN (SELECT * FROM unnest(givers, days));
    INSERT INTO kudo_tallies AS t (org_id, giver_id, day, receiver_id, kudos)
    SELECT k.org_id, k.author_id, (k.created_at AT TIME ZONE 'UTC')::date, r.user_id, count(*)
    FROM unnest(orgs, givers, days) AS x(org_id, giver_id, day)
    JOIN kudos k ON k.org_id = x.org_id AND k.author_id = x.giver_id
        AND k.created_at >= x.day::timestamp AT TIME ZONE 'UTC'
        AND k.created_at < (x.day + 1)::timestamp AT TIME ZONE 'UTC'
    JOIN kudo_recipients r ON r.kudo_id = k.id
    WHERE k.visibility = 'org' AND r.user_id <> k.author_id
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (giver_id, day, receiver_id) DO UPDATE SET kudos = t.kudos + excluded.kudos;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER kudo_recipients_tallies_insert AFTER INSERT ON kudo_recipients
    REFERENCING NEW TABLE AS new_recipients FOR EACH STATEMENT EXECUTE FUNCTION kudo_tallies_on_recipients();
CREATE TRIGGER kudo_recipients_tallies_update AFTER UPDATE ON kudo_recipients
    REFERENCING OLD TABLE AS old_recipients NEW TABLE AS new_recipients
    FOR EACH STATEMENT EXECUTE FUNCTION kudo_tallies_on_recipients();
CREATE TRIGGER kudo_recipients_tallies_delete AFTER DELETE ON kudo_recipients
    REFERENCING OLD TABLE AS old_recipients FOR EACH STATEMENT EXECUTE FUNCTION kudo_tallies_on_recipients();
CREATE TRIGGER kudos_tallies_update AFTER UPDATE ON kudos
    REFERENCING OLD TABLE AS old_kudos NEW TABLE AS new_kudos
    FOR EACH STATEMENT EXECUTE FUNCTION kudo_tallies_on_kudos();
CREATE TRIGGER kudos_tallies_delete AFTER DELETE ON kudos
    REFERENCING OLD TABLE AS old_kudos FOR EACH STATEMENT EXECUTE FUNCTION kudo_tallies_on_kudos();

INSERT INTO kudo_tallies SELECT * FROM kudo_tallies_from_kudos();
ANALYZE kudo_tallies;

-- +goose Down
DROP TRIGGER kudos_tallies_delete ON kudos;
DROP TRIGGER kudos_tallies_update ON kudos;
DROP TRIGGER kudo_recipients_tallies_delete ON kudo_recipients;
DROP TRIGGER kudo_recipients_tallies_update ON kudo_recipients;
DROP TRIGGER kudo_recipients_tallies_insert ON kudo_recipients;
DROP FUNCTION kudo_tallies_on_kudos();
DROP FUNCTION kudo_tallies_on_recipients();
DROP FUNCTION kudo_tallies_rebuild();
DROP FUNCTION kudo_tallies_from_kudos();
DROP INDEX kudos_team_time_idx;
DROP TABLE kudo_tallies;
