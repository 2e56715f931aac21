-- +goose Up
-- Single sign-on (OpenID Connect) per organisation. The client secret is
-- stored sealed (AES-256-GCM, internal/secrets) with the id of the key that
-- sealed it, never in plaintext. Enforcing SSO needs a break-glass admin,
-- who keeps their password.
CREATE TABLE org_sso (
    org_id               bigint PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    provider_name        text NOT NULL CHECK (length(provider_name) BETWEEN 1 AND 60),
    issuer               text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2048),
    client_id            text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 500),
    client_secret_sealed bytea NOT NULL,
    client_secret_key_id text NOT NULL,
    -- Lower-case domains, e.g. {example.com}; the lookup on the sign-in page
    -- finds an organisation by one of them.
    allowed_domains      text[] NOT NULL DEFAULT '{}',
    jit                  boolean NOT NULL DEFAULT false,
    enforce              boolean NOT NULL DEFAULT false,
    break_glass_id       bigint,
    updated_by           bigint,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, break_glass_id) REFERENCES users(org_id, id),
    CHECK (NOT enforce OR break_glass_id IS NOT NULL),
    CHECK (cardinality(allowed_domains) <= 50)
);
CREATE INDEX org_sso_domains_idx ON org_sso USING gin (allowed_domains);

-- Which person an identity provider's subject is: set at the first SSO
-- sign-in (matched by email then), used alone afterwards.
CREATE TABLE sso_identities (
    org_id     bigint NOT NULL,
    user_id    bigint NOT NULL,
    issuer     text NOT NULL CHECK (length(issuer) <= 2048),
    subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, issuer, subject),
    UNIQUE (org_id, user_id, issuer),
    FOREIGN KEY (org_id, user_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);

-- Sign-ins under way: the state (by its SHA-256), the nonce and the PKCE
-- verifier, each used once and only for a few minutes.
CREATE TABLE sso_logins (
    state_hash bytea PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    nonce      text NOT NULL,
    verifier   text NOT NULL,
    next       text NOT NULL DEFAULT '' CHECK (length(next) <= 2048),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sso_logins_expires_idx ON sso_logins (expires_at);

-- Whether a person may sign in with a password, in one place: yes unless
-- their organisation enforces SSO and they are not its break-glass admin.
-- Enforcement holds only while the break-glass admin is an active admin, so
-- that deactivating or demoting them never locks every admin out.
-- +goose StatementBegin
CREATE FUNCTION password_sign_in_allowed(p_org bigint, p_user bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM org_sso s
        JOIN users b ON b.org_id = s.org_id AND b.id = s.break_glass_id
        WHERE s.org_id = p_org AND s.enforce AND b.active AND b.role = 'admin'
          AND s.break_glass_id <> p_user)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION password_sign_in_allowed(bigint, bigint);
DROP TABLE sso_logins;
DROP TABLE sso_identities;
DROP TABLE org_sso;
