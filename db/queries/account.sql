-- name: SessionUserRecordAgent :exec
INSERT INTO session_users (token, user_id, user_agent) VALUES (@token, @user_id, @user_agent)
ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, user_agent = EXCLUDED.user_agent;

-- name: SessionsForUser :many
-- A person's sessions that have not ended, newest first.
SELECT su.id, su.token, su.user_agent, su.created_at, s.expiry
FROM session_users su
JOIN sessions s ON s.token = su.token
WHERE su.user_id = @user_id AND s.expiry > now()
ORDER BY su.created_at DESC, su.id DESC
LIMIT 100;

-- name: SessionDeleteForUser :execrows
-- Ends one of the person's sessions, by its number; another person's is
-- not found.
WITH gone AS (
    DELETE FROM session_users WHERE id = @id AND user_id = @user_id RETURNING token
)
DELETE FROM sessions WHERE token IN (SELECT token FROM gone);

-- name: SessionsDeleteOthersForUser :execrows
-- Ends every session of the person but the one they use.
WITH gone AS (
    DELETE FROM session_users su WHERE su.user_id = @user_id AND su.token <> @keep_token::text RETURNING su.token
)
DELETE FROM sessions WHERE token IN (SELECT token FROM gone);

-- name: UserPasswordHash :one
SELECT password_hash FROM users WHERE org_id = @org_id AND id = @id AND active;
