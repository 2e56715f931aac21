-- Competency framework versions, review cycles, reviews and their evidence.
-- Tables: migration 00012_reviews.sql.

-- name: FrameworkLatest :one
SELECT * FROM framework_versions WHERE org_id = @org_id ORDER BY number DESC LIMIT 1;

-- name: FrameworkVersionGet :one
SELECT * FROM framework_versions WHERE org_id = @org_id AND id = @id;

-- name: FrameworkVersions :many
SELECT v.id, v.number, v.note, v.created_at, coalesce(u.name, '')::text AS created_by_name
FROM framework_versions v LEFT JOIN users u ON u.org_id = v.org_id AND u.id = v.created_by
WHERE v.org_id = @org_id ORDER BY v.number DESC;

-- name: FrameworkSeed :exec
-- Version 1 for an organisation that has none (the trigger on orgs does this
-- for new organisations).
SELECT seed_framework_for(@org_id::bigint);

-- name: FrameworkVersionCreate :one
-- The next version number; the UNIQUE (org_id, number) makes two admins
-- saving at once produce one version each or a conflict, never a duplicate.
-- A repeated form key stores nothing (no row either).
INSERT INTO framework_versions (org_id, number, note, created_by, idem_key)
SELECT @org_id, coalesce(max(number), 0) + 1, @note, @created_by, @idem_key
FROM framework_versions WHERE org_id = @org_id
ON CONFLICT (org_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING *;

-- name: FrameworkVersionByIdem :one
SELECT * FROM framework_versions WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '';

-- name: FrameworkEntries :many
SELECT e.*, c.key FROM framework_entries e JOIN competencies c ON c.id = e.competency_id
WHERE e.version_id = @version_id ORDER BY e.position, e.competency_id;

-- name: FrameworkEntryInsert :exec
INSERT INTO framework_entries (version_id, competency_id, grp, name, description, behaviour, result, leader_check, micro_action, position, retired)
VALUES (@version_id, @competency_id, @grp, @name, @description, @behaviour, @result, @leader_check, @micro_action, @position, @retired);

-- name: CompetencyCreate :one
-- A competency an organisation adds; its key only has to be unique.
INSERT INTO competencies (org_id, key, grp, name, behaviour, result, leader_check, micro_action, position)
VALUES (@org_id, 'org-' || @org_id::bigint || '-' || gen_random_uuid(), @grp, @name, @behaviour, @result, @leader_check, @micro_action, @position)
RETURNING id;

-- name: CompetenciesCurrent :many
-- What people choose from when they tag, filter or rate: the active entries
-- of the organisation's latest framework version, in order. Every picker,
-- filter and check reads this one query.
SELECT e.competency_id AS id, c.key, e.grp, e.name, e.behaviour, e.result, e.leader_check, e.micro_action
FROM framework_entries e JOIN competencies c ON c.id = e.competency_id
WHERE e.version_id = (SELECT v.id FROM framework_versions v WHERE v.org_id = @org_id ORDER BY v.number DESC LIMIT 1)
  AND NOT e.retired
ORDER BY e.position, e.competency_id;

-- name: FrameworkScale :many
SELECT * FROM framework_scale WHERE version_id = @version_id ORDER BY value;

-- name: FrameworkScaleInsert :exec
INSERT INTO framework_scale (version_id, value, label, description) VALUES (@version_id, @value, @label, @description);

-- name: CycleCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO review_cycles (org_id, name, period_start, period_end, framework_version_id, self_due, manager_due, created_by, idem_key)
VALUES (@org_id, @name, @period_start, @period_end, @framework_version_id, @self_due, @manager_due, @created_by, @idem_key)
ON CONFLICT (org_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING *;

-- name: CycleByIdem :one
SELECT id FROM review_cycles WHERE org_id = @org_id AND idem_key = @idem_key AND idem_key <> '';

-- name: CycleGet :one
SELECT * FROM review_cycles WHERE org_id = @org_id AND id = @id;

-- name: CycleList :many
-- Cycles the viewer may see: all for @all_visible, else those with at least
-- one participant who is the viewer, reviewed by them or below them in the
-- reporting tree, and those they created.
SELECT c.id, c.name, c.period_start, c.period_end, c.self_due, c.manager_due, c.state, c.created_at,
    count(p.person_id)::int AS people,
    count(p.person_id) FILTER (WHERE p.state = 'finalised')::int AS finalised
FROM review_cycles c
LEFT JOIN LATERAL review_participants_visible(@org_id, c.id, @viewer_id, @all_visible) p ON true
WHERE c.org_id = @org_id
GROUP BY c.id
HAVING @all_visible::boolean OR c.created_by = @viewer_id OR count(p.person_id) > 0
ORDER BY c.period_end DESC, c.id DESC;

-- name: CycleSetState :exec
UPDATE review_cycles SET state = @state WHERE org_id = @org_id AND id = @id;

-- name: PeopleForTeam :many
SELECT u.id, u.manager_id FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
WHERE tm.org_id = @org_id AND tm.team_id = @team_id AND u.active ORDER BY u.id;

-- name: PeopleUnder :many
-- A manager's whole reporting tree (not the manager).
SELECT u.id, u.manager_id FROM users u WHERE u.org_id = @org_id AND u.active AND u.id IN (SELECT id FROM reports_under(@org_id, @root_id)) ORDER BY u.id;

-- name: PeopleAll :many
SELECT id, manager_id FROM users WHERE org_id = @org_id AND active ORDER BY id;

-- name: PeopleByIDs :many
SELECT id, manager_id FROM users WHERE org_id = @org_id AND active AND id = ANY(@ids::bigint[]) ORDER BY id;

-- name: ParticipantAdd :one
-- Adds a person once: a second add of the same person changes nothing.
INSERT INTO review_participants (cycle_id, org_id, person_id, manager_id)
VALUES (@cycle_id, @org_id, @person_id, sqlc.narg('manager_id'))
ON CONFLICT (cycle_id, person_id) DO NOTHING
RETURNING person_id;

-- name: ParticipantGet :one
SELECT p.*, u.name AS person_name, u.title AS person_title, coalesce(m.name, '')::text AS manager_name
FROM review_participants p
JOIN users u ON u.org_id = p.org_id AND u.id = p.person_id
LEFT JOIN users m ON m.org_id = p.org_id AND m.id = p.manager_id
WHERE p.org_id = @org_id AND p.cycle_id = @cycle_id AND p.person_id = @person_id;

-- name: ParticipantsForCycle :many
-- The cycle's participants the viewer may see (see CycleList), with their
-- first team by name.
SELECT p.person_id, p.manager_id, p.state, p.self_submitted_at, p.manager_submitted_at, p.acknowledged_at, p.finalised_at,
    u.name AS person_name, u.title AS person_title, coalesce(m.name, '')::text AS manager_name,
    coalesce((SELECT t.name FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
              WHERE tm.org_id = p.org_id AND tm.user_id = p.person_id ORDER BY lower(t.name), t.id LIMIT 1), '')::text AS team_name
FROM review_participants_visible(@org_id, @cycle_id, @viewer_id, @all_visible) v
JOIN review_participants p ON p.org_id = @org_id AND p.cycle_id = @cycle_id AND p.person_id = v.person_id
JOIN users u ON u.org_id = p.org_id AND u.id = p.person_id
LEFT JOIN users m ON m.org_id = p.org_id AND m.id = p.manager_id
ORDER BY lower(u.name), p.person_id;

-- name: ParticipantTransition :one
-- Moves a review from one state to the next; no row when it is not in @from_state.
UPDATE review_participants SET state = @to_state, updated_at = now(),
    self_submitted_at = CASE WHEN @to_state::review_state = 'self_submitted' THEN now() ELSE self_submitted_at END,
    manager_submitted_at = CASE WHEN @to_state::review_state = 'manager_submitted' THEN now() ELSE manager_submitted_at END,
    acknowledged_at = CASE WHEN @to_state::review_state = 'acknowledged' THEN now() ELSE acknowledged_at END,
    ack_comment = CASE WHEN @to_state::review_state = 'acknowledged' THEN @ack_comment ELSE ack_comment END,
    finalised_at = CASE WHEN @to_state::review_state = 'finalised' THEN now() ELSE finalised_at END,
    finalised_by = CASE WHEN @to_state::review_state = 'finalised' THEN sqlc.narg('actor_id')::bigint ELSE finalised_by END
WHERE org_id = @org_id AND cycle_id = @cycle_id AND person_id = @person_id AND state = @from_state
RETURNING state;

-- name: ParticipantSetSummary :execrows
UPDATE review_participants SET summary = @summary, updated_at = now()
WHERE org_id = @org_id AND cycle_id = @cycle_id AND person_id = @person_id AND state::text = ANY(@states::text[]);

-- name: RatingsFor :many
SELECT * FROM review_ratings WHERE org_id = @org_id AND cycle_id = @cycle_id AND person_id = @person_id;

-- name: RatingSetSelf :exec
INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment)
VALUES (@cycle_id, @org_id, @person_id, @competency_id, sqlc.narg('rating'), @comment)
ON CONFLICT (cycle_id, person_id, competency_id) DO UPDATE
SET self_rating = EXCLUDED.self_rating, self_comment = EXCLUDED.self_comment, updated_at = now();

-- name: RatingSetManager :exec
INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, manager_rating, manager_comment)
VALUES (@cycle_id, @org_id, @person_id, @competency_id, sqlc.narg('rating'), @comment)
ON CONFLICT (cycle_id, person_id, competency_id) DO UPDATE
SET manager_rating = EXCLUDED.manager_rating, manager_comment = EXCLUDED.manager_comment, updated_at = now();

