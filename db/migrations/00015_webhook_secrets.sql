-- +goose Up
-- Webhook addresses embed their tokens: they are stored sealed (AES-256-GCM,
-- internal/secrets) with the id of the key that sealed them, and the host is
-- kept apart for the admin page. Rows written before this migration keep their
-- plaintext url until the application seals them at its next start (SQL has
-- no key); url and url_sealed never coexist.
ALTER TABLE team_webhooks
    ALTER COLUMN url DROP NOT NULL,
    ADD COLUMN url_sealed bytea,
    ADD COLUMN url_key_id text,
    ADD COLUMN url_host text NOT NULL DEFAULT '' CHECK (length(url_host) <= 300);
UPDATE team_webhooks SET url_host = coalesce(lower(substring(url FROM '^https://([^/?#]+)')), '');
ALTER TABLE team_webhooks
    ADD CONSTRAINT team_webhooks_one_url CHECK ((url IS NULL) <> (url_sealed IS NULL)),
    ADD CONSTRAINT team_webhooks_sealed_key CHECK ((url_sealed IS NULL) = (url_key_id IS NULL));

-- Admins see a delivery's failure as a class, never the raw transport error
-- (which told open ports from closed ones on internal hosts).
UPDATE webhook_deliveries
   SET last_error = CASE
         WHEN last_error ~ '^HTTP [0-9]{3}' THEN substring(last_error FROM '^HTTP [0-9]{3}')
         WHEN last_error LIKE 'no answer within%' THEN 'timed out'
         ELSE 'connection failed'
       END
 WHERE status IN ('pending', 'failed') AND last_error <> '';

-- +goose Down
-- Sealed addresses cannot be decrypted in SQL: rolling back forgets them (set
-- them again afterwards). Plaintext rows survive.
DELETE FROM team_webhooks WHERE url IS NULL;
ALTER TABLE team_webhooks
    DROP CONSTRAINT team_webhooks_one_url,
    DROP CONSTRAINT team_webhooks_sealed_key,
    DROP COLUMN url_sealed,
    DROP COLUMN url_key_id,
    DROP COLUMN url_host,
    ALTER COLUMN url SET NOT NULL;
