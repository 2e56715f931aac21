-- name: InvitationCreate :one
INSERT INTO invitations (org_id, user_id, token_hash, invited_by, expires_at, idem_key)
VALUES (@org_id, @user_id, @token_hash, sqlc.narg('invited_by'), @expires_at, @idem_key)
ON CONFLICT (org_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING *;

-- name: InvitationFindByToken :one
SELECT i.id, i.org_id, i.user_id, i.expires_at, i.used_at, i.revoked_at, u.name, u.email, u.active
FROM invitations i JOIN users u ON u.org_id = i.org_id AND u.id = i.user_id
WHERE i.token_hash = @token_hash;

-- name: InvitationUse :execrows
UPDATE invitations SET used_at = now()
WHERE id = @id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now();

-- name: InvitationRevoke :execrows
UPDATE invitations SET revoked_at = now()
WHERE org_id = @org_id AND id = @id AND used_at IS NULL AND revoked_at IS NULL;

-- name: InvitationRevoked :one
SELECT EXISTS (SELECT 1 FROM invitations WHERE org_id = @org_id AND id = @id AND revoked_at IS NOT NULL);

-- name: InvitationRevokeForUser :exec
UPDATE invitations SET revoked_at = now()
WHERE org_id = @org_id AND user_id = @user_id AND used_at IS NULL AND revoked_at IS NULL;

-- name: InvitationList :many
SELECT i.id, i.user_id, i.created_at, i.expires_at, i.used_at, i.revoked_at, u.name, u.email
FROM invitations i JOIN users u ON u.org_id = i.org_id AND u.id = i.user_id
WHERE i.org_id = @org_id
ORDER BY i.created_at DESC, i.id DESC
LIMIT 200;

-- name: PasswordResetCreate :one
INSERT INTO password_resets (org_id, user_id, token_hash, expires_at)
VALUES (@org_id, @user_id, @token_hash, @expires_at)
RETURNING id;

-- name: PasswordResetFindByToken :one
SELECT r.id, r.org_id, r.user_id, r.expires_at, r.used_at, r.revoked_at, u.active
FROM password_resets r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
WHERE r.token_hash = @token_hash;

-- name: PasswordResetUse :execrows
UPDATE password_resets SET used_at = now()
WHERE id = @id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now();

-- name: PasswordResetRevokeForUser :exec
-- Ends every outstanding reset link of a person but @keep_id (0: all).
UPDATE password_resets SET revoked_at = now()
WHERE org_id = @org_id AND user_id = @user_id AND id <> @keep_id
  AND used_at IS NULL AND revoked_at IS NULL;

-- name: SessionUserRecord :exec
INSERT INTO session_users (token, user_id) VALUES (@token, @user_id)
ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id;

-- name: SessionUserForget :exec
DELETE FROM session_users WHERE token = @token;

-- name: SessionsDeleteForUser :execrows
WITH gone AS (
    DELETE FROM session_users WHERE user_id = @user_id RETURNING token
)
DELETE FROM sessions WHERE token IN (SELECT token FROM gone);

-- name: SessionUsersPrune :exec
DELETE FROM session_users su
WHERE su.created_at < now() - interval '1 hour'
  AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.token = su.token);
