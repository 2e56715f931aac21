-- name: PersonalTokenCreate :one
-- A live token of the same name (a double submit) stores nothing.
INSERT INTO personal_tokens (org_id, user_id, name, prefix, token_hash, scope, expires_at)
VALUES (@org_id, @user_id, @name, @prefix, @token_hash, @scope, @expires_at)
ON CONFLICT (user_id, lower(name)) WHERE revoked_at IS NULL DO NOTHING
RETURNING *;

-- name: PersonalTokenList :many
SELECT * FROM personal_tokens WHERE org_id = @org_id AND user_id = @user_id
ORDER BY (revoked_at IS NULL) DESC, created_at DESC, id DESC
LIMIT 100;

-- name: PersonalTokenRevoke :one
UPDATE personal_tokens SET revoked_at = now()
WHERE org_id = @org_id AND user_id = @user_id AND id = @id AND revoked_at IS NULL
RETURNING *;

-- name: PersonalTokenGet :one
SELECT * FROM personal_tokens WHERE org_id = @org_id AND user_id = @user_id AND id = @id;

-- name: PersonalTokenByHash :one
-- A live token: not revoked and not expired at @now.
SELECT * FROM personal_tokens
WHERE token_hash = @token_hash AND revoked_at IS NULL AND expires_at > @now;

-- name: PersonalTokenTouch :exec
UPDATE personal_tokens SET last_used_at = @now WHERE id = @id;
