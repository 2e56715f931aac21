-- name: ExportCycle :one
SELECT id, name, period_start, period_end, created_by FROM review_cycles WHERE org_id = @org_id AND id = @id;

-- name: ExportTeamName :one
SELECT name FROM teams WHERE org_id = @org_id AND id = @id;

-- name: ExportVisibleCount :one
-- The reviews of an export's scope the viewer may see
-- (review_participants_visible), optionally only one team's (0: any).
SELECT count(*) FROM review_participants_visible(@org_id, @cycle_id, @viewer_id, @all_visible) v
WHERE (@team_id::bigint = 0 OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = @org_id AND tm.team_id = @team_id AND tm.user_id = v.person_id));

-- name: ExportVisibleIDs :many
-- The ids of ExportVisiblePeople, all of them, in the same order.
SELECT u.id
FROM review_participants_visible(@org_id, @cycle_id, @viewer_id, @all_visible) v
JOIN users u ON u.org_id = @org_id AND u.id = v.person_id
WHERE (@team_id::bigint = 0 OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = @org_id AND tm.team_id = @team_id AND tm.user_id = v.person_id))
ORDER BY lower(u.name), u.id;

-- name: ExportVisiblePeople :many
-- The people of an export's scope the viewer may see, ordered as the cycle
-- page lists them (by name), with their first team by name; at most
-- @max_rows of them.
SELECT u.id AS person_id, u.name,
    coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
              WHERE tm.org_id = @org_id AND tm.user_id = u.id ORDER BY lower(t.name), t.id LIMIT 1), '')::text AS team_name,
    v.state::text AS state
FROM review_participants_visible(@org_id, @cycle_id, @viewer_id, @all_visible) v
JOIN users u ON u.org_id = @org_id AND u.id = v.person_id
WHERE (@team_id::bigint = 0 OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.org_id = @org_id AND tm.team_id = @team_id AND tm.user_id = v.person_id))
ORDER BY lower(u.name), u.id
LIMIT @max_rows;

-- name: ExportRows :many
-- The person × competency rows of a batch of people (whose ids come from
-- ExportVisiblePeople), ordered by name, then by the framework.
WITH people AS (
    SELECT p.person_id, p.state, u.name, u.email::text AS email, coalesce(m.name, '') AS manager_name,
        coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
                  WHERE tm.org_id = @org_id AND tm.user_id = p.person_id ORDER BY lower(t.name), t.id LIMIT 1), '') AS team_name,
        p.manager_id
    FROM review_participants p
    JOIN users u ON u.org_id = @org_id AND u.id = p.person_id
    LEFT JOIN users m ON m.org_id = @org_id AND m.id = p.manager_id
    WHERE p.org_id = @org_id AND p.cycle_id = @cycle_id AND p.person_id = ANY(@person_ids::bigint[])
)
SELECT p.person_id, coalesce(p.manager_id, 0)::bigint AS manager_id, p.name::text AS person_name, p.email::text AS email,
    p.team_name::text AS team_name, p.manager_name::text AS manager_name, e.competency_id, e.grp, e.name AS competency_name,
    coalesce(r.self_rating, 0)::int AS self_rating, coalesce(r.self_comment, '')::text AS self_comment,
    coalesce(r.manager_rating, 0)::int AS manager_rating, coalesce(r.manager_comment, '')::text AS manager_comment,
    p.state::text AS state
FROM people p
JOIN review_cycles c ON c.org_id = @org_id AND c.id = @cycle_id
JOIN framework_entries e ON e.version_id = c.framework_version_id AND NOT e.retired
LEFT JOIN review_ratings r ON r.cycle_id = @cycle_id AND r.person_id = p.person_id AND r.competency_id = e.competency_id
ORDER BY lower(p.name), p.person_id, e.position, e.competency_id;

-- name: ExportContact :one
-- The organisation's name, a person's email and their first team by name,
-- for a review packet.
SELECT o.name AS org_name, u.email::text AS email,
    coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
              WHERE tm.org_id = o.id AND tm.user_id = u.id ORDER BY lower(t.name), t.id LIMIT 1), '')::text AS team_name
FROM orgs o JOIN users u ON u.org_id = o.id WHERE o.id = @org_id AND u.id = @person_id;