-- name: RatingsForCycle :many
-- Every rating of the cycle's participants the viewer may see, for the
-- distribution and calibration views.
SELECT r.person_id, r.competency_id, r.self_rating, r.manager_rating
FROM review_participants_visible(@org_id, @cycle_id, @viewer_id, @all_visible) p
JOIN review_ratings r ON r.cycle_id = @cycle_id AND r.person_id = p.person_id
WHERE r.org_id = @org_id;

-- name: ReviewsForPerson :many
-- A person's own reviews and those they write, newest cycle first.
SELECT c.id AS cycle_id, c.name AS cycle_name, c.self_due, c.manager_due, c.period_end,
    p.person_id, u.name AS person_name, p.state, (p.person_id = @person_id)::boolean AS own
FROM review_participants p
JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
JOIN users u ON u.org_id = p.org_id AND u.id = p.person_id
WHERE p.org_id = @org_id AND (p.person_id = @person_id OR p.manager_id = @person_id) AND c.state = 'open'
ORDER BY c.period_end DESC, own DESC, lower(u.name);

-- name: ReminderDue :many
-- Steps due between @from_date and @until_date and still outstanding: the
-- self-assessment (to the person) and the manager review (to the reviewer).
WITH steps AS (
    SELECT p.org_id, p.cycle_id, p.person_id AS user_id, 'self'::text AS kind, c.self_due AS due_on
    FROM review_participants p JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
    WHERE c.state = 'open' AND p.state = 'draft'
  UNION
    SELECT p.org_id, p.cycle_id, p.manager_id, 'manager'::text, c.manager_due
    FROM review_participants p JOIN review_cycles c ON c.org_id = p.org_id AND c.id = p.cycle_id
    WHERE c.state = 'open' AND p.manager_id IS NOT NULL AND p.state IN ('draft', 'self_submitted')
)
SELECT org_id, cycle_id, user_id::bigint AS user_id, kind, due_on FROM steps
WHERE due_on >= sqlc.arg('from_date')::date AND due_on <= sqlc.arg('until_date')::date
ORDER BY org_id, cycle_id, user_id, kind;

