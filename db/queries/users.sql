-- name: UserCreate :one
INSERT INTO users (org_id, email, name, title, role, manager_id, time_zone, password_hash, idem_key)
VALUES (@org_id, @email, @name, @title, @role, sqlc.narg('manager_id'), @time_zone, @password_hash, @idem_key)
RETURNING *;

-- name: UserByIdem :one
SELECT * FROM users WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '';

-- name: UserGet :one
SELECT sqlc.embed(u), m.name AS manager_name
FROM users u LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE u.org_id = @org_id AND u.id = @id;

-- name: UserListByEmail :many
-- Every account with an address, one per organisation, for sign-in.
SELECT sqlc.embed(u), o.name AS org_name,
       password_sign_in_allowed(u.org_id, u.id)::boolean AS password_allowed
FROM users u JOIN orgs o ON o.id = u.org_id
WHERE u.email = @email
ORDER BY lower(o.name), o.id
LIMIT 100;

-- name: UserUpdate :one
UPDATE users
SET email = @email, name = @name, title = @title, role = @role,
    manager_id = sqlc.narg('manager_id'), time_zone = @time_zone, updated_at = now()
WHERE org_id = @org_id AND id = @id
RETURNING *;

-- name: UserSetPassword :exec
UPDATE users SET password_hash = @password_hash, updated_at = now()
WHERE org_id = @org_id AND id = @id;

-- name: UserSetActive :one
UPDATE users
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    left_reason = CASE WHEN @active::boolean THEN '' ELSE @left_reason::text END,
    updated_at = now()
WHERE org_id = @org_id AND id = @id AND active <> @active
RETURNING *;

-- name: UserClearReportsManager :exec
-- Reports of a deactivated person move up to that person's own manager.
UPDATE users SET manager_id = @new_manager_id, updated_at = now()
WHERE org_id = @org_id AND manager_id = @old_manager_id;

-- name: UserSearch :many
-- People of an organisation, optionally limited to the subtree under @root_id
-- (excluding the root), filtered by a case-insensitive substring of name,
-- email or title. Screen-sized: callers pass a limit.
-- The subtree's ids are handed over as an array so that a small tree is
-- fetched by primary key instead of a scan of everyone.
SELECT u.id, u.org_id, u.email, u.name, u.title, u.role, u.manager_id, u.time_zone, u.active,
       m.name AS manager_name
FROM users u
LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE u.org_id = @org_id
  AND (sqlc.narg('root_id')::bigint IS NULL OR u.id = ANY (ARRAY(SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint))))
  AND (@q::text = '' OR u.name ILIKE '%' || @q || '%' OR u.email::text ILIKE '%' || @q || '%' OR u.title ILIKE '%' || @q || '%')
  AND (@include_inactive::boolean OR u.active)
ORDER BY u.active DESC, lower(u.name), u.id
LIMIT @row_limit OFFSET @row_offset;

-- name: UserIsInSubtree :one
-- Whether @user_id reports, directly or indirectly, to @root_id.
SELECT EXISTS (SELECT 1 FROM reports_under(@org_id, @root_id::bigint) r WHERE r.id = @user_id::bigint);

-- name: UserOrgChart :many
-- Every active person of an organisation, for drawing the reporting tree.
SELECT id, name, title, role, manager_id FROM users
WHERE org_id = @org_id AND active
ORDER BY lower(name), id;

-- name: UserListDirectReports :many
SELECT * FROM users WHERE org_id = @org_id AND manager_id = @manager_id AND active
ORDER BY lower(name);

-- name: UserEmailsTaken :many
-- Which of the addresses the organisation already uses.
SELECT lower(email::text)::text AS email FROM users
WHERE org_id = @org_id AND lower(email::text) = ANY(@emails::text[]);

-- name: UserOrgDirectory :many
SELECT id, lower(email::text)::text AS email FROM users WHERE org_id = @org_id AND active;

-- name: OrgLockTree :exec
-- Serialises changes to an organisation's reporting tree.
SELECT id FROM orgs WHERE id = @org_id FOR UPDATE;

-- name: ActiveAdminCount :one
-- The organisation's active admins.
SELECT count(*)::int FROM users WHERE org_id = @org_id AND role = 'admin' AND active;

-- name: UserPageAfter :many
-- UserSearch's people in id order after @after_id, for keyset pages.
SELECT u.id, u.org_id, u.email, u.name, u.title, u.role, u.manager_id, u.time_zone, u.active,
       m.name AS manager_name
FROM users u
LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE u.org_id = @org_id
  AND (sqlc.narg('root_id')::bigint IS NULL OR u.id = ANY (ARRAY(SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint))))
  AND (@include_inactive::boolean OR u.active)
  AND u.id > @after_id
ORDER BY u.id
LIMIT @row_limit;

-- name: UserErase :one
-- person_erase (migration 00040) erases the person and returns their pseudonym.
SELECT person_erase(@org_id::bigint, @id::bigint)::text AS pseudonym;

-- name: TxStatementTimeout :exec
-- Sets statement_timeout for the rest of the transaction only, for a
-- statement known to read much (an erasure).
SELECT set_config('statement_timeout', @timeout::text, true);
