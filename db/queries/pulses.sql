-- name: PulseCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO pulses (org_id, title, scope, team_id, root_id, statements, cadence_days, open_days, starts_at, created_by, idem_key)
VALUES (@org_id, @title, @scope, @team_id, @root_id, @statements, @cadence_days, @open_days, @starts_at, @created_by, @idem_key)
ON CONFLICT (org_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: PulseByIdem :one
SELECT id FROM pulses WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '';

-- name: PulseGet :one
-- A pulse with what the viewer may do with it: read its results and
-- breakdowns (pulse_readable), answer it (in its audience).
SELECT p.id, p.org_id, p.title, p.scope, p.team_id, p.root_id, p.statements, p.cadence_days, p.open_days,
       p.starts_at, p.stopped_at, p.created_by,
       coalesce(t.name, r.name, '')::text AS scope_name,
       pulse_readable(@org_id, @viewer_id, p.id)::boolean AS reader,
       (@viewer_id::bigint IN (SELECT pulse_audience(@org_id, p.id)))::boolean AS member,
       (SELECT count(*) FROM pulse_audience(@org_id, p.id))::int AS audience
FROM pulses p
LEFT JOIN teams t ON t.org_id = p.org_id AND t.id = p.team_id
LEFT JOIN users r ON r.org_id = p.org_id AND r.id = p.root_id
WHERE p.org_id = @org_id AND p.id = @id;

-- name: PulseListFor :many
-- The pulses the viewer reads or is asked, newest first.
SELECT x.* FROM (
    SELECT p.id, p.org_id, p.title, p.scope, p.team_id, p.root_id, p.statements, p.cadence_days, p.open_days,
           p.starts_at, p.stopped_at, p.created_by,
           coalesce(t.name, r.name, '')::text AS scope_name,
           pulse_readable(@org_id, @viewer_id, p.id)::boolean AS reader,
           (@viewer_id::bigint IN (SELECT pulse_audience(@org_id, p.id)))::boolean AS member,
           (SELECT count(*) FROM pulse_audience(@org_id, p.id))::int AS audience
    FROM pulses p
    LEFT JOIN teams t ON t.org_id = p.org_id AND t.id = p.team_id
    LEFT JOIN users r ON r.org_id = p.org_id AND r.id = p.root_id
    WHERE p.org_id = @org_id
) x
WHERE x.reader OR x.member
ORDER BY x.starts_at DESC, x.id DESC
LIMIT 100;

-- name: PulseStop :exec
UPDATE pulses SET stopped_at = @now::timestamptz WHERE org_id = @org_id AND id = @id AND stopped_at IS NULL;

-- name: PulseLock :one
-- Locks the pulse for an answer, so answers to one pulse are written one
-- after another; returns whether the person is in its audience.
SELECT (@user_id::bigint IN (SELECT pulse_audience(@org_id, p.id)))::boolean AS member
FROM pulses p WHERE p.org_id = @org_id AND p.id = @id
FOR UPDATE OF p;

-- name: PulseResponderAdd :execrows
INSERT INTO pulse_responders (pulse_id, round_no, user_id) VALUES (@pulse_id, @round_no, @user_id)
ON CONFLICT DO NOTHING;

-- name: PulseResponderExists :one
SELECT EXISTS (SELECT 1 FROM pulse_responders r JOIN pulses p ON p.id = r.pulse_id
               WHERE p.org_id = @org_id AND r.pulse_id = @pulse_id AND r.round_no = @round_no AND r.user_id = @user_id);

-- name: PulseResponseAdd :exec
-- Stores an answer with the answering person's team (their first team, by
-- id) and manager, each only when at least @min_group people of the
-- audience share it; else NULL. The person's id is read, never written.
WITH aud AS (
    SELECT u.id, (SELECT min(m.team_id) FROM team_members m WHERE m.org_id = @org_id AND m.user_id = u.id) AS team_id,
           u.manager_id
    FROM users u WHERE u.org_id = @org_id AND u.id IN (SELECT pulse_audience(@org_id, @pulse_id))
), me AS (
    SELECT (SELECT min(m.team_id) FROM team_members m WHERE m.org_id = @org_id AND m.user_id = u.id) AS team_id, u.manager_id
    FROM users u WHERE u.org_id = @org_id AND u.id = @user_id
)
INSERT INTO pulse_responses (org_id, pulse_id, round_no, scores, enps, comment, team_id, manager_id)
SELECT @org_id, @pulse_id, @round_no, @scores, @enps, @comment,
       CASE WHEN (SELECT count(*) FROM aud x WHERE x.team_id = me.team_id) >= @min_group::int THEN me.team_id END,
       CASE WHEN (SELECT count(*) FROM aud x WHERE x.manager_id = me.manager_id) >= @min_group::int THEN me.manager_id END