-- name: NoticeRecord :execrows
INSERT INTO review_notices (org_id, user_id, cycle_id, kind, due_on)
VALUES (@org_id, @user_id, @cycle_id, @kind, @due_on)
ON CONFLICT (cycle_id, user_id, kind) DO NOTHING;

-- name: NoticesFor :many
-- A person's recorded notices whose step is still outstanding.
SELECT n.cycle_id, n.kind, n.due_on, c.name AS cycle_name,
    (SELECT count(*) FROM review_participants p WHERE p.cycle_id = n.cycle_id
        AND ((n.kind = 'self' AND p.person_id = n.user_id AND p.state = 'draft')
          OR (n.kind = 'manager' AND p.manager_id = n.user_id AND p.state IN ('draft', 'self_submitted'))))::int AS outstanding
FROM review_notices n JOIN review_cycles c ON c.org_id = n.org_id AND c.id = n.cycle_id
WHERE n.org_id = @org_id AND n.user_id = @user_id AND c.state = 'open'
ORDER BY n.due_on, n.kind;

-- name: MeetingSetConsent :execrows
-- Only the report of the meeting's series grants or revokes.
UPDATE meetings mt SET evidence_consent_at = CASE WHEN @granted::boolean THEN now() ELSE NULL END
FROM oneonone_series s
WHERE mt.org_id = @org_id AND mt.id = @meeting_id AND s.org_id = mt.org_id AND s.id = mt.series_id AND s.report_id = @report_id;

