-- The whole-organisation export (docs/export-format.md). Each query reads
-- one page of one file's rows after a cursor (the key of the last row of the
-- page before, in key order), at most @max_rows of them, so an export holds
-- one page in memory whatever the organisation's size. Each row comes as its
-- JSON line, with the fields named here and no others: what an export holds
-- is read from this file. Password hashes, tokens, sessions, private notes,
-- secrets and anonymous answers are in none of them.

-- name: OrgExportOrg :one
SELECT o.id, json_build_object('id', o.id, 'name', o.name, 'created_at', utc_text(o.created_at))::text AS line
FROM orgs o WHERE o.id = @org_id;

-- name: OrgExportPeople :many
SELECT u.id AS a, json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'title', u.title, 'role', u.role,
    'manager_id', u.manager_id, 'time_zone', u.time_zone, 'active', u.active, 'created_at', utc_text(u.created_at),
    'deactivated_at', utc_text(u.deactivated_at))::text AS line
FROM users u WHERE u.org_id = @org_id AND u.id > @after_a ORDER BY u.id LIMIT @max_rows;

-- name: OrgExportTeams :many
SELECT t.id AS a, json_build_object('id', t.id, 'name', t.name, 'description', t.description,
    'created_at', utc_text(t.created_at))::text AS line
FROM teams t WHERE t.org_id = @org_id AND t.id > @after_a ORDER BY t.id LIMIT @max_rows;

-- name: OrgExportTeamMembers :many
SELECT m.team_id AS a, m.user_id AS b, json_build_object('team_id', m.team_id, 'person_id', m.user_id,
    'created_at', utc_text(m.created_at))::text AS line
FROM team_members m WHERE m.org_id = @org_id AND (m.team_id, m.user_id) > (@after_a::bigint, @after_b::bigint)
ORDER BY m.team_id, m.user_id LIMIT @max_rows;

-- name: OrgExportReportingLines :many
SELECT l.ancestor_id AS a, l.descendant_id AS b, json_build_object('manager_id', l.ancestor_id, 'person_id', l.descendant_id,
    'depth', l.depth)::text AS line
FROM reporting_lines l WHERE l.org_id = @org_id AND (l.ancestor_id, l.descendant_id) > (@after_a::bigint, @after_b::bigint)
ORDER BY l.ancestor_id, l.descendant_id LIMIT @max_rows;

-- name: OrgExportSeries :many
SELECT s.id AS a, json_build_object('id', s.id, 'manager_id', s.manager_id, 'report_id', s.report_id, 'cadence', s.cadence,
    'interval_days', s.interval_days, 'weekday', s.weekday, 'start_time', s.start_time, 'duration_minutes', s.duration_minutes,
    'time_zone', s.time_zone, 'starts_on', s.starts_on, 'status', s.status, 'ended_at', utc_text(s.ended_at),
    'created_by', s.created_by, 'created_at', utc_text(s.created_at), 'last_held_at', utc_text(s.last_held_at))::text AS line
FROM oneonone_series s WHERE s.org_id = @org_id AND s.id > @after_a ORDER BY s.id LIMIT @max_rows;

-- name: OrgExportMeetings :many
-- A meeting's shared parts; never its private notes (private_notes).
SELECT m.id AS a, json_build_object('id', m.id, 'series_id', m.series_id, 'scheduled_at', utc_text(m.scheduled_at),
    'duration_minutes', m.duration_minutes, 'status', m.status, 'status_by', m.status_by, 'status_at', utc_text(m.status_at),
    'pulse', m.pulse, 'pulse_word', m.pulse_word, 'balance', m.balance, 'shared_notes', m.shared_notes,
    'evidence_consent_at', utc_text(m.evidence_consent_at), 'created_at', utc_text(m.created_at),
    'updated_at', utc_text(m.updated_at))::text AS line
FROM meetings m WHERE m.org_id = @org_id AND m.id > @after_a ORDER BY m.id LIMIT @max_rows;

-- name: OrgExportAgendaItems :many
SELECT i.id AS a, json_build_object('id', i.id, 'meeting_id', i.meeting_id, 'author_id', i.author_id, 'body', i.body,
    'position', i.position, 'done', i.done, 'carried', i.carried, 'carried_to', i.carried_to, 'copied_from', i.copied_from,
    'created_at', utc_text(i.created_at), 'raised_at', utc_text(i.raised_at), 'dropped_at', utc_text(i.dropped_at))::text AS line
