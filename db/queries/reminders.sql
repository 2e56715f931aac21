-- name: ActionDigestDue :many
-- People with open actions of their own, from 1:1s or retrospectives, due
-- by tomorrow (their own calendar day, in their time zone), once their day
-- has reached 08:00, who have no digest for that day yet (the outbox key
-- 'actions:<id>:<day>') and have not turned the digest off.
SELECT u.id, u.org_id, u.name, u.email, u.time_zone, o.name AS org_name,
       (timezone(u.time_zone, @now::timestamptz))::date AS local_day
FROM users u
JOIN orgs o ON o.id = u.org_id
WHERE u.active
  AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
  AND EXISTS (
      SELECT 1 FROM action_items a
      WHERE a.org_id = u.org_id AND a.owner_id = u.id AND a.done_at IS NULL
        AND a.due_on <= (timezone(u.time_zone, @now::timestamptz))::date + 1
      UNION ALL
      SELECT 1 FROM retro_actions ra
      WHERE ra.org_id = u.org_id AND ra.owner_id = u.id AND ra.status = 'open'
        AND ra.due_on <= (timezone(u.time_zone, @now::timestamptz))::date + 1)
  AND NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = u.org_id AND ob.idem_key <> ''
        AND ob.idem_key = 'actions:' || u.id::text || ':' || ((timezone(u.time_zone, @now::timestamptz))::date)::text)
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = u.id AND mo.kind = 'actions_due')
ORDER BY u.id;

-- name: ActionDigestItems :many
-- A person's own open actions due by @through, overdue first: those from
-- 1:1s with the other person of the 1:1, those from retrospectives with
-- the retrospective's team.
SELECT body, due_on, with_name, retro_team FROM (
    SELECT a.body, a.due_on, a.id, 0 AS src,
           CASE WHEN s.manager_id = @owner_id THEN r.name ELSE m.name END::text AS with_name, ''::text AS retro_team
    FROM action_items a
    JOIN oneonone_series s ON s.org_id = a.org_id AND s.id = a.series_id
    JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
    JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
    WHERE a.org_id = @org_id AND a.owner_id = @owner_id AND a.done_at IS NULL AND a.due_on <= @through::date
  UNION ALL
    SELECT ra.body, ra.due_on, ra.id, 1 AS src, ''::text, t.name::text
    FROM retro_actions ra
    JOIN teams t ON t.org_id = ra.org_id AND t.id = ra.team_id
    WHERE ra.org_id = @org_id AND ra.owner_id = @owner_id AND ra.status = 'open' AND ra.due_on <= @through::date
) x
ORDER BY due_on, src, id
LIMIT 50;

-- name: ReminderLock :exec
-- Serialises the reminders of one person and day across replicas.
SELECT pg_advisory_xact_lock(hashtextextended(@key::text, 0));

-- name: OneOnOneReminderDue :many
-- Each participant of an active series, both of them active, once their own
-- day has reached 08:00, who has no reminder yet of the series' 1:1 on their
-- tomorrow (the outbox key 'oneonone:<series>:<person>:<their tomorrow>')
-- and has not turned these reminders off. Whether the schedule has a slot
-- tomorrow is worked out from the series' rule by the caller; a meeting
-- moved to tomorrow off the schedule shows in moved_in.
SELECT s.id AS series_id, s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone AS series_zone, s.starts_on,
       u.id AS user_id, u.org_id, u.name, u.email, u.time_zone, o.name AS org_name, w.name AS with_name,
       (timezone(u.time_zone, @now::timestamptz))::date AS local_day,
       EXISTS (SELECT 1 FROM meetings mt
               WHERE mt.series_id = s.id AND mt.status = 'scheduled'
                 AND mt.scheduled_at >= (((timezone(u.time_zone, @now::timestamptz))::date + 1)::timestamp AT TIME ZONE u.time_zone)
                 AND mt.scheduled_at < (((timezone(u.time_zone, @now::timestamptz))::date + 2)::timestamp AT TIME ZONE u.time_zone)) AS moved_in
FROM oneonone_series s
JOIN users u ON u.org_id = s.org_id AND u.id IN (s.manager_id, s.report_id)
JOIN users w ON w.org_id = s.org_id AND w.id = CASE WHEN u.id = s.manager_id THEN s.report_id ELSE s.manager_id END
JOIN orgs o ON o.id = s.org_id
WHERE s.status = 'active' AND u.active AND w.active
  AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
  AND NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = s.org_id AND ob.idem_key <> ''
        AND ob.idem_key = 'oneonone:' || s.id::text || ':' || u.id::text || ':'
            || ((timezone(u.time_zone, @now::timestamptz))::date + 1)::text)
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = u.id AND mo.kind = 'oneonone_tomorrow')
ORDER BY s.id, u.id;

-- name: OneOnOneMeetingsBetween :many
-- A series' meetings starting in [@from_at, @to_at), with their status.
SELECT id, scheduled_at, status::text AS status FROM meetings
WHERE org_id = @org_id AND series_id = @series_id
  AND scheduled_at >= @from_at::timestamptz AND scheduled_at < @to_at::timestamptz
ORDER BY scheduled_at;

-- name: OneOnOneReminderAgenda :many
-- The open points of a meeting's agenda, in their order.
SELECT body FROM agenda_items
WHERE org_id = @org_id AND meeting_id = @meeting_id AND NOT done
ORDER BY position, id
LIMIT 30;

