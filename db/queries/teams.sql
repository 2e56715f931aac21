-- name: TeamCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO teams (org_id, name, description, idem_key) VALUES (@org_id, @name, @description, @idem_key)
ON CONFLICT (org_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING *;

-- name: TeamByIdem :one
SELECT * FROM teams WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '';

-- name: TeamPage :many
-- A screen of teams in name order, after the team @after_id (0: from the
-- start), filtered by a case-insensitive substring of the name. Names are
-- unique per organisation (teams_org_name_idx), so the name alone orders.
SELECT t.id, t.name, t.description,
       (SELECT count(*) FROM team_members tm JOIN users u ON u.id = tm.user_id
        WHERE tm.team_id = t.id AND u.active) AS member_count
FROM teams t
WHERE t.org_id = @org_id
  AND (@q::text = '' OR t.name ILIKE '%' || @q || '%')
  AND (@after_id::bigint = 0 OR lower(t.name) > (SELECT lower(a.name) FROM teams a WHERE a.org_id = @org_id AND a.id = @after_id::bigint))
ORDER BY lower(t.name)
LIMIT @row_limit;

-- name: TeamGet :one
SELECT * FROM teams WHERE org_id = @org_id AND id = @id;

-- name: TeamUpdate :one
UPDATE teams SET name = @name, description = @description
WHERE org_id = @org_id AND id = @id RETURNING *;

-- name: TeamDelete :execrows
DELETE FROM teams WHERE org_id = @org_id AND id = @id;

-- name: TeamList :many
SELECT t.id, t.name, t.description,
       (SELECT count(*) FROM team_members tm JOIN users u ON u.id = tm.user_id
        WHERE tm.team_id = t.id AND u.active) AS member_count
FROM teams t
WHERE t.org_id = @org_id
ORDER BY lower(t.name);

-- name: TeamsByName :many
SELECT id, lower(name)::text AS name FROM teams WHERE org_id = @org_id;

-- name: TeamMembers :many
SELECT u.id, u.name, u.title, u.role, u.active
FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
WHERE tm.org_id = @org_id AND tm.team_id = @team_id
ORDER BY u.active DESC, lower(u.name);

-- name: TeamsForUser :many
SELECT t.id, t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
WHERE tm.org_id = @org_id AND tm.user_id = @user_id
ORDER BY lower(t.name);

-- name: TeamMemberAdd :execrows
INSERT INTO team_members (org_id, team_id, user_id) VALUES (@org_id, @team_id, @user_id)
ON CONFLICT DO NOTHING;

-- name: TeamMemberRemove :execrows
DELETE FROM team_members WHERE org_id = @org_id AND team_id = @team_id AND user_id = @user_id;

