-- Team webhooks and their deliveries (package notify).

-- name: WebhookLockTeam :exec
-- Serialises saves of one team's webhook until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('team_webhooks'), @team_id::int);

-- name: WebhookGet :one
SELECT url, url_sealed, url_key_id FROM team_webhooks WHERE org_id = @org_id AND team_id = @team_id;

-- name: WebhookUpsert :execrows
-- No row is written when the team has a webhook under another organisation.
INSERT INTO team_webhooks (org_id, team_id, url, url_sealed, url_key_id, url_host, created_by, updated_by)
VALUES (@org_id, @team_id, NULL, @url_sealed::bytea, @url_key_id::text, @url_host::text, sqlc.narg(actor_id)::bigint, sqlc.narg(actor_id)::bigint)
ON CONFLICT (team_id) DO UPDATE
   SET url = NULL, url_sealed = EXCLUDED.url_sealed, url_key_id = EXCLUDED.url_key_id,
       url_host = EXCLUDED.url_host, updated_by = EXCLUDED.updated_by, updated_at = now()
 WHERE team_webhooks.org_id = EXCLUDED.org_id;

-- name: WebhooksToReseal :many
-- Plaintext rows and rows sealed by another key than the current one.
SELECT team_id, url, url_sealed, url_key_id FROM team_webhooks
 WHERE url IS NOT NULL OR url_key_id <> @current_key_id::text ORDER BY team_id;

-- name: WebhookReseal :execrows
-- Changes nothing when the row changed since it was read.
UPDATE team_webhooks SET url = NULL, url_sealed = @url_sealed::bytea, url_key_id = @url_key_id::text,
       url_host = CASE WHEN url_host = '' THEN @url_host::text ELSE url_host END
 WHERE team_id = @team_id AND url IS NOT DISTINCT FROM sqlc.narg(old_url)::text
   AND url_sealed IS NOT DISTINCT FROM sqlc.narg(old_sealed)::bytea;

-- name: WebhookDelete :execrows
DELETE FROM team_webhooks WHERE org_id = @org_id AND team_id = @team_id;

-- name: WebhooksForOrg :many
SELECT w.team_id, t.name AS team_name, w.url_host, w.updated_at
  FROM team_webhooks w JOIN teams t ON t.id = w.team_id
 WHERE w.org_id = @org_id
 ORDER BY lower(t.name), t.id;

-- name: WebhookDeliveriesForOrg :many
SELECT d.id, d.team_id, coalesce(d.kudo_id, 0)::bigint AS kudo_id, t.name AS team_name, d.kind, d.status, d.last_error,
       d.attempts, d.created_at, d.delivered_at
  FROM webhook_deliveries d JOIN teams t ON t.id = d.team_id
 WHERE d.org_id = @org_id
 ORDER BY d.created_at DESC, d.id DESC
 LIMIT @max_rows;

-- name: WebhookDeliveryKudoStatus :one
SELECT status FROM webhook_deliveries WHERE kudo_id = @kudo_id::bigint AND team_id = @team_id AND kind = 'kudo';

-- name: WebhookDeliveryKudoSkip :exec
-- A deleted kudo's rows have lost their kudo_id: the job id still finds them.
UPDATE webhook_deliveries
   SET status = 'skipped', last_error = @reason::text, job_id = @job_id::bigint, updated_at = now()
 WHERE org_id = @org_id AND team_id = @team_id AND status = 'pending'
   AND ((kind = 'kudo' AND kudo_id = @kudo_id::bigint) OR job_id = @job_id::bigint);

-- name: WebhookDeliveryKudoRecord :exec
-- One row per kudo and team, whatever the attempt; a delivered row is final.
-- The kudo may be deleted meanwhile: the sub-select then stores NULL instead
-- of failing the foreign key.
INSERT INTO webhook_deliveries (org_id, team_id, kudo_id, kind, status, attempts, last_error, job_id, delivered_at)
VALUES (@org_id, @team_id, (SELECT id FROM kudos WHERE id = @kudo_id::bigint), 'kudo', @status::text, 1, @last_error::text, @job_id::bigint, sqlc.narg(delivered_at)::timestamptz)
ON CONFLICT (kudo_id, team_id, kind) DO UPDATE
   SET status = EXCLUDED.status,
       attempts = webhook_deliveries.attempts + 1,
       last_error = EXCLUDED.last_error,
       job_id = EXCLUDED.job_id,
       delivered_at = EXCLUDED.delivered_at,
       updated_at = now()
 WHERE webhook_deliveries.status <> 'delivered';

-- name: WebhookDeliveryReminderStatus :one
SELECT status FROM webhook_deliveries WHERE team_id = @team_id AND job_id = @job_id::bigint AND kind = 'ritual_reminder';

-- name: WebhookDeliveryReminderSkip :exec
UPDATE webhook_deliveries
   SET status = 'skipped', last_error = @reason::text, updated_at = now()
 WHERE job_id = @job_id::bigint AND org_id = @org_id AND kind = 'ritual_reminder' AND status = 'pending';

-- name: WebhookDeliveryReminderRecord :exec
-- Reminders have no kudo to key them: the job id finds the row. Both
-- statements see the table as it was before either ran, so the insert only
-- happens when no row existed. A delivered row is final.
WITH updated AS (
    UPDATE webhook_deliveries
       SET status = @status::text, attempts = attempts + 1, last_error = @last_error::text,
           delivered_at = sqlc.narg(delivered_at)::timestamptz, updated_at = now()
     WHERE team_id = @team_id::bigint AND job_id = @job_id::bigint AND kind = 'ritual_reminder' AND status <> 'delivered'
    RETURNING id
)
INSERT INTO webhook_deliveries (org_id, team_id, kudo_id, kind, status, attempts, last_error, job_id, delivered_at)
SELECT @org_id::bigint, @team_id::bigint, NULL, 'ritual_reminder', @status::text, 1, @last_error::text, @job_id::bigint, sqlc.narg(delivered_at)::timestamptz
 WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries
                    WHERE team_id = @team_id::bigint AND job_id = @job_id::bigint AND kind = 'ritual_reminder');
