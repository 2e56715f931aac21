-- name: ActionDigestDue :many
-- People with open 1:1 actions of their own due by tomorrow (their own
-- calendar day, in their time zone), once their day has reached 08:00, who
-- have no digest for that day yet (the outbox key 'actions:<id>:<day>') and
-- have not turned the digest off.
SELECT u.id, u.org_id, u.name, u.email, u.time_zone, o.name AS org_name,
       (timezone(u.time_zone, @now::timestamptz))::date AS local_day
FROM users u
JOIN orgs o ON o.id = u.org_id
WHERE u.active
  AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
  AND EXISTS (
      SELECT 1 FROM action_items a
      WHERE a.org_id = u.org_id AND a.owner_id = u.id AND a.done_at IS NULL
        AND a.due_on <= (timezone(u.time_zone, @now::timestamptz))::date + 1)
  AND NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = u.org_id
        AND ob.idem_key = 'actions:' || u.id::text || ':' || ((timezone(u.time_zone, @now::timestamptz))::date)::text)
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = u.id AND mo.kind = 'actions_due')
ORDER BY u.id;

-- name: ActionDigestItems :many
-- A person's own open 1:1 actions due by @through, overdue first.
SELECT a.body, a.due_on,
       CASE WHEN s.manager_id = @owner_id THEN r.name ELSE m.name END::text AS with_name
FROM action_items a
JOIN oneonone_series s ON s.org_id = a.org_id AND s.id = a.series_id
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE a.org_id = @org_id AND a.owner_id = @owner_id AND a.done_at IS NULL AND a.due_on <= @through::date
ORDER BY a.due_on, a.id
LIMIT 50;

-- name: ReminderLock :exec
-- Serialises the reminders of one person and day across replicas.
SELECT pg_advisory_xact_lock(hashtextextended(@key::text, 0));
