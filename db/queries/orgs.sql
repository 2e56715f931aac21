-- name: OrgCreate :one
INSERT INTO orgs (name) VALUES (@name) RETURNING *;

-- name: OrgGet :one
SELECT * FROM orgs WHERE id = @id;

-- name: UserCountAll :one
SELECT count(*) FROM users;

-- name: AuditCreate :exec
INSERT INTO audit_log (org_id, actor_id, action, subject, detail)
VALUES (@org_id, @actor_id, @action, @subject, @detail);

-- name: OrgFindByName :one
SELECT * FROM orgs WHERE lower(name) = lower(@name) ORDER BY id LIMIT 1;

-- name: AdvisoryXactLock :exec
-- Takes a transaction-level advisory lock on a key.
SELECT pg_advisory_xact_lock(@key::bigint);