-- name: ReviewDeadlinesDue :many
-- Review steps not submitted, of open cycles, whose deadline is 7 to 2 days
-- (stage 7) or 1 to 0 days (stage 1) after the person's own day, once that
-- day has reached 08:00: the self-assessment to the person (still a draft),
-- the manager review to the reviewer (draft or self-assessment submitted),
-- as the in-app notices count them. One row per person, cycle, step and
-- stage without its outbox key 'review:<cycle>:<step>:<person>:<stage>',
-- unless the person turned these reminders off; names lists the people
-- whose manager review is outstanding.
WITH steps AS (
    SELECT p.org_id, p.cycle_id, p.person_id AS user_id, 'self'::text AS step, c.self_due AS due_on, c.name AS cycle_name,
           ''::text AS person_name, p.person_id
    FROM review_participants p JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
    WHERE c.state = 'open' AND p.state = 'draft'
  UNION ALL
    SELECT p.org_id, p.cycle_id, p.manager_id, 'manager'::text, c.manager_due, c.name, pu.name, p.person_id
    FROM review_participants p JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
    JOIN users pu ON pu.org_id = p.org_id AND pu.id = p.person_id
    WHERE c.state = 'open' AND p.manager_id IS NOT NULL AND p.state IN ('draft', 'self_submitted') AND pu.active
), staged AS (
    SELECT st.*, u.name, u.email, u.time_zone, (timezone(u.time_zone, @now::timestamptz))::date AS local_day,
           CASE WHEN st.due_on - (timezone(u.time_zone, @now::timestamptz))::date BETWEEN 2 AND 7 THEN 7
                WHEN st.due_on - (timezone(u.time_zone, @now::timestamptz))::date BETWEEN 0 AND 1 THEN 1 END AS stage
    FROM steps st
    JOIN users u ON u.org_id = st.org_id AND u.id = st.user_id
    WHERE u.active AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
      AND st.due_on BETWEEN (timezone(u.time_zone, @now::timestamptz))::date
                        AND (timezone(u.time_zone, @now::timestamptz))::date + 7
)
SELECT sg.org_id, sg.cycle_id, sg.user_id::bigint AS user_id, sg.step, sg.due_on, sg.cycle_name, sg.name, sg.email,
       sg.time_zone, o.name AS org_name, sg.local_day, sg.stage::int AS stage,
       array_agg(sg.person_name ORDER BY lower(sg.person_name), sg.person_id)::text[] AS names,
       min(sg.person_id)::bigint AS first_person
FROM staged sg
JOIN orgs o ON o.id = sg.org_id
WHERE NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = sg.org_id AND ob.idem_key <> ''
        AND ob.idem_key = 'review:' || sg.cycle_id::text || ':' || sg.step || ':' || sg.user_id::text || ':' || sg.stage::text)
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = sg.user_id AND mo.kind = 'review_due')
GROUP BY sg.org_id, sg.cycle_id, sg.user_id, sg.step, sg.due_on, sg.cycle_name, sg.name, sg.email, sg.time_zone,
         o.name, sg.local_day, sg.stage
ORDER BY sg.org_id, sg.cycle_id, sg.user_id, sg.step;

-- name: ReviewStepOutstanding :one
-- Whether a review step is still outstanding for the person, read again
-- under the reminder's lock.
SELECT EXISTS (
    SELECT 1 FROM review_participants p JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
    WHERE p.org_id = @org_id AND p.cycle_id = @cycle_id AND c.state = 'open'
      AND ((@step::text = 'self' AND p.person_id = @user_id AND p.state = 'draft')
        OR (@step::text = 'manager' AND p.manager_id = @user_id AND p.state IN ('draft', 'self_submitted'))));

-- name: ManagerDigestDue :many
-- People who run at least one live 1:1 series with an active report, on a
-- Monday of theirs from 08:00, with no weekly digest for that Monday (the
-- outbox key 'weekly:<person>:<monday>') and the digest not turned off.
SELECT u.id, u.org_id, u.name, u.email, u.time_zone, u.role::text AS role, o.name AS org_name,
       (timezone(u.time_zone, @now::timestamptz))::date AS local_day
FROM users u
JOIN orgs o ON o.id = u.org_id
WHERE u.active
  AND extract(isodow FROM timezone(u.time_zone, @now::timestamptz)) = 1
  AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
  AND EXISTS (SELECT 1 FROM oneonone_series s JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
              WHERE s.org_id = u.org_id AND s.manager_id = u.id AND s.status <> 'ended' AND r.active)
  AND NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = u.org_id AND ob.idem_key <> ''
        AND ob.idem_key = 'weekly:' || u.id::text || ':' || ((timezone(u.time_zone, @now::timestamptz))::date)::text)
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = u.id AND mo.kind = 'manager_weekly')
ORDER BY u.org_id, u.id;

-- name: LeaderDigestDue :many
-- Leaders, on the first day of a month of theirs from 08:00, with no
-- monthly digest for that month (the outbox key 'monthly:<person>:<month>')
-- and the digest not turned off.
SELECT u.id, u.org_id, u.name, u.email, u.time_zone, u.role::text AS role, o.name AS org_name,
       (timezone(u.time_zone, @now::timestamptz))::date AS local_day
FROM users u
JOIN orgs o ON o.id = u.org_id
WHERE u.active AND u.role = 'leader'
  AND extract(day FROM timezone(u.time_zone, @now::timestamptz)) = 1
  AND extract(hour FROM timezone(u.time_zone, @now::timestamptz)) >= 8
  AND NOT EXISTS (
      SELECT 1 FROM outbox ob
      WHERE ob.org_id = u.org_id AND ob.idem_key <> ''
        AND ob.idem_key = 'monthly:' || u.id::text || ':' || to_char(timezone(u.time_zone, @now::timestamptz), 'YYYY-MM'))
  AND NOT EXISTS (SELECT 1 FROM mail_opt_outs mo WHERE mo.user_id = u.id AND mo.kind = 'leader_monthly')
ORDER BY u.org_id, u.id;
