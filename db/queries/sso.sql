-- name: SSOSettingsGet :one
SELECT s.*, coalesce(b.name, '')::text AS break_glass_name,
       coalesce(b.active AND b.role = 'admin', false)::boolean AS break_glass_ok
FROM org_sso s LEFT JOIN users b ON b.org_id = s.org_id AND b.id = s.break_glass_id
WHERE s.org_id = @org_id;

-- name: SSOSettingsLock :exec
-- Serialises saves of one organisation's settings.
SELECT pg_advisory_xact_lock(hashtextextended('org_sso', @org_id::bigint));

-- name: SSOSettingsSave :exec
INSERT INTO org_sso (org_id, provider_name, issuer, client_id, client_secret_sealed, client_secret_key_id,
                     allowed_domains, jit, enforce, break_glass_id, updated_by, updated_at)
VALUES (@org_id, @provider_name, @issuer, @client_id, @client_secret_sealed, @client_secret_key_id,
        @allowed_domains, @jit, @enforce, sqlc.narg('break_glass_id'), @updated_by, now())
ON CONFLICT (org_id) DO UPDATE
SET provider_name = EXCLUDED.provider_name, issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
    client_secret_sealed = EXCLUDED.client_secret_sealed, client_secret_key_id = EXCLUDED.client_secret_key_id,
    allowed_domains = EXCLUDED.allowed_domains, jit = EXCLUDED.jit, enforce = EXCLUDED.enforce,
    break_glass_id = EXCLUDED.break_glass_id, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: SSOOrgsForDomain :many
-- Organisations that sign in people of an email domain with SSO.
SELECT o.id, o.name, s.provider_name
FROM org_sso s JOIN orgs o ON o.id = s.org_id
WHERE s.allowed_domains @> ARRAY[@domain::text]
ORDER BY lower(o.name), o.id
LIMIT 20;

-- name: SSOProviderForOrg :one
SELECT o.id, o.name, s.provider_name
FROM org_sso s JOIN orgs o ON o.id = s.org_id
WHERE s.org_id = @org_id;

-- name: SSOAdminActive :one
-- Whether a person is an active admin of the organisation.
SELECT EXISTS (SELECT 1 FROM users WHERE org_id = @org_id AND id = @id AND active AND role = 'admin');

-- name: SSOLoginCreate :exec
INSERT INTO sso_logins (state_hash, org_id, nonce, verifier, next, expires_at)
VALUES (@state_hash, @org_id, @nonce, @verifier, @next, @expires_at);

-- name: SSOLoginsPrune :exec
DELETE FROM sso_logins WHERE expires_at < @before;

-- name: SSOLoginTake :one
-- A sign-in under way, once: taking it deletes it.
DELETE FROM sso_logins WHERE state_hash = @state_hash RETURNING *;

-- name: SSOAccountBySubject :one
SELECT u.id, u.org_id, u.email, u.active, i.subject::text AS subject
FROM sso_identities i JOIN users u ON u.org_id = i.org_id AND u.id = i.user_id
WHERE i.org_id = @org_id AND i.issuer = @issuer AND i.subject = @subject;

-- name: SSOAccountByEmail :one
-- The account with an address, and the subject it is linked to at the
-- issuer ('' when none yet).
SELECT u.id, u.org_id, u.email, u.active, coalesce(i.subject, '')::text AS subject
FROM users u LEFT JOIN sso_identities i ON i.org_id = u.org_id AND i.user_id = u.id AND i.issuer = @issuer
WHERE u.org_id = @org_id AND u.email = @email;

-- name: SSOIdentityLink :execrows
INSERT INTO sso_identities (org_id, user_id, issuer, subject)
VALUES (@org_id, @user_id, @issuer, @subject)
ON CONFLICT DO NOTHING;

-- name: UserPasswordSignInAllowed :one
SELECT password_sign_in_allowed(@org_id::bigint, @id::bigint)::boolean;

-- name: SSOAdminOptions :many
-- The organisation's active admins, who may be its break-glass admin.
SELECT id, name, email FROM users
WHERE org_id = @org_id AND active AND role = 'admin'
ORDER BY lower(name), id
LIMIT 500;

-- name: SSOSecretsToReseal :many
-- Client secrets sealed by a key other than the current one.
SELECT org_id, client_secret_sealed, client_secret_key_id FROM org_sso
WHERE client_secret_key_id <> @current_key_id
ORDER BY org_id;

-- name: SSOSecretReseal :execrows
-- Replaces a sealed client secret unless an admin changed it meanwhile.
UPDATE org_sso SET client_secret_sealed = @new_sealed, client_secret_key_id = @new_key_id
WHERE org_id = @org_id AND client_secret_key_id = @old_key_id AND client_secret_sealed = @old_sealed;

-- name: SSOSettingsDelete :execrows
DELETE FROM org_sso WHERE org_id = @org_id;
