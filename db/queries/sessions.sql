-- The statements of scs's PostgreSQL session store, with the request's
-- context (see postgres.SessionStore).

-- name: SessionFind :one
SELECT data FROM sessions WHERE token = @token AND current_timestamp < expiry;

-- name: SessionFindWithOwner :one
-- A live session's data and, in the same statement, its owner's row as
-- recorded at sign-in in session_users (all NULL when there is none) and
-- their unread notifications.
SELECT s.data, u.id AS user_id, u.org_id, coalesce(u.email::text, '')::text AS email, u.name, u.title, coalesce(u.role::text, '')::text AS role, u.manager_id,
       u.time_zone, coalesce(u.password_hash <> '', false)::boolean AS has_password, u.active, u.created_at, m.name AS manager_name,
       -- The bell's count (at most 100), read with the session rather than
       -- in a statement of its own on every page.
       (SELECT count(*) FROM (SELECT 1 FROM notifications n
                              WHERE n.user_id = u.id AND n.org_id = u.org_id AND n.read_at IS NULL LIMIT 100) un)::int AS unread
FROM sessions s
LEFT JOIN session_users su ON su.token = s.token
LEFT JOIN users u ON u.id = su.user_id
LEFT JOIN users m ON m.org_id = u.org_id AND m.id = u.manager_id
WHERE s.token = @token AND current_timestamp < s.expiry;

-- name: SessionCommit :exec
INSERT INTO sessions (token, data, expiry) VALUES (@token, @data, @expiry)
ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry;

-- name: SessionDelete :exec
DELETE FROM sessions WHERE token = @token;