-- name: MeetingsSetConsentInPeriod :execrows
-- The report's consent, for every held 1:1 of theirs with shared notes in
-- [@win_from, @win_to), at once: granted (keeping the day of an earlier
-- consent) or revoked.
UPDATE meetings mt SET evidence_consent_at = CASE WHEN @granted::boolean THEN coalesce(mt.evidence_consent_at, now()) ELSE NULL END
FROM oneonone_series s
WHERE mt.org_id = @org_id AND s.org_id = mt.org_id AND s.id = mt.series_id AND s.report_id = @report_id
  AND mt.status = 'held' AND mt.shared_notes <> '' AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
  AND (mt.evidence_consent_at IS NULL) = @granted::boolean;

-- name: MeetingsWithSharedNotesInPeriod :one
-- How many of the report's held 1:1s in the period have shared notes, and
-- how many of those they agreed to use as evidence.
SELECT count(*)::int AS with_notes, count(mt.evidence_consent_at)::int AS consented
FROM meetings mt JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
WHERE mt.org_id = @org_id AND s.report_id = @report_id
  AND mt.status = 'held' AND mt.shared_notes <> '' AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to;

-- name: MeetingConsent :one
SELECT evidence_consent_at FROM meetings WHERE org_id = @org_id AND id = @meeting_id;

-- name: CueSeries :many
-- The 1:1 series of the people (on either side) with their held meetings in
-- the period and their pauses, for cadence adherence as docs/metrics.md.
SELECT s.id, s.manager_id, s.report_id, s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone,
    s.starts_on, s.status, s.ended_at,
    (SELECT count(*) FROM meetings mt WHERE mt.org_id = s.org_id AND mt.series_id = s.id AND mt.status = 'held'
        AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to)::int AS held,
    coalesce((SELECT array_agg(extract(epoch FROM pz.paused_at)::bigint ORDER BY pz.paused_at) FROM oneonone_pauses pz
        WHERE pz.series_id = s.id AND (pz.resumed_at IS NULL OR pz.resumed_at > @win_from)), '{}')::bigint[] AS paused_at,
    coalesce((SELECT array_agg(coalesce(extract(epoch FROM pz.resumed_at)::bigint, 0) ORDER BY pz.paused_at) FROM oneonone_pauses pz
        WHERE pz.series_id = s.id AND (pz.resumed_at IS NULL OR pz.resumed_at > @win_from)), '{}')::bigint[] AS resumed_at
FROM oneonone_series s
WHERE s.org_id = @org_id AND (s.manager_id = ANY(@person_ids::bigint[]) OR s.report_id = ANY(@person_ids::bigint[]))
  AND s.starts_on < @win_to::timestamptz AND (s.ended_at IS NULL OR s.ended_at > @win_from);

