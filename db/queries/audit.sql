-- name: AuditSubjectNames :many
-- The names of what a page of audit entries is about, every kind in one
-- query: people, teams, review cycles, retros, 1:1 series and meetings, and
-- invitations (named by the invited person).
SELECT 'person'::text AS kind, u.id, u.name::text AS name
FROM users u WHERE u.org_id = @org_id AND u.id = ANY(@person_ids::bigint[])
UNION ALL
SELECT 'team', t.id, t.name
FROM teams t WHERE t.org_id = @org_id AND t.id = ANY(@team_ids::bigint[])
UNION ALL
SELECT 'cycle', c.id, c.name
FROM review_cycles c WHERE c.org_id = @org_id AND c.id = ANY(@cycle_ids::bigint[])
UNION ALL
SELECT 'retro', r.id, t.name || ': ' || r.title
FROM retros r JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
WHERE r.org_id = @org_id AND r.id = ANY(@retro_ids::bigint[])
UNION ALL
SELECT 'series', s.id, '1:1 ' || m.name || ' ↔ ' || e.name
FROM oneonone_series s
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users e ON e.org_id = s.org_id AND e.id = s.report_id
WHERE s.org_id = @org_id AND s.id = ANY(@series_ids::bigint[])
UNION ALL
SELECT 'meeting', mt.id, '1:1 ' || m.name || ' ↔ ' || e.name || ', ' || to_char(mt.scheduled_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY')
FROM meetings mt
JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users e ON e.org_id = s.org_id AND e.id = s.report_id
WHERE mt.org_id = @org_id AND mt.id = ANY(@meeting_ids::bigint[])
UNION ALL
SELECT 'invitation', i.id, 'invitation for ' || u.name
FROM invitations i JOIN users u ON u.org_id = i.org_id AND u.id = i.user_id
WHERE i.org_id = @org_id AND i.id = ANY(@invitation_ids::bigint[]);

-- name: AuditPage :many
-- One page of the audit log, newest first, after the cursor (@after_at,
-- @after_id); the order (created_at, id) follows audit_log_org_idx. An
-- empty @action, @person or NULL time leaves that filter out; @action
-- matches itself and every action under it.
SELECT a.id, a.created_at, coalesce(a.actor_id, 0)::bigint AS actor_id, coalesce(u.name, '')::text AS actor_name, a.action, a.subject, a.detail
FROM audit_log a
LEFT JOIN users u ON u.org_id = a.org_id AND u.id = a.actor_id
WHERE a.org_id = @org_id
  AND (@action::text = '' OR a.action = @action::text OR a.action LIKE @action_prefix::text)
  AND (@person::text = '' OR u.name ILIKE @person::text OR u.email::text ILIKE @person::text)
  AND (sqlc.narg('from_at')::timestamptz IS NULL OR a.created_at >= sqlc.narg('from_at')::timestamptz)
  AND (sqlc.narg('until_at')::timestamptz IS NULL OR a.created_at < sqlc.narg('until_at')::timestamptz)
  AND (sqlc.narg('after_at')::timestamptz IS NULL OR (a.created_at, a.id) < (sqlc.narg('after_at')::timestamptz, @after_id::bigint))
ORDER BY a.created_at DESC, a.id DESC
LIMIT @max_rows;

-- name: AuditActions :many
SELECT DISTINCT action FROM audit_log WHERE org_id = @org_id ORDER BY action;
