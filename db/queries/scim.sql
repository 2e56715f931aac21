-- name: ScimTokenCreate :one
-- A live token of the same name (a double submit) stores nothing.
INSERT INTO scim_tokens (org_id, name, prefix, token_hash, created_by)
VALUES (@org_id, @name, @prefix, @token_hash, sqlc.narg('created_by'))
ON CONFLICT (org_id, lower(name)) WHERE revoked_at IS NULL DO NOTHING
RETURNING id, org_id, name, prefix, token_hash, created_by, created_at, last_used_at, revoked_at;

-- name: ScimTokenList :many
SELECT * FROM scim_tokens WHERE org_id = @org_id
ORDER BY (revoked_at IS NULL) DESC, created_at DESC, id DESC
LIMIT 200;

-- name: ScimTokenRevoke :one
UPDATE scim_tokens SET revoked_at = now()
WHERE org_id = @org_id AND id = @id AND revoked_at IS NULL
RETURNING *;

-- name: ScimTokenGet :one
SELECT * FROM scim_tokens WHERE org_id = @org_id AND id = @id;

-- name: ScimTokenByHash :one
SELECT * FROM scim_tokens WHERE token_hash = @token_hash AND revoked_at IS NULL;

-- name: ScimTokenTouch :exec
UPDATE scim_tokens SET last_used_at = @now WHERE id = @id;

-- name: ScimUserPage :many
-- People of an organisation in id order, optionally only the one with an
-- address (userName) or an external id.
SELECT sqlc.embed(u), su.external_id, su.given_name, su.family_name, m.name AS manager_name
FROM users u
LEFT JOIN scim_users su ON su.org_id = u.org_id AND su.user_id = u.id
LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE u.org_id = @org_id AND su.deleted_at IS NULL
  AND (sqlc.narg('email')::text IS NULL OR u.email = sqlc.narg('email')::citext)
  AND (sqlc.narg('external_id')::text IS NULL OR su.external_id = sqlc.narg('external_id')::text)
ORDER BY u.id
LIMIT @row_limit OFFSET @row_offset;

-- name: ScimUserCount :one
SELECT count(*) FROM users u
LEFT JOIN scim_users su ON su.org_id = u.org_id AND su.user_id = u.id
WHERE u.org_id = @org_id AND su.deleted_at IS NULL
  AND (sqlc.narg('email')::text IS NULL OR u.email = sqlc.narg('email')::citext)
  AND (sqlc.narg('external_id')::text IS NULL OR su.external_id = sqlc.narg('external_id')::text);

-- name: ScimUserGet :one
SELECT sqlc.embed(u), su.external_id, su.given_name, su.family_name, m.name AS manager_name
FROM users u
LEFT JOIN scim_users su ON su.org_id = u.org_id AND su.user_id = u.id
LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE u.org_id = @org_id AND u.id = @id AND su.deleted_at IS NULL;

-- name: ScimUserByEmail :one
-- The person with an address, whether or not the provider deleted them.
SELECT u.id, su.deleted_at FROM users u
LEFT JOIN scim_users su ON su.org_id = u.org_id AND su.user_id = u.id
WHERE u.org_id = @org_id AND u.email = @email::citext;

-- name: ScimUserUpsert :exec
INSERT INTO scim_users (org_id, user_id, external_id, given_name, family_name)
VALUES (@org_id, @user_id, @external_id, @given_name, @family_name)
ON CONFLICT (org_id, user_id) DO UPDATE
SET external_id = EXCLUDED.external_id, given_name = EXCLUDED.given_name,
    family_name = EXCLUDED.family_name, deleted_at = NULL, updated_at = now();

-- name: ScimUserMarkDeleted :exec
INSERT INTO scim_users (org_id, user_id, deleted_at) VALUES (@org_id, @user_id, now())
ON CONFLICT (org_id, user_id) DO UPDATE SET deleted_at = now(), updated_at = now();

-- name: ScimUsersInOrg :many
-- Which of the ids are people of the organisation.
SELECT id FROM users WHERE org_id = @org_id AND id = ANY(@ids::bigint[]);

-- name: ScimGroupPage :many
SELECT t.id, t.name, t.created_at, sg.external_id, sg.updated_at
FROM teams t
LEFT JOIN scim_groups sg ON sg.org_id = t.org_id AND sg.team_id = t.id
WHERE t.org_id = @org_id AND sg.deleted_at IS NULL
  AND (sqlc.narg('name')::text IS NULL OR lower(t.name) = lower(sqlc.narg('name')::text))
  AND (sqlc.narg('external_id')::text IS NULL OR sg.external_id = sqlc.narg('external_id')::text)
ORDER BY t.id
LIMIT @row_limit OFFSET @row_offset;

-- name: ScimGroupCount :one
SELECT count(*) FROM teams t
LEFT JOIN scim_groups sg ON sg.org_id = t.org_id AND sg.team_id = t.id
WHERE t.org_id = @org_id AND sg.deleted_at IS NULL
  AND (sqlc.narg('name')::text IS NULL OR lower(t.name) = lower(sqlc.narg('name')::text))
  AND (sqlc.narg('external_id')::text IS NULL OR sg.external_id = sqlc.narg('external_id')::text);

-- name: ScimGroupGet :one
SELECT t.id, t.name, t.created_at, sg.external_id, sg.updated_at
FROM teams t
LEFT JOIN scim_groups sg ON sg.org_id = t.org_id AND sg.team_id = t.id
WHERE t.org_id = @org_id AND t.id = @id AND sg.deleted_at IS NULL;

-- name: ScimGroupByName :one
-- The team with a name, whether or not the provider deleted it.
SELECT t.id, sg.deleted_at FROM teams t
LEFT JOIN scim_groups sg ON sg.org_id = t.org_id AND sg.team_id = t.id
WHERE t.org_id = @org_id AND lower(t.name) = lower(@name::text);

-- name: ScimGroupMarkDeleted :exec
INSERT INTO scim_groups (org_id, team_id, deleted_at) VALUES (@org_id, @team_id, now())
ON CONFLICT (org_id, team_id) DO UPDATE SET deleted_at = now(), updated_at = now();

-- name: ScimGroupMembers :many
-- The members of a screen of teams, in one statement.
SELECT tm.team_id, u.id, u.name
FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
WHERE tm.org_id = @org_id AND tm.team_id = ANY(@team_ids::bigint[])
ORDER BY tm.team_id, u.id;

-- name: ScimGroupUpsert :exec
INSERT INTO scim_groups (org_id, team_id, external_id)
VALUES (@org_id, @team_id, @external_id)
ON CONFLICT (org_id, team_id) DO UPDATE
SET external_id = EXCLUDED.external_id, deleted_at = NULL, updated_at = now();

-- name: ScimGroupTouch :exec
INSERT INTO scim_groups (org_id, team_id) VALUES (@org_id, @team_id)
ON CONFLICT (org_id, team_id) DO UPDATE SET deleted_at = NULL, updated_at = now();
