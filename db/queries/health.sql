-- name: HealthAccess :one
-- What a person may do with a team's health checks: members answer; the
-- retro facilitators (a member who manages another member, a member the
-- team named, any member of a team without its manager) open and close;
-- health_team_readable decides who reads.
SELECT
    EXISTS (SELECT 1 FROM team_members x WHERE x.org_id = @org_id AND x.team_id = @team_id AND x.user_id = @user_id) AS member,
    EXISTS (SELECT 1 FROM team_members m JOIN users r ON r.org_id = m.org_id AND r.id = m.user_id
            JOIN team_members me ON me.org_id = m.org_id AND me.team_id = m.team_id AND me.user_id = @user_id
            WHERE m.org_id = @org_id AND m.team_id = @team_id AND r.manager_id = @user_id) AS manages_member,
    EXISTS (SELECT 1 FROM team_members m JOIN users r ON r.org_id = m.org_id AND r.id = m.user_id
            JOIN team_members boss ON boss.org_id = m.org_id AND boss.team_id = m.team_id AND boss.user_id = r.manager_id
            WHERE m.org_id = @org_id AND m.team_id = @team_id) AS has_manager,
    EXISTS (SELECT 1 FROM retro_facilitators f JOIN team_members tm ON tm.org_id = f.org_id AND tm.team_id = f.team_id AND tm.user_id = f.user_id
            WHERE f.org_id = @org_id AND f.team_id = @team_id AND f.user_id = @user_id) AS named,
    (EXISTS (SELECT 1 FROM teams t WHERE t.org_id = @org_id AND t.id = @team_id) AND health_team_readable(@org_id, @user_id, @team_id))::boolean AS reader;

-- name: HealthReadableTeams :many
SELECT t.id, t.name FROM teams t
WHERE t.org_id = @org_id AND health_team_readable(@org_id, @user_id, t.id)
ORDER BY lower(t.name), t.id;

-- name: HealthTeamName :one
SELECT name FROM teams WHERE org_id = @org_id AND id = @id;

-- name: HealthDimensionList :many
SELECT * FROM health_dimensions
WHERE org_id = @org_id AND (@with_retired::boolean OR NOT retired)
ORDER BY retired, position, id;

-- name: HealthDimensionAdd :execrows
-- A repeated form key, or a name in use, stores nothing (see
-- HealthDimensionByIdem).
INSERT INTO health_dimensions (org_id, position, name, description, idem_key)
SELECT @org_id, coalesce(max(position), 0) + 1, @name, @description, @idem_key FROM health_dimensions WHERE org_id = @org_id
ON CONFLICT DO NOTHING;

-- name: HealthDimensionByIdem :one
SELECT EXISTS (SELECT 1 FROM health_dimensions WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '');

-- name: HealthDimensionUpdate :execrows
-- A new wording is a new version; the same wording saved again is not.
UPDATE health_dimensions SET name = @name, description = @description,
    version = version + CASE WHEN name = @name AND description = @description THEN 0 ELSE 1 END
WHERE org_id = @org_id AND id = @id;

-- name: HealthDimensionRetire :execrows
UPDATE health_dimensions SET retired = @retired WHERE org_id = @org_id AND id = @id;

-- name: HealthSettingsGet :one
SELECT coalesce((SELECT min_responses FROM health_settings WHERE org_id = @org_id), 3)::int AS min_responses;

-- name: HealthSettingsSet :exec
INSERT INTO health_settings (org_id, min_responses) VALUES (@org_id, @min_responses)
ON CONFLICT (org_id) DO UPDATE SET min_responses = EXCLUDED.min_responses;