FROM agenda_items i WHERE i.org_id = @org_id AND i.id > @after_a ORDER BY i.id LIMIT @max_rows;

-- name: OrgExportActionItems :many
SELECT i.id AS a, json_build_object('id', i.id, 'series_id', i.series_id, 'meeting_id', i.meeting_id, 'owner_id', i.owner_id,
    'created_by', i.created_by, 'body', i.body, 'due_on', i.due_on, 'done_at', utc_text(i.done_at),
    'created_at', utc_text(i.created_at))::text AS line
FROM action_items i WHERE i.org_id = @org_id AND i.id > @after_a ORDER BY i.id LIMIT @max_rows;

-- name: OrgExportObservations :many
SELECT o.id AS a, json_build_object('id', o.id, 'meeting_id', o.meeting_id, 'author_id', o.author_id, 'subject_id', o.subject_id,
    'competency_id', o.competency_id, 'note', o.note, 'created_at', utc_text(o.created_at))::text AS line
FROM observations o WHERE o.org_id = @org_id AND o.id > @after_a ORDER BY o.id LIMIT @max_rows;

-- name: OrgExportKudos :many
-- Kudos for everyone or a team. A kudo only its recipients (and their
-- managers) may read stays out, with its reactions and comments: it is
-- theirs, not the organisation's to hand on.
SELECT k.id AS a, json_build_object('id', k.id, 'author_id', k.author_id, 'did', k.did, 'impact', k.impact,
    'visibility', k.visibility, 'team_id', k.team_id, 'created_at', utc_text(k.created_at), 'edited_at', utc_text(k.edited_at),
    'recipient_ids', coalesce((SELECT json_agg(r.user_id ORDER BY r.user_id) FROM kudo_recipients r WHERE r.kudo_id = k.id), '[]'::json),
    'competency_ids', coalesce((SELECT json_agg(c.competency_id ORDER BY c.competency_id) FROM kudo_competencies c WHERE c.kudo_id = k.id), '[]'::json)
    )::text AS line
FROM kudos k WHERE k.org_id = @org_id AND k.id > @after_a AND k.visibility <> 'recipients' ORDER BY k.id LIMIT @max_rows;

-- name: OrgExportKudoReactions :many
SELECT r.kudo_id AS a, r.user_id AS b, r.emoji AS s, json_build_object('kudo_id', r.kudo_id, 'person_id', r.user_id,
    'emoji', r.emoji, 'created_at', utc_text(r.created_at))::text AS line
FROM kudo_reactions r
JOIN kudos k ON k.id = r.kudo_id AND k.visibility <> 'recipients'
WHERE r.org_id = @org_id AND (r.kudo_id, r.user_id, r.emoji) > (@after_a::bigint, @after_b::bigint, @after_s::text)
ORDER BY r.kudo_id, r.user_id, r.emoji LIMIT @max_rows;

-- name: OrgExportKudoComments :many
SELECT c.id AS a, json_build_object('id', c.id, 'kudo_id', c.kudo_id, 'author_id', c.author_id, 'body', c.body,
    'created_at', utc_text(c.created_at))::text AS line
FROM kudo_comments c
JOIN kudos k ON k.id = c.kudo_id AND k.visibility <> 'recipients'
WHERE c.org_id = @org_id AND c.id > @after_a ORDER BY c.id LIMIT @max_rows;

-- name: OrgExportRetros :many
SELECT r.id AS a, json_build_object('id', r.id, 'team_id', r.team_id, 'title', r.title, 'template', r.template,
    'anonymous', r.anonymous, 'votes_per_person', r.votes_per_person, 'max_votes_per_card', r.max_votes_per_card,
    'timebox_minutes', r.timebox_minutes, 'phase', r.phase, 'created_by', r.created_by, 'created_at', utc_text(r.created_at),
    'closed_at', utc_text(r.closed_at),
    'columns', coalesce((SELECT json_agg(json_build_object('id', c.id, 'position', c.position, 'title', c.title, 'kudos', c.kudos)
        ORDER BY c.position, c.id) FROM retro_columns c WHERE c.retro_id = r.id), '[]'::json),
    'groups', coalesce((SELECT json_agg(json_build_object('id', g.id, 'name', g.name) ORDER BY g.id)
        FROM retro_groups g WHERE g.retro_id = r.id), '[]'::json))::text AS line