-- name: CueFigures :many
-- Follow-through, clear communication and proactive maintenance for each
-- person in one pass. Follow-through reads follow_through_actions, the list
-- of action sources.
WITH people AS (
    SELECT unnest(@person_ids::bigint[]) AS person_id
), follow AS (
    SELECT a.owner_id AS person_id, count(*)::int AS due,
        count(*) FILTER (WHERE a.done_at IS NOT NULL AND a.done_at < (a.due_on + 1)::timestamptz)::int AS done_on_time
    FROM follow_through_actions a
    WHERE a.org_id = @org_id AND a.owner_id = ANY(@person_ids::bigint[])
      AND a.due_on >= @from_date::date AND a.due_on < least(@to_date::date, @today::date)
    GROUP BY a.owner_id
), held AS (
    SELECT pp.person_id, mt.id AS meeting_id, mt.shared_notes <> '' AS has_notes,
        CASE WHEN s.manager_id = pp.person_id THEN s.report_id ELSE s.manager_id END AS other_id
    FROM people pp
    JOIN oneonone_series s ON s.org_id = @org_id AND (s.manager_id = pp.person_id OR s.report_id = pp.person_id)
    JOIN meetings mt ON mt.org_id = s.org_id AND mt.series_id = s.id
    WHERE mt.status = 'held' AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
), comm AS (
    SELECT h.person_id, count(*)::int AS held,
        count(*) FILTER (WHERE h.has_notes
            AND EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.meeting_id = h.meeting_id)
            AND EXISTS (SELECT 1 FROM action_items ac WHERE ac.meeting_id = h.meeting_id))::int AS complete
    FROM held h GROUP BY h.person_id
), points AS (
    SELECT ai.author_id AS person_id, count(*)::int AS points
    FROM agenda_items ai JOIN meetings mt ON mt.org_id = ai.org_id AND mt.id = ai.meeting_id
    WHERE ai.org_id = @org_id AND ai.author_id = ANY(@person_ids::bigint[]) AND ai.copied_from IS NULL
      AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
    GROUP BY ai.author_id
), given AS (
    SELECT k.author_id AS person_id, r.user_id AS other_id, k.id AS kudo_id
    FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
    WHERE k.org_id = @org_id AND k.author_id = ANY(@person_ids::bigint[]) AND r.user_id <> k.author_id
      AND k.created_at >= @win_from AND k.created_at < @win_to
), received AS (
    SELECT r.user_id AS person_id, k.author_id AS other_id
    FROM kudo_recipients r JOIN kudos k ON k.id = r.kudo_id
    WHERE r.org_id = @org_id AND r.user_id = ANY(@person_ids::bigint[]) AND r.user_id <> k.author_id
      AND k.created_at >= @win_from AND k.created_at < @win_to
), contacts AS (
    SELECT person_id, other_id FROM given
    UNION SELECT person_id, other_id FROM received
    UNION SELECT person_id, other_id FROM held
), outside AS (
    -- People who share no team with the person.
    SELECT c.person_id, c.other_id FROM contacts c
    WHERE NOT EXISTS (SELECT 1 FROM team_members a JOIN team_members b ON b.team_id = a.team_id
                      WHERE a.org_id = @org_id AND a.user_id = c.person_id AND b.user_id = c.other_id)
), outside_n AS (
    SELECT person_id, count(*)::int AS n FROM outside GROUP BY person_id
), cross_kudos AS (
    SELECT g.person_id, count(DISTINCT g.kudo_id)::int AS n
    FROM given g JOIN outside o ON o.person_id = g.person_id AND o.other_id = g.other_id
    GROUP BY g.person_id
)
SELECT pp.person_id::bigint AS person_id,
    coalesce(f.due, 0)::int AS actions_due, coalesce(f.done_on_time, 0)::int AS actions_on_time,
    coalesce(cm.held, 0)::int AS held, coalesce(cm.complete, 0)::int AS held_complete,
    coalesce(pt.points, 0)::int AS points_added,
    coalesce(ck.n, 0)::int AS cross_team_kudos,
    coalesce(o.n, 0)::int AS outside_contacts
FROM people pp
LEFT JOIN follow f ON f.person_id = pp.person_id
LEFT JOIN comm cm ON cm.person_id = pp.person_id
LEFT JOIN points pt ON pt.person_id = pp.person_id
LEFT JOIN cross_kudos ck ON ck.person_id = pp.person_id
LEFT JOIN outside_n o ON o.person_id = pp.person_id;

