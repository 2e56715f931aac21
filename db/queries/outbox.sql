-- name: OutboxCreate :one
INSERT INTO outbox (org_id, user_id, kind, to_name, to_addr, subject, text_body, html_body, link, private, state, last_error, idem_key, created_at)
VALUES (@org_id, @user_id, @kind, @to_name, @to_addr, @subject, @text_body, @html_body, @link, @private::text[], @state, @last_error, @idem_key, @created_at)
RETURNING id;

-- name: OutboxLock :one
-- The sending job holds this lock until it has recorded the attempt, so a
-- second job for the same message waits and then sees it sent.
SELECT * FROM outbox WHERE id = @id FOR UPDATE;

-- name: OutboxMarkSent :exec
UPDATE outbox
SET state = 'sent', sent_at = @sent_at, attempts = attempts + 1, last_error = '',
    text_body = @text_body, html_body = @html_body, link = '', private = '{}'
WHERE id = @id;

-- name: OutboxMarkFailed :exec
UPDATE outbox
SET state = @state, attempts = attempts + 1, last_error = @last_error
WHERE id = @id AND state <> 'sent';

-- name: OutboxList :many
-- One screen of the organisation's messages, newest first, without bodies.
SELECT id, user_id, kind, to_name, to_addr, subject, state, attempts, last_error, created_at, sent_at,
       link <> '' AS has_link
FROM outbox
WHERE org_id = @org_id AND (sqlc.narg(before_id)::bigint IS NULL OR id < sqlc.narg(before_id)::bigint)
ORDER BY id DESC
LIMIT @lim;

-- name: OutboxGet :one
SELECT * FROM outbox WHERE org_id = @org_id AND id = @id;

-- name: OutboxCounts :many
SELECT state, count(*)::bigint AS n FROM outbox WHERE org_id = @org_id GROUP BY state;

-- name: OutboxKeyUsed :one
SELECT EXISTS (SELECT 1 FROM outbox WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '');

-- name: MailOptOutAdd :exec
-- Turning a kind off twice (a repeated one-click POST) leaves one row.
INSERT INTO mail_opt_outs (user_id, kind, created_at) VALUES (@user_id, @kind, @created_at)
ON CONFLICT (user_id, kind) DO NOTHING;

-- name: MailOptOutRemove :exec
DELETE FROM mail_opt_outs WHERE user_id = @user_id AND kind = @kind;

-- name: MailOptOutExists :one
SELECT EXISTS (SELECT 1 FROM mail_opt_outs WHERE user_id = @user_id AND kind = @kind);

-- name: MailOptOutList :many
SELECT kind FROM mail_opt_outs WHERE user_id = @user_id ORDER BY kind;