-- name: HealthCheckCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO health_checks (org_id, team_id, title, opened_by, opened_at, closes_at, idem_key)
VALUES (@org_id, @team_id, @title, @opened_by, @opened_at, @closes_at, @idem_key)
ON CONFLICT (team_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: HealthCheckByIdem :one
SELECT id FROM health_checks WHERE org_id = @org_id AND team_id = @team_id AND idem_key = @idem_key AND idem_key <> '';

-- name: HealthCheckCopyDimensions :exec
-- The check asks the organisation's current dimensions, in their order,
-- with their wording as it is now.
INSERT INTO health_check_dimensions (check_id, position, dimension_id, version, name, description)
SELECT @check_id, row_number() OVER (ORDER BY d.position, d.id), d.id, d.version, d.name, d.description
FROM health_dimensions d WHERE d.org_id = @org_id AND NOT d.retired;

-- name: HealthCheckGet :one
SELECT c.id, c.org_id, c.team_id, t.name AS team_name, c.title, c.opened_at, c.closes_at, c.closed_at,
       (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id)::int AS responses
FROM health_checks c JOIN teams t ON t.org_id = c.org_id AND t.id = c.team_id
WHERE c.org_id = @org_id AND c.id = @id;

-- name: HealthCheckDimensions :many
SELECT d.check_id, d.position, d.dimension_id, d.version, d.name, d.description
FROM health_check_dimensions d JOIN health_checks c ON c.id = d.check_id
WHERE c.org_id = @org_id AND d.check_id = ANY(@check_ids::bigint[])
ORDER BY d.check_id, d.position;

-- name: HealthChecksForTeam :many
SELECT c.id, c.org_id, c.team_id, t.name AS team_name, c.title, c.opened_at, c.closes_at, c.closed_at,
       (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id)::int AS responses
FROM health_checks c JOIN teams t ON t.org_id = c.org_id AND t.id = c.team_id
WHERE c.org_id = @org_id AND c.team_id = @team_id
ORDER BY c.opened_at DESC, c.id DESC
LIMIT 100;

-- name: HealthChecksLatest :many
-- Each team's newest checks, at most @per_team of them.
SELECT x.id, x.org_id, x.team_id, x.team_name, x.title, x.opened_at, x.closes_at, x.closed_at, x.responses
FROM (
    SELECT c.id, c.org_id, c.team_id, t.name AS team_name, c.title, c.opened_at, c.closes_at, c.closed_at,
           (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id)::int AS responses,
           row_number() OVER (PARTITION BY c.team_id ORDER BY c.opened_at DESC, c.id DESC) AS n
    FROM health_checks c JOIN teams t ON t.org_id = c.org_id AND t.id = c.team_id
    WHERE c.org_id = @org_id AND c.team_id = ANY(@team_ids::bigint[])
) x
WHERE x.n <= @per_team::int
ORDER BY lower(x.team_name), x.team_id, x.opened_at DESC, x.id DESC;

-- name: HealthCheckClose :exec
UPDATE health_checks SET closed_at = @now::timestamptz WHERE org_id = @org_id AND id = @id AND closed_at IS NULL;

-- name: HealthCheckLockOpen :one
-- Locks the check for an answer, so answers to one check are written one
-- after another; returns whether it still takes answers.
SELECT (closed_at IS NULL AND closes_at > @now::timestamptz)::boolean AS open
FROM health_checks WHERE org_id = @org_id AND id = @id
FOR UPDATE;

-- name: HealthResponderAdd :execrows
INSERT INTO health_responders (check_id, user_id) VALUES (@check_id, @user_id)
ON CONFLICT DO NOTHING;

-- name: HealthResponderExists :one
SELECT EXISTS (SELECT 1 FROM health_responders r JOIN health_checks c ON c.id = r.check_id
               WHERE c.org_id = @org_id AND r.check_id = @check_id AND r.user_id = @user_id);

-- name: HealthResponseAdd :exec
INSERT INTO health_responses (org_id, check_id, scores, trends, comment)
VALUES (@org_id, @check_id, @scores, @trends, @comment);

-- name: HealthResponsesShuffle :exec
-- Writes every answer of the check again, in a random order, in the
-- current transaction: afterwards each row carries this transaction's id and
-- sits in a place that says nothing about when it came.
WITH gone AS (
    DELETE FROM health_responses d WHERE d.check_id = @check_id RETURNING d.org_id, d.check_id, d.scores, d.trends, d.comment
)
INSERT INTO health_responses (org_id, check_id, scores, trends, comment)
SELECT g.org_id, g.check_id, g.scores, g.trends, g.comment FROM gone g ORDER BY random();

-- name: HealthRespondersShuffle :exec
-- The same for the set of people who answered, so it keeps no order of
-- answering either.
WITH gone AS (
    DELETE FROM health_responders d WHERE d.check_id = @check_id RETURNING d.check_id, d.user_id
)
INSERT INTO health_responders (check_id, user_id)
SELECT g.check_id, g.user_id FROM gone g ORDER BY random();

-- name: HealthResponsesFor :many
SELECT r.check_id, r.scores, r.trends, r.comment
FROM health_responses r
WHERE r.org_id = @org_id AND r.check_id = ANY(@check_ids::bigint[]);
