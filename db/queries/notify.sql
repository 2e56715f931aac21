-- What outgoing notifications read (package notify).

-- name: NotifyKudoTeams :many
-- The teams whose webhooks an organisation-wide kudo reaches: those its
-- recipients belong to.
SELECT DISTINCT w.team_id
  FROM kudos k
  JOIN kudo_recipients r ON r.kudo_id = k.id
  JOIN team_members tm ON tm.org_id = k.org_id AND tm.user_id = r.user_id
  JOIN team_webhooks w ON w.org_id = k.org_id AND w.team_id = tm.team_id
 WHERE k.org_id = @org_id AND k.id = @kudo_id AND k.visibility = 'org'
 ORDER BY w.team_id;

-- name: NotifyKudoMessage :one
-- What a kudo's message shows, with its visibility for the caller to check.
SELECT u.name AS author_name, k.did, k.impact, k.visibility::text AS visibility,
       ARRAY(SELECT ru.name FROM kudo_recipients r JOIN users ru ON ru.id = r.user_id
              WHERE r.kudo_id = k.id ORDER BY lower(ru.name), ru.id)::text[] AS recipients,
       ARRAY(SELECT competency_name_at(k.org_id, kc.competency_id, k.created_at) FROM kudo_competencies kc
              WHERE kc.kudo_id = k.id ORDER BY kc.competency_id)::text[] AS competencies
  FROM kudos k JOIN users u ON u.id = k.author_id
 WHERE k.org_id = @org_id AND k.id = @kudo_id;

-- name: NotifyRitualsToRemind :many
-- Active rituals whose team has a webhook.
SELECT r.id, r.org_id, r.team_id, t.name AS team_name, r.name, r.cadence, r.weekday, r.hour, r.time_zone, r.starts_on
  FROM rituals r
  JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
  JOIN team_webhooks wh ON wh.org_id = r.org_id AND wh.team_id = r.team_id
 WHERE r.active
 ORDER BY r.id;

-- name: NotifyBoardPublicCount :one
-- The kudos on a team's board in a period that everyone may see: a reminder
-- goes to a channel, so team-only and recipients-only kudos never count.
SELECT count(*)
  FROM kudos k
 WHERE k.org_id = @org_id AND k.visibility = 'org'
   AND k.created_at >= @period_start::timestamptz AND k.created_at < @period_end::timestamptz
   AND (k.team_id = @team_id::bigint OR EXISTS (
        SELECT 1 FROM kudo_recipients kr
          JOIN team_members tm ON tm.org_id = kr.org_id AND tm.user_id = kr.user_id
         WHERE kr.kudo_id = k.id AND tm.team_id = @team_id::bigint));