FROM me;

-- name: PulseResponsesShuffle :exec
-- Writes every answer of the round again, in a random order, in the current
-- transaction (as HealthResponsesShuffle does for health checks).
WITH gone AS (
    DELETE FROM pulse_responses d WHERE d.pulse_id = @pulse_id AND d.round_no = @round_no
    RETURNING d.org_id, d.pulse_id, d.round_no, d.scores, d.enps, d.comment, d.team_id, d.manager_id
)
INSERT INTO pulse_responses (org_id, pulse_id, round_no, scores, enps, comment, team_id, manager_id)
SELECT g.org_id, g.pulse_id, g.round_no, g.scores, g.enps, g.comment, g.team_id, g.manager_id FROM gone g ORDER BY random();

-- name: PulseRespondersShuffle :exec
WITH gone AS (
    DELETE FROM pulse_responders d WHERE d.pulse_id = @pulse_id AND d.round_no = @round_no
    RETURNING d.pulse_id, d.round_no, d.user_id
)
INSERT INTO pulse_responders (pulse_id, round_no, user_id)
SELECT g.pulse_id, g.round_no, g.user_id FROM gone g ORDER BY random();

-- name: PulseRoundCounts :many
SELECT r.round_no, count(*)::int AS responses
FROM pulse_responses r
WHERE r.org_id = @org_id AND r.pulse_id = @pulse_id
GROUP BY r.round_no;

-- name: PulseResponsesFor :many
-- The answers of rounds, with the names of the groups they were kept with.
SELECT r.round_no, r.scores, r.enps, r.comment, r.team_id, r.manager_id,
       coalesce(t.name, '')::text AS team_name, coalesce(m.name, '')::text AS manager_name
FROM pulse_responses r
LEFT JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
LEFT JOIN users m ON m.org_id = r.org_id AND m.id = r.manager_id
WHERE r.org_id = @org_id AND r.pulse_id = @pulse_id AND r.round_no = ANY(@rounds::int[]);

-- name: PulseScopeTeams :many
SELECT t.id, t.name FROM teams t WHERE t.org_id = @org_id ORDER BY lower(t.name), t.id;

-- name: PulseScopeRoots :many
-- The people whose reporting tree a pulse may ask: anyone with a report.
SELECT u.id, u.name FROM users u
WHERE u.org_id = @org_id AND u.active AND EXISTS (SELECT 1 FROM users r WHERE r.org_id = u.org_id AND r.manager_id = u.id AND r.active)
ORDER BY lower(u.name), u.id;

-- name: PulseRunning :many
-- Every pulse not stopped, of every organisation, for the reminders.
SELECT p.id, p.org_id, p.title, p.cadence_days, p.open_days, p.starts_at, o.name AS org_name
FROM pulses p JOIN orgs o ON o.id = p.org_id
WHERE p.stopped_at IS NULL AND p.starts_at <= @now::timestamptz;

-- name: PulseReminderRecipients :many
-- The people a pulse asks who have no reminder for the round yet (by the
-- outbox key @key_prefix || their id). Whether they answered plays no part:
-- a reminder sent to some and not others would say who had answered.
SELECT u.id, u.name, u.email, u.time_zone
FROM users u
WHERE u.org_id = @org_id AND u.id IN (SELECT pulse_audience(@org_id, @pulse_id))
  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.org_id = @org_id AND o.idem_key = @key_prefix::text || u.id::text)
ORDER BY u.id;

-- name: PulseLockForReminders :exec
SELECT 1 FROM pulses WHERE id = @id FOR UPDATE;