-- name: EvidenceCounts :many
-- Competency-tagged items per person in the period: kudos received, kudos
-- given and 1:1 observations about them. Kudos count when the person's
-- reviewer (@viewer_id, or each person's manager when 0) may see them.
WITH items AS (
    SELECT r.user_id AS person_id, kc.competency_id, k.id, k.visibility, k.author_id, k.team_id,
        coalesce(nullif(@viewer_id::bigint, 0), u.manager_id, r.user_id) AS viewer
    FROM kudo_recipients r
    JOIN kudos k ON k.id = r.kudo_id
    JOIN kudo_competencies kc ON kc.kudo_id = k.id
    JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
    WHERE r.org_id = @org_id AND r.user_id = ANY(@person_ids::bigint[]) AND r.user_id <> k.author_id
      AND k.created_at >= @win_from AND k.created_at < @win_to
  UNION ALL
    SELECT k.author_id, kc.competency_id, k.id, k.visibility, k.author_id, k.team_id,
        coalesce(nullif(@viewer_id::bigint, 0), u.manager_id, k.author_id)
    FROM kudos k
    JOIN kudo_competencies kc ON kc.kudo_id = k.id
    JOIN users u ON u.org_id = k.org_id AND u.id = k.author_id
    WHERE k.org_id = @org_id AND k.author_id = ANY(@person_ids::bigint[])
      AND k.created_at >= @win_from AND k.created_at < @win_to
)
SELECT person_id::bigint AS person_id, competency_id::bigint AS competency_id, count(*)::int AS n FROM (
    SELECT i.person_id, i.competency_id FROM items i
    WHERE i.visibility = 'org' OR i.author_id = i.viewer OR kudo_visible(i.id, i.visibility, i.author_id, i.team_id, i.viewer)
  UNION ALL
    SELECT o.subject_id, o.competency_id FROM observations o
    WHERE o.org_id = @org_id AND o.subject_id = ANY(@person_ids::bigint[])
      AND o.created_at >= @win_from AND o.created_at < @win_to
) x GROUP BY person_id, competency_id;

-- name: EvidenceKudos :many
-- Competency-tagged kudos a person received or gave in the period that the
-- viewer may see. The person's kudos are found through the author and
-- recipient indexes first.
WITH mine AS (
    SELECT k.id FROM kudos k
    WHERE k.org_id = @org_id AND k.author_id = @person_id AND k.created_at >= @win_from AND k.created_at < @win_to
  UNION
    SELECT r.kudo_id FROM kudo_recipients r JOIN kudos k ON k.id = r.kudo_id
    WHERE r.org_id = @org_id AND r.user_id = @person_id AND k.author_id <> @person_id
      AND k.created_at >= @win_from AND k.created_at < @win_to
)
SELECT k.id, k.created_at, k.did, k.author_id, au.name AS author_name, kc.competency_id,
    (k.author_id = @person_id)::boolean AS given
FROM mine
JOIN kudos k ON k.id = mine.id
JOIN kudo_competencies kc ON kc.kudo_id = k.id
JOIN users au ON au.org_id = k.org_id AND au.id = k.author_id
WHERE k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id)
ORDER BY k.created_at DESC, k.id DESC
LIMIT 500;

-- name: EvidenceObservations :many
SELECT o.id, o.meeting_id, o.competency_id, o.note, o.created_at, au.name AS author_name
FROM observations o JOIN users au ON au.org_id = o.org_id AND au.id = o.author_id
WHERE o.org_id = @org_id AND o.subject_id = @person_id AND o.created_at >= @win_from AND o.created_at < @win_to
ORDER BY o.created_at DESC, o.id DESC
LIMIT 500;

-- name: EvidenceSharedNotes :many
-- Held 1:1s of the person (as report) in the period whose shared notes the
-- report agreed to use as evidence. Never private notes.
SELECT mt.id, mt.scheduled_at, mt.shared_notes
FROM meetings mt JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
WHERE mt.org_id = @org_id AND s.report_id = @person_id AND mt.evidence_consent_at IS NOT NULL
  AND mt.shared_notes <> '' AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
ORDER BY mt.scheduled_at DESC
LIMIT 100;

-- name: ParticipantLock :one
-- The review's state, locked until the transaction ends so that two saves
-- or a save and a submit are applied one after the other.
SELECT state FROM review_participants
WHERE org_id = @org_id AND cycle_id = @cycle_id AND person_id = @person_id
FOR UPDATE;

