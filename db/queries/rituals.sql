-- name: RitualCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO rituals (org_id, team_id, name, cadence, weekday, hour, time_zone, starts_on, created_by, idem_key)
VALUES (@org_id, @team_id, @name, @cadence, @weekday, @hour, @time_zone, @starts_on, @created_by, @idem_key)
ON CONFLICT (team_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: RitualByIdem :one
SELECT id FROM rituals WHERE org_id = @org_id AND team_id = @team_id AND idem_key = @idem_key AND idem_key <> '';

-- name: RitualGet :one
SELECT r.id, r.org_id, r.team_id, t.name AS team_name, r.name, r.cadence, r.weekday, r.hour, r.time_zone, r.starts_on
FROM rituals r JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
WHERE r.org_id = @org_id AND r.id = @id AND r.active;

-- name: RitualsForTeam :many
SELECT r.id, r.org_id, r.team_id, t.name AS team_name, r.name, r.cadence, r.weekday, r.hour, r.time_zone, r.starts_on
FROM rituals r JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
WHERE r.org_id = @org_id AND r.team_id = @team_id AND r.active
ORDER BY lower(r.name);

-- name: RitualDelete :execrows
DELETE FROM rituals WHERE org_id = @org_id AND id = @id;

-- name: TeamHasMember :one
SELECT EXISTS (SELECT 1 FROM team_members WHERE org_id = @org_id AND team_id = @team_id AND user_id = @user_id);