FROM retros r WHERE r.org_id = @org_id AND r.id > @after_a ORDER BY r.id LIMIT @max_rows;

-- name: OrgExportRetroCards :many
-- A card's words and place, with its votes counted: never who wrote it, nor
-- when (an anonymous card's author must not be traceable by its timing).
SELECT c.id AS a, json_build_object('id', c.id, 'retro_id', c.retro_id, 'column_id', c.column_id, 'group_id', c.group_id,
    'position', c.position, 'body', c.body,
    'votes', (SELECT count(*) FROM retro_votes v WHERE v.retro_id = c.retro_id AND v.card_id = c.id))::text AS line
FROM retro_cards c WHERE c.org_id = @org_id AND c.id > @after_a ORDER BY c.id LIMIT @max_rows;

-- name: OrgExportRetroActions :many
SELECT a.id AS a, json_build_object('id', a.id, 'retro_id', a.retro_id, 'team_id', a.team_id, 'body', a.body,
    'owner_id', a.owner_id, 'due_on', a.due_on, 'status', a.status, 'done_at', utc_text(a.done_at),
    'reviewed_retro_id', a.reviewed_retro_id, 'created_at', utc_text(a.created_at))::text AS line
FROM retro_actions a WHERE a.org_id = @org_id AND a.id > @after_a ORDER BY a.id LIMIT @max_rows;

-- name: OrgExportCompetencies :many
-- The organisation's competencies and the built-in ones its framework uses.
SELECT c.id AS a, json_build_object('id', c.id, 'key', c.key, 'group', c.grp, 'name', c.name, 'behaviour', c.behaviour,
    'result', c.result, 'leader_check', c.leader_check, 'micro_action', c.micro_action, 'position', c.position,
    'built_in', c.org_id IS NULL)::text AS line
FROM competencies c WHERE (c.org_id = @org_id OR c.org_id IS NULL) AND c.id > @after_a ORDER BY c.id LIMIT @max_rows;

-- name: OrgExportFrameworkVersions :many
SELECT v.id AS a, json_build_object('id', v.id, 'number', v.number, 'note', v.note, 'created_by', v.created_by,
    'created_at', utc_text(v.created_at),
    'entries', coalesce((SELECT json_agg(json_build_object('competency_id', e.competency_id, 'group', e.grp, 'name', e.name,
        'description', e.description, 'behaviour', e.behaviour, 'result', e.result, 'leader_check', e.leader_check,
        'micro_action', e.micro_action, 'position', e.position, 'retired', e.retired) ORDER BY e.position, e.competency_id)
        FROM framework_entries e WHERE e.version_id = v.id), '[]'::json),
    'scale', coalesce((SELECT json_agg(json_build_object('value', s.value, 'label', s.label, 'description', s.description)
        ORDER BY s.value) FROM framework_scale s WHERE s.version_id = v.id), '[]'::json))::text AS line
FROM framework_versions v WHERE v.org_id = @org_id AND v.id > @after_a ORDER BY v.id LIMIT @max_rows;

-- name: OrgExportReviewCycles :many
SELECT c.id AS a, json_build_object('id', c.id, 'name', c.name, 'period_start', c.period_start, 'period_end', c.period_end,
    'framework_version_id', c.framework_version_id, 'self_due', c.self_due, 'manager_due', c.manager_due, 'state', c.state,
    'created_by', c.created_by, 'created_at', utc_text(c.created_at))::text AS line
FROM review_cycles c WHERE c.org_id = @org_id AND c.id > @after_a ORDER BY c.id LIMIT @max_rows;

-- name: OrgExportReviews :many
-- Reviews in typed columns: the export keeps of each only what
-- review.PermissionFor lets someone who is neither the person nor their
-- manager read (the submitted parts).
SELECT p.cycle_id, p.person_id, coalesce(p.manager_id, 0)::bigint AS manager_id, p.state::text AS state, p.summary, p.ack_comment,
    p.self_submitted_at, p.manager_submitted_at, p.acknowledged_at, p.finalised_at, p.finalised_by, p.created_at
FROM review_participants p WHERE p.org_id = @org_id AND (p.cycle_id, p.person_id) > (@after_a::bigint, @after_b::bigint)
ORDER BY p.cycle_id, p.person_id LIMIT @max_rows;

-- name: OrgExportReviewRatings :many
SELECT r.cycle_id, r.person_id, r.competency_id, coalesce(p.manager_id, 0)::bigint AS manager_id, p.state::text AS state,
    coalesce(r.self_rating, 0)::int AS self_rating, coalesce(r.self_comment, '')::text AS self_comment,
    coalesce(r.manager_rating, 0)::int AS manager_rating, coalesce(r.manager_comment, '')::text AS manager_comment
FROM review_ratings r
JOIN review_participants p ON p.cycle_id = r.cycle_id AND p.person_id = r.person_id
WHERE r.org_id = @org_id AND (r.cycle_id, r.person_id, r.competency_id) > (@after_a::bigint, @after_b::bigint, @after_c::bigint)
ORDER BY r.cycle_id, r.person_id, r.competency_id LIMIT @max_rows;

-- name: OrgExportHealthChecks :many
-- A check's questions and how many answered; the average score of each
-- dimension only once the check has closed with at least the
-- organisation's threshold of answers. Answers themselves stay out.
SELECT h.id AS a, json_build_object('id', h.id, 'team_id', h.team_id, 'title', h.title, 'opened_by', h.opened_by,
    'opened_at', utc_text(h.opened_at), 'closes_at', utc_text(h.closes_at), 'closed_at', utc_text(h.closed_at),
    'responses', n.responses,
    'dimensions', coalesce((SELECT json_agg(json_build_object('position', d.position, 'dimension_id', d.dimension_id,
        'name', d.name, 'description', d.description,
        'average', CASE WHEN n.responses >= @threshold::int AND (h.closed_at IS NOT NULL OR h.closes_at <= @now)
            THEN (SELECT round(avg(r.scores[d.ord]), 2) FROM health_responses r WHERE r.check_id = h.id) END)
        ORDER BY d.position)
        FROM (SELECT cd.*, row_number() OVER (ORDER BY cd.position) AS ord FROM health_check_dimensions cd WHERE cd.check_id = h.id) d), '[]'::json)
    )::text AS line
FROM health_checks h
CROSS JOIN LATERAL (SELECT count(*)::int AS responses FROM health_responders hr WHERE hr.check_id = h.id) n
WHERE h.org_id = @org_id AND h.id > @after_a ORDER BY h.id LIMIT @max_rows;

-- name: OrgExportPulses :many
-- A pulse survey's statements and how many answered each round; answers
-- themselves stay out.
SELECT p.id AS a, json_build_object('id', p.id, 'title', p.title, 'scope', p.scope, 'team_id', p.team_id, 'root_id', p.root_id,
    'statements', p.statements, 'cadence_days', p.cadence_days, 'open_days', p.open_days, 'starts_at', utc_text(p.starts_at),
    'stopped_at', utc_text(p.stopped_at), 'created_by', p.created_by,
    'rounds', coalesce((SELECT json_agg(json_build_object('round', x.round_no, 'responses', x.n) ORDER BY x.round_no)
        FROM (SELECT r.round_no, count(*) AS n FROM pulse_responders r WHERE r.pulse_id = p.id GROUP BY r.round_no) x), '[]'::json)
    )::text AS line
FROM pulses p WHERE p.org_id = @org_id AND p.id > @after_a ORDER BY p.id LIMIT @max_rows;

-- name: OrgExportAudit :many
SELECT l.id AS a, json_build_object('id', l.id, 'actor_id', l.actor_id, 'action', l.action, 'subject', l.subject,
    'detail', l.detail, 'created_at', utc_text(l.created_at))::text AS line
FROM audit_log l WHERE l.org_id = @org_id AND l.id > @after_a ORDER BY l.id LIMIT @max_rows;

-- name: OrgExportFind :many
-- The organisations an operator may mean by a name (or an id written as
-- text): names are not unique, so the command line refuses a name that
-- several share.
SELECT o.id, o.name FROM orgs o WHERE lower(o.name) = lower(@name) OR o.id::text = @name ORDER BY o.id;
