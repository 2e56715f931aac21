-- name: SeriesCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO oneonone_series (org_id, manager_id, report_id, cadence, interval_days, weekday, start_time,
    duration_minutes, time_zone, starts_on, created_by, idem_key)
VALUES (@org_id, @manager_id, @report_id, @cadence, @interval_days, @weekday, @start_time,
    @duration_minutes, @time_zone, @starts_on, @created_by, @idem_key)
ON CONFLICT (org_id, manager_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: SeriesByIdem :one
SELECT id FROM oneonone_series WHERE org_id = @org_id AND manager_id = @manager_id AND idem_key = @idem_key AND idem_key <> '';

-- name: SeriesGet :one
SELECT s.id, s.org_id, s.manager_id, s.report_id, s.cadence, s.interval_days, s.weekday, s.start_time,
       s.duration_minutes, s.time_zone, s.starts_on, s.status, s.ended_at, s.created_at,
       m.name AS manager_name, r.name AS report_name
FROM oneonone_series s
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE s.org_id = @org_id AND s.id = @id;

-- name: SeriesForPerson :many
-- Every series a person takes part in, live ones first.
SELECT s.id, s.org_id, s.manager_id, s.report_id, s.cadence, s.interval_days, s.weekday, s.start_time,
       s.duration_minutes, s.time_zone, s.starts_on, s.status, s.ended_at, s.created_at,
       m.name AS manager_name, r.name AS report_name
FROM oneonone_series s
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE s.org_id = @org_id AND (s.manager_id = @person_id OR s.report_id = @person_id)
ORDER BY s.status = 'ended', lower(CASE WHEN s.manager_id = @person_id THEN r.name ELSE m.name END);

-- name: SeriesForManager :many
-- Live and paused series a manager runs with their reports.
SELECT s.id, s.org_id, s.manager_id, s.report_id, s.cadence, s.interval_days, s.weekday, s.start_time,
       s.duration_minutes, s.time_zone, s.starts_on, s.status, s.ended_at, s.created_at,
       m.name AS manager_name, r.name AS report_name
FROM oneonone_series s
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE s.org_id = @org_id AND s.manager_id = @manager_id AND s.status <> 'ended' AND r.active
ORDER BY lower(r.name);

-- name: SeriesUnderLeader :many
-- Live and paused series run by managers in a part of the org chart: the
-- leader's subtree, or the whole organisation when @root_id is null.
SELECT s.id, s.org_id, s.manager_id, s.report_id, s.cadence, s.interval_days, s.weekday, s.start_time,
       s.duration_minutes, s.time_zone, s.starts_on, s.status, s.ended_at, s.created_at,
       m.name AS manager_name, r.name AS report_name
FROM oneonone_series s
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE s.org_id = @org_id AND s.status <> 'ended' AND r.active
  AND (sqlc.narg('root_id')::bigint IS NULL OR s.manager_id = sqlc.narg('root_id')::bigint
       OR s.manager_id IN (SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint)));

-- name: SeriesLockStatus :one
-- Serialises status changes of one series.
SELECT status FROM oneonone_series WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: SeriesSetStatus :execrows
UPDATE oneonone_series SET status = @status,
    ended_at = CASE WHEN @status = 'ended'::series_status THEN now() ELSE ended_at END
WHERE org_id = @org_id AND id = @id AND status <> 'ended';

-- name: PauseOpen :exec
INSERT INTO oneonone_pauses (org_id, series_id, paused_at) VALUES (@org_id, @series_id, @at);

-- name: PauseClose :exec
UPDATE oneonone_pauses SET resumed_at = @at
WHERE org_id = @org_id AND series_id = @series_id AND resumed_at IS NULL;

-- name: PausesForSeries :many
SELECT series_id, paused_at, resumed_at FROM oneonone_pauses
WHERE org_id = @org_id AND series_id = ANY(@series_ids::bigint[]) AND (resumed_at IS NULL OR resumed_at > @since);

-- name: MeetingAt :one
SELECT id FROM meetings WHERE org_id = @org_id AND series_id = @series_id AND scheduled_at = @scheduled_at;

-- name: MeetingInsert :one
INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes)
VALUES (@org_id, @series_id, @scheduled_at, @duration_minutes)
ON CONFLICT (series_id, scheduled_at) DO UPDATE SET updated_at = meetings.updated_at
RETURNING id;

-- name: MeetingUpcoming :one
-- The series' next meeting: the first one still scheduled that has not
-- ended before @cutoff (the grace after a meeting's end).
SELECT id FROM meetings
WHERE org_id = @org_id AND series_id = @series_id AND status = 'scheduled'
  AND scheduled_at + make_interval(mins => duration_minutes) > @cutoff
ORDER BY scheduled_at LIMIT 1;

-- name: MeetingGet :one
SELECT mt.id, mt.org_id, mt.series_id, mt.scheduled_at, mt.duration_minutes, mt.status, mt.status_by,
       mt.pulse, mt.pulse_word, mt.balance, mt.shared_notes,
       s.manager_id, s.report_id, s.time_zone, m.name AS manager_name, r.name AS report_name
FROM meetings mt
JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE mt.org_id = @org_id AND mt.id = @id;

-- name: MeetingsForSeries :many
SELECT id, scheduled_at, status, pulse FROM meetings
WHERE org_id = @org_id AND series_id = @series_id
ORDER BY scheduled_at DESC LIMIT @row_limit;

-- name: MeetingsForSeriesPage :many
-- A series' meetings newest first, in keyset pages (scheduled_at, id).
SELECT id, scheduled_at, status, pulse FROM meetings
WHERE org_id = @org_id AND series_id = @series_id
  AND (sqlc.narg('before_at')::timestamptz IS NULL OR (scheduled_at, id) < (sqlc.narg('before_at')::timestamptz, @before_id::bigint))
ORDER BY scheduled_at DESC, id DESC LIMIT @row_limit;

-- name: MeetingSetStatus :execrows
-- The status it already has is left alone: no rows then.
UPDATE meetings SET status = @status, status_by = @status_by, status_at = now(), updated_at = now()
WHERE org_id = @org_id AND id = @id AND status <> @status;

-- name: MeetingSetNotes :exec
UPDATE meetings SET shared_notes = @shared_notes, updated_at = now() WHERE org_id = @org_id AND id = @id;

-- name: MeetingSetPulse :exec
UPDATE meetings SET pulse = @pulse, pulse_word = @pulse_word, updated_at = now() WHERE org_id = @org_id AND id = @id;

-- name: MeetingSetBalance :exec
UPDATE meetings SET balance = @balance, updated_at = now() WHERE org_id = @org_id AND id = @id;

-- name: AgendaCarryOver :execrows
-- Moves unticked points of the series' earlier meetings to @meeting_id.
UPDATE agenda_items a SET meeting_id = @meeting_id, carried = a.carried + 1,
    position = a.position + 1000
FROM meetings src
WHERE a.org_id = @org_id AND src.org_id = @org_id AND src.id = a.meeting_id
  AND src.series_id = @series_id AND src.id <> @meeting_id
  AND src.scheduled_at < @before AND NOT a.done
  AND (src.status <> 'scheduled' OR src.scheduled_at + make_interval(mins => src.duration_minutes) <= @cutoff);

-- name: AgendaRenumber :exec
UPDATE agenda_items a SET position = n.rn
FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS rn FROM agenda_items WHERE meeting_id = @meeting_id) n
WHERE a.id = n.id AND a.meeting_id = @meeting_id;

-- name: AgendaList :many
SELECT a.id, a.meeting_id, a.author_id, u.name AS author_name, a.body, a.position, a.done, a.carried,
       a.raised_at, a.dropped_at
FROM agenda_items a JOIN users u ON u.org_id = a.org_id AND u.id = a.author_id
WHERE a.org_id = @org_id AND a.meeting_id = @meeting_id
ORDER BY a.position, a.id;

-- name: AgendaListForMeetings :many
-- The shared agendas of several meetings at once, in each meeting's order.
SELECT a.id, a.meeting_id, a.author_id, u.name AS author_name, a.body, a.position, a.done, a.carried,
       a.raised_at, a.dropped_at
FROM agenda_items a JOIN users u ON u.org_id = a.org_id AND u.id = a.author_id
WHERE a.org_id = @org_id AND a.meeting_id = ANY(@meeting_ids::bigint[])
ORDER BY a.meeting_id, a.position, a.id;

-- name: AgendaAdd :one
INSERT INTO agenda_items (org_id, meeting_id, author_id, body, position)
SELECT @org_id, @meeting_id, @author_id, @body, coalesce(max(position), 0) + 1
FROM agenda_items WHERE meeting_id = @meeting_id
ON CONFLICT DO NOTHING
RETURNING id;

-- name: AgendaGet :one
SELECT id, meeting_id, author_id, position, done FROM agenda_items
WHERE org_id = @org_id AND id = @id AND meeting_id = @meeting_id;

-- name: AgendaToggle :exec
UPDATE agenda_items SET done = NOT done WHERE org_id = @org_id AND id = @id AND meeting_id = @meeting_id;

-- name: AgendaDelete :execrows
DELETE FROM agenda_items WHERE org_id = @org_id AND id = @id AND meeting_id = @meeting_id AND author_id = @author_id;

-- name: AgendaSwap :exec
-- Swaps the positions of two items of one meeting.
UPDATE agenda_items a SET position = CASE WHEN a.id = @a_id THEN @b_pos::int ELSE @a_pos::int END
WHERE a.meeting_id = @meeting_id AND a.id IN (@a_id, @b_id);

-- name: AgendaNeighbour :one
SELECT id, position FROM agenda_items
WHERE meeting_id = @meeting_id
  AND ((@up::boolean AND position < @pos) OR (NOT @up::boolean AND position > @pos))
ORDER BY CASE WHEN @up::boolean THEN -position ELSE position END
LIMIT 1;

-- name: AgendaMine :many
-- Points a person added to upcoming meetings.
SELECT a.id, a.meeting_id, a.body, mt.scheduled_at
FROM agenda_items a JOIN meetings mt ON mt.org_id = a.org_id AND mt.id = a.meeting_id
WHERE a.org_id = @org_id AND a.author_id = @author_id AND NOT a.done
  AND mt.status = 'scheduled' AND mt.scheduled_at > @since
ORDER BY mt.scheduled_at, a.position LIMIT 20;

-- name: PrivateNoteGet :one
SELECT body FROM private_notes WHERE org_id = @org_id AND meeting_id = @meeting_id AND author_id = @author_id;

-- name: PrivateNoteSet :exec
INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES (@org_id, @meeting_id, @author_id, @body)
ON CONFLICT (meeting_id, author_id) DO UPDATE SET body = EXCLUDED.body, updated_at = now();

-- name: ActionAdd :one
INSERT INTO action_items (org_id, meeting_id, series_id, owner_id, created_by, body, due_on)
VALUES (@org_id, @meeting_id, @series_id, @owner_id, @created_by, @body, @due_on)
RETURNING id;

-- name: ActionExists :one
SELECT EXISTS (SELECT 1 FROM action_items WHERE meeting_id = @meeting_id AND owner_id = @owner_id AND lower(body) = lower(@body));

-- name: ActionsForMeeting :many
SELECT a.id, a.meeting_id, a.series_id, a.owner_id, u.name AS owner_name, a.body, a.due_on, a.done_at
FROM action_items a JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
WHERE a.org_id = @org_id AND (a.meeting_id = @meeting_id OR (a.series_id = @series_id AND a.done_at IS NULL))
ORDER BY a.done_at IS NOT NULL, a.due_on, a.id;

-- name: ActionGet :one
SELECT a.id, a.meeting_id, a.series_id, a.owner_id, a.done_at, s.manager_id, s.report_id
FROM action_items a JOIN oneonone_series s ON s.org_id = a.org_id AND s.id = a.series_id
WHERE a.org_id = @org_id AND a.id = @id;

-- name: ActionSetDone :exec
UPDATE action_items SET done_at = CASE WHEN @done::boolean THEN coalesce(done_at, now()) ELSE NULL END
WHERE org_id = @org_id AND id = @id;

-- name: ActionsOpenForPerson :many
-- Open actions of every series the person takes part in.
SELECT a.id, a.meeting_id, a.series_id, a.owner_id, o.name AS owner_name, a.body, a.due_on, a.done_at,
       CASE WHEN s.manager_id = @person_id THEN r.name ELSE m.name END::text AS with_name
FROM action_items a
JOIN oneonone_series s ON s.org_id = a.org_id AND s.id = a.series_id
JOIN users o ON o.org_id = a.org_id AND o.id = a.owner_id
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE a.org_id = @org_id AND a.done_at IS NULL AND (s.manager_id = @person_id OR s.report_id = @person_id)
ORDER BY a.owner_id <> @person_id, a.due_on, a.id
LIMIT 1000;

-- name: ObservationAdd :exec
-- A repeated form key stores nothing.
INSERT INTO observations (org_id, meeting_id, author_id, subject_id, competency_id, note, idem_key)
VALUES (@org_id, @meeting_id, @author_id, @subject_id, @competency_id, @note, @idem_key)
ON CONFLICT (meeting_id, author_id, idem_key) WHERE idem_key <> '' DO NOTHING;

-- name: ObservationsForMeeting :many
SELECT o.id, o.author_id, a.name AS author_name, o.subject_id, s.name AS subject_name, o.competency_id,
       competency_name_at(o.org_id, o.competency_id, o.created_at)::text AS competency_name, o.note, o.created_at
FROM observations o
JOIN users a ON a.org_id = o.org_id AND a.id = o.author_id
JOIN users s ON s.org_id = o.org_id AND s.id = o.subject_id
WHERE o.org_id = @org_id AND o.meeting_id = @meeting_id
ORDER BY o.created_at;

-- name: QuestionList :many
SELECT id, body, active FROM questions WHERE org_id = @org_id ORDER BY active DESC, lower(body);

-- name: QuestionAdd :exec
INSERT INTO questions (org_id, body) VALUES (@org_id, @body) ON CONFLICT DO NOTHING;

-- name: QuestionSetActive :execrows
UPDATE questions SET active = @active WHERE org_id = @org_id AND id = @id;

-- name: MeetingStats :many
-- Per-series counts for the check-in patterns over [@win_from, @win_to); see
-- docs/metrics.md. For a few series the planner probes each series' index;
-- for a whole organisation it reads the window once.
SELECT s.id AS series_id,
    count(mt.series_id) FILTER (WHERE mt.status = 'held')::int AS held,
    count(mt.series_id) FILTER (WHERE mt.status = 'cancelled')::int AS cancelled,
    count(mt.series_id) FILTER (WHERE mt.status = 'cancelled' AND mt.status_by = s.manager_id)::int AS cancelled_by_manager,
    count(mt.series_id) FILTER (WHERE mt.status = 'cancelled' AND mt.status_by = s.report_id)::int AS cancelled_by_report,
    count(mt.series_id) FILTER (WHERE mt.status = 'rescheduled')::int AS rescheduled,
    count(mt.series_id) FILTER (WHERE mt.status = 'missed')::int AS missed,
    coalesce(s.last_held_at, 'epoch'::timestamptz)::timestamptz AS last_held,
    coalesce(sum(mt.pulse) FILTER (WHERE mt.status = 'held' AND mt.scheduled_at < @win_half), 0)::int AS pulse_first_sum,
    count(mt.pulse) FILTER (WHERE mt.status = 'held' AND mt.scheduled_at < @win_half)::int AS pulse_first_n,
    coalesce(sum(mt.pulse) FILTER (WHERE mt.status = 'held' AND mt.scheduled_at >= @win_half), 0)::int AS pulse_second_sum,
    count(mt.pulse) FILTER (WHERE mt.status = 'held' AND mt.scheduled_at >= @win_half)::int AS pulse_second_n
FROM oneonone_series s
LEFT JOIN meetings mt ON mt.series_id = s.id AND mt.org_id = @org_id
    AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
WHERE s.org_id = @org_id AND s.id = ANY(@series_ids::bigint[])
GROUP BY s.id;

-- name: ActionStats :many
-- Actions due in the window (and before today), and open actions now.
WITH due AS (
    SELECT a.series_id, count(*) AS due,
        count(*) FILTER (WHERE a.done_at IS NOT NULL AND a.done_at < (a.due_on + 1)::timestamptz) AS done_on_time
    FROM action_items a
    WHERE a.org_id = @org_id AND a.series_id = ANY(@series_ids::bigint[])
      AND a.due_on >= @from_date::date AND a.due_on < least(@to_date::date, @today::date)
    GROUP BY a.series_id
), open AS (
    SELECT a.series_id, count(*) AS open, count(*) FILTER (WHERE a.due_on < @today::date) AS overdue
    FROM action_items a
    WHERE a.org_id = @org_id AND a.series_id = ANY(@series_ids::bigint[]) AND a.done_at IS NULL
    GROUP BY a.series_id
)
SELECT coalesce(d.series_id, o.series_id)::bigint AS series_id,
    coalesce(d.due, 0)::int AS due, coalesce(d.done_on_time, 0)::int AS done_on_time,
    coalesce(o.open, 0)::int AS open, coalesce(o.overdue, 0)::int AS overdue
FROM due d FULL JOIN open o ON o.series_id = d.series_id;

-- name: AgendaStats :many
SELECT mt.series_id, count(*)::int AS total,
    count(*) FILTER (WHERE a.author_id = s.report_id)::int AS by_report
FROM meetings mt
JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
JOIN agenda_items a ON a.org_id = mt.org_id AND a.meeting_id = mt.id AND a.copied_from IS NULL
WHERE mt.org_id = @org_id AND mt.series_id = ANY(@series_ids::bigint[])
  AND mt.scheduled_at >= @win_from AND mt.scheduled_at < @win_to
GROUP BY mt.series_id;

-- name: MeetingMarks :many
SELECT series_id, scheduled_at, status FROM meetings
WHERE org_id = @org_id AND series_id = ANY(@series_ids::bigint[]) AND scheduled_at >= @win_from AND scheduled_at < @win_to
ORDER BY series_id, scheduled_at;

-- name: CalendarFeedSet :exec
INSERT INTO calendar_feeds (user_id, org_id, token_hash) VALUES (@user_id, @org_id, @token_hash)
ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now();

-- name: CalendarFeedDeleteForUser :exec
-- A deactivated person's feed is revoked for good: reactivation needs a new one.
DELETE FROM calendar_feeds WHERE org_id = @org_id AND user_id = @user_id;

-- name: CalendarFeedExists :one
SELECT EXISTS (SELECT 1 FROM calendar_feeds WHERE user_id = @user_id AND org_id = @org_id);

-- name: CalendarFeedOwner :one
SELECT f.user_id, f.org_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id AND u.active
WHERE f.token_hash = @token_hash;

-- name: MeetingsForPersonSince :many
SELECT mt.id, mt.org_id, mt.series_id, mt.scheduled_at, mt.duration_minutes, mt.status, mt.status_by,
       mt.pulse, mt.pulse_word, mt.balance, ''::text AS shared_notes,
       s.manager_id, s.report_id, s.time_zone, m.name AS manager_name, r.name AS report_name
FROM meetings mt
JOIN oneonone_series s ON s.org_id = mt.org_id AND s.id = mt.series_id
JOIN users m ON m.org_id = s.org_id AND m.id = s.manager_id
JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
WHERE mt.org_id = @org_id AND (s.manager_id = @person_id OR s.report_id = @person_id)
  AND mt.scheduled_at >= @since
ORDER BY mt.scheduled_at LIMIT 500;

-- name: ActionTallyStats :many
-- The per-series action counts of ActionStats, from the kept tallies
-- (action_tallies, per due date); "today" is applied here, at read time.
SELECT t.series_id,
    coalesce(sum(t.actions) FILTER (WHERE t.due_on >= @from_date::date AND t.due_on < least(@to_date::date, @today::date)), 0)::int AS due,
    coalesce(sum(t.done_on_time) FILTER (WHERE t.due_on >= @from_date::date AND t.due_on < least(@to_date::date, @today::date)), 0)::int AS done_on_time,
    coalesce(sum(t.open), 0)::int AS open,
    coalesce(sum(t.open) FILTER (WHERE t.due_on < @today::date), 0)::int AS overdue
FROM action_tallies t
WHERE t.org_id = @org_id AND t.series_id = ANY(@series_ids::bigint[])
GROUP BY t.series_id;

-- name: CheckinTalliesRebuild :one
-- Recomputes the kept action tallies from the actions; counts the
-- rows that were missing and those that should not have been there.
SELECT missing::bigint AS missing, stale::bigint AS stale FROM checkin_tallies_rebuild();

-- name: SeriesLock :exec
-- Serialises changes to one series until the transaction ends.
SELECT 1 FROM oneonone_series WHERE id = @id FOR UPDATE;

-- name: MeetingLock :exec
-- Serialises changes to one meeting (its agenda and actions) until the
-- transaction ends.
SELECT 1 FROM meetings WHERE id = @id FOR UPDATE;

-- name: MeetingScheduledAt :one
SELECT scheduled_at FROM meetings WHERE id = @id;

-- name: AgendaOpenDuplicate :one
-- Whether the author already has the same open point on the meeting.
SELECT EXISTS (SELECT 1 FROM agenda_items WHERE meeting_id = @meeting_id AND author_id = @author_id
    AND lower(body) = lower(@body::text) AND NOT done);

-- name: AgendaMoveToMeeting :exec
-- Moves every point of a meeting to another (a rescheduled meeting's).
UPDATE agenda_items SET meeting_id = @to_meeting_id WHERE org_id = @org_id AND meeting_id = @from_meeting_id;

-- name: AgendaCarryCandidates :many
-- Unticked, undropped points of the series' earlier meetings that are over
-- (or not scheduled any more), newest meeting first; raised_at is the day
-- each point was first raised.
SELECT a.id, lower(a.body)::text AS body_key,
       coalesce(a.raised_at, src.scheduled_at)::timestamptz AS raised_at
FROM agenda_items a
JOIN meetings src ON src.org_id = a.org_id AND src.id = a.meeting_id
WHERE a.org_id = @org_id AND src.series_id = @series_id AND src.id <> @meeting_id
  AND src.scheduled_at < @before AND NOT a.done AND a.dropped_at IS NULL AND a.carried_to IS NULL
  AND (src.status <> 'scheduled' OR src.scheduled_at + make_interval(mins => src.duration_minutes) <= @cutoff)
ORDER BY src.scheduled_at DESC, a.position, a.id;

-- name: AgendaOpenKeys :many
-- The open points already on a meeting, by their text.
SELECT lower(body)::text AS body_key FROM agenda_items
WHERE org_id = @org_id AND meeting_id = @meeting_id AND NOT done;

-- name: AgendaCarryCopy :exec
-- Carries a point on to @meeting_id as a copy: the point stays on its own
-- meeting as it was, marked as carried on, and carries no further from there.
WITH src AS (
    UPDATE agenda_items p SET carried_to = @meeting_id::bigint
    WHERE p.org_id = @org_id AND p.id = @id AND p.carried_to IS NULL
    RETURNING p.id, p.org_id, p.author_id, p.body, p.position, p.carried
)
INSERT INTO agenda_items (org_id, meeting_id, author_id, body, position, carried, raised_at, copied_from)
SELECT src.org_id, @meeting_id, src.author_id, src.body, src.position + 1000, src.carried + 1, @raised_at, src.id FROM src;

-- name: AgendaMarkCarried :exec
-- Marks earlier copies of a point as carried on to @meeting_id (the point
-- is there already), so they carry no further.
UPDATE agenda_items SET carried_to = @meeting_id::bigint
WHERE org_id = @org_id AND id = ANY(@ids::bigint[]) AND carried_to IS NULL;

-- name: AgendaSetDropped :execrows
-- Drops an open point (it stops carrying over) or takes it back.
UPDATE agenda_items SET dropped_at = CASE WHEN @dropped::boolean THEN coalesce(dropped_at, now()) ELSE NULL END
WHERE org_id = @org_id AND id = @id AND meeting_id = @meeting_id AND NOT done;

-- name: MeetingClosedSince :many
-- Slots of the series from @since on that are no longer scheduled (held,
-- cancelled, moved, missed): the next 1:1 is none of them.
SELECT scheduled_at FROM meetings
WHERE org_id = @org_id AND series_id = @series_id AND status <> 'scheduled' AND scheduled_at >= @since
ORDER BY scheduled_at;

-- name: AgendaTemplates :many
SELECT id, name, items FROM agenda_templates
WHERE org_id = @org_id AND owner_id = @owner_id
ORDER BY lower(name), id;

-- name: AgendaTemplateGet :one
SELECT id, name, items FROM agenda_templates
WHERE org_id = @org_id AND owner_id = @owner_id AND id = @id;

-- name: AgendaTemplateCreate :one
-- A second template of the same name is the first one (a double submit).
INSERT INTO agenda_templates (org_id, owner_id, name, items)
VALUES (@org_id, @owner_id, @name, @items::text[])
ON CONFLICT (org_id, owner_id, lower(name)) DO NOTHING
RETURNING id;

-- name: AgendaTemplateDelete :execrows
DELETE FROM agenda_templates WHERE org_id = @org_id AND owner_id = @owner_id AND id = @id;

-- name: RollupPage :many
-- The leader roll-up (docs/metrics.md, "Per manager"), one page of managers
-- in SQL: the live series under @root_id (the whole organisation when null),
-- each series' meetings in [@from_day, @to_day) from the running totals
-- (two probes), its expected slots by arithmetic on its schedule less its
-- pauses, its actions from the tallies; summed per manager, sorted by
-- @sort_key worst first and cut at @page_limit rows from @page_offset. Every
-- row also carries the number of managers and the whole part's totals.
WITH s AS (
    SELECT s.id, s.manager_id, s.status, s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone,
        s.starts_on, s.last_held_at,
        CASE WHEN s.cadence = 'weekly' THEN 7 WHEN s.cadence = 'biweekly' THEN 14
             WHEN s.cadence = 'monthly' THEN 30 ELSE s.interval_days END AS nominal_days,
        least(@win_to::timestamptz, coalesce(s.ended_at, @win_to::timestamptz)) AS eff_to
    FROM oneonone_series s
    JOIN users r ON r.org_id = s.org_id AND r.id = s.report_id
    WHERE s.org_id = @org_id AND s.status <> 'ended' AND r.active
      AND (sqlc.narg('root_id')::bigint IS NULL OR s.manager_id = sqlc.narg('root_id')::bigint
           OR s.manager_id IN (SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint)))
), zones AS (
    -- The period's bounds in each time zone, converted once per zone.
    SELECT tz.time_zone, timezone(tz.time_zone, @win_from::timestamptz) AS from_local,
        timezone(tz.time_zone, @win_to::timestamptz) AS to_local
    FROM (SELECT DISTINCT s.time_zone FROM s) tz
), pz AS (
    -- Slots inside pauses, per series.
    SELECT s.id AS series_id, sum(greatest(0,
            series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on,
                least(s.eff_to, coalesce(p.resumed_at, s.eff_to)))
            - series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on,
                greatest(@win_from::timestamptz, p.paused_at)))) AS paused
    FROM s
    JOIN oneonone_pauses p ON p.org_id = @org_id AND p.series_id = s.id
    WHERE p.paused_at < s.eff_to AND (p.resumed_at IS NULL OR p.resumed_at > @win_from::timestamptz)
    GROUP BY s.id
), per_series AS MATERIALIZED (
    SELECT s.id, s.manager_id,
        (s.status = 'paused') AS paused,
        (s.status = 'active' AND coalesce(s.last_held_at, s.starts_on::timestamp AT TIME ZONE 'UTC')
            < sqlc.arg(now)::timestamptz - make_interval(0, 0, 0, 0, s.nominal_days * 48)) AS drifting,
        coalesce(hi.held_run, 0) - coalesce(lo.held_run, 0) AS held,
        coalesce(hi.cancelled_run, 0) - coalesce(lo.cancelled_run, 0) AS cancelled,
        coalesce(hi.pulse_sum_run, 0) - coalesce(lo.pulse_sum_run, 0) AS pulse_sum,
        coalesce(hi.pulse_n_run, 0) - coalesce(lo.pulse_n_run, 0) AS pulse_n,
        CASE WHEN s.eff_to <= @win_from::timestamptz THEN 0 ELSE
            series_slots_before_local(s.cadence, s.interval_days, s.weekday, s.start_time, s.starts_on,
                CASE WHEN s.eff_to = @win_to::timestamptz THEN zl.to_local ELSE s.eff_to AT TIME ZONE s.time_zone END)
            - series_slots_before_local(s.cadence, s.interval_days, s.weekday, s.start_time, s.starts_on, zl.from_local)
            - coalesce(pz.paused, 0)
        END AS expected
    FROM s
    JOIN zones zl ON zl.time_zone = s.time_zone
    LEFT JOIN pz ON pz.series_id = s.id
    LEFT JOIN LATERAL (
        SELECT t.held_run, t.cancelled_run, t.pulse_sum_run, t.pulse_n_run FROM meeting_totals t
        WHERE t.series_id = s.id AND t.day < @to_day::date ORDER BY t.day DESC LIMIT 1) hi ON true
    LEFT JOIN LATERAL (
        SELECT t.held_run, t.cancelled_run, t.pulse_sum_run, t.pulse_n_run FROM meeting_totals t
        WHERE t.series_id = s.id AND t.day < @from_day::date ORDER BY t.day DESC LIMIT 1) lo ON true
), per_manager AS (
    SELECT ps.manager_id, count(*)::int AS reports,
        count(*) FILTER (WHERE ps.drifting)::int AS drifting,
        count(*) FILTER (WHERE ps.paused)::int AS paused,
        sum(least(ps.held, ps.expected))::int AS held, sum(ps.expected)::int AS expected,
        sum(ps.cancelled)::int AS cancelled, sum(ps.pulse_sum)::int AS pulse_sum, sum(ps.pulse_n)::int AS pulse_n
    FROM per_series ps
    GROUP BY ps.manager_id
), due AS (
    SELECT s.manager_id, sum(t.actions)::int AS due, sum(t.done_on_time)::int AS done_on_time
    FROM action_tallies t
    JOIN s ON s.id = t.series_id
    WHERE t.org_id = @org_id AND t.due_on >= @from_day::date AND t.due_on < least(@to_day::date, @today::date)
    GROUP BY s.manager_id
), open AS (
    SELECT s.manager_id, sum(t.open)::int AS open, coalesce(sum(t.open) FILTER (WHERE t.due_on < @today::date), 0)::int AS overdue
    FROM action_tallies t
    JOIN s ON s.id = t.series_id
    WHERE t.org_id = @org_id AND t.open > 0
    GROUP BY s.manager_id
), ranked AS (
    SELECT pm.manager_id, u.name AS manager_name, pm.reports, pm.drifting, pm.paused, pm.held, pm.expected,
        coalesce(d.due, 0) AS due, coalesce(d.done_on_time, 0) AS done_on_time,
        coalesce(o.open, 0) AS open, coalesce(o.overdue, 0) AS overdue, pm.cancelled, pm.pulse_sum, pm.pulse_n,
        CASE WHEN pm.expected > 0 THEN pm.held::float8 / pm.expected ELSE 2 END AS adherence_key,
        CASE WHEN d.due > 0 THEN d.done_on_time::float8 / d.due ELSE 2 END AS follow_key
    FROM per_manager pm
    JOIN users u ON u.org_id = @org_id AND u.id = pm.manager_id
    LEFT JOIN due d ON d.manager_id = pm.manager_id
    LEFT JOIN open o ON o.manager_id = pm.manager_id
)
SELECT r.manager_id, r.manager_name, r.reports, r.drifting, r.paused, r.held, r.expected, r.due, r.done_on_time,
    r.open, r.overdue, r.cancelled, r.pulse_sum, r.pulse_n,
    (count(*) OVER ())::int AS managers_total,
    (sum(r.reports) OVER ())::int AS reports_total, (sum(r.drifting) OVER ())::int AS drifting_total,
    (sum(r.paused) OVER ())::int AS paused_total,
    (sum(r.held) OVER ())::int AS held_total, (sum(r.expected) OVER ())::int AS expected_total,
    (sum(r.due) OVER ())::int AS due_total, (sum(r.done_on_time) OVER ())::int AS done_on_time_total,
    (sum(r.open) OVER ())::int AS open_total, (sum(r.overdue) OVER ())::int AS overdue_total,
    (sum(r.cancelled) OVER ())::int AS cancelled_total,
    (sum(r.pulse_sum) OVER ())::int AS pulse_sum_total, (sum(r.pulse_n) OVER ())::int AS pulse_n_total
FROM ranked r
ORDER BY
    CASE WHEN @sort_key::text = 'adherence' THEN r.adherence_key END ASC,
    CASE WHEN @sort_key::text = 'follow-through' THEN r.follow_key END ASC,
    CASE WHEN @sort_key::text = 'drifting' THEN r.drifting END DESC,
    CASE WHEN @sort_key::text = 'overdue' THEN r.overdue END DESC,
    lower(r.manager_name) COLLATE "C", r.manager_id
LIMIT @page_limit OFFSET @page_offset;

-- name: MeetingBrief :many
-- What to look at before a 1:1, in one statement: the series' open actions
-- due by the meeting day (oldest first), the kudos the report received
-- since the last held 1:1 that the viewer may see (newest first), and that
-- last held 1:1, the competencies of the report's open review cycle with
-- no evidence in its period, and the dimensions that moved between the
-- last two health checks with results of the report's teams the viewer
-- may read. Each part returns at most @shown rows, with its full count;
-- delta is a mover's change (0 for the other parts).
WITH last_held AS (
    SELECT m.id, m.scheduled_at FROM meetings m
    WHERE m.org_id = @org_id AND m.series_id = @series_id AND m.status = 'held'
      AND m.scheduled_at < @scheduled_at::timestamptz
    ORDER BY m.scheduled_at DESC LIMIT 1
), due AS (
    SELECT 'action'::text AS kind, a.id, a.meeting_id AS link_id, a.body, u.name AS who,
           (a.due_on::timestamp AT TIME ZONE 'UTC')::timestamptz AS at, count(*) OVER ()::int AS total
    FROM action_items a JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
    WHERE a.org_id = @org_id AND a.series_id = @series_id AND a.done_at IS NULL
      AND a.due_on <= @due_through::date
    ORDER BY a.due_on, a.id LIMIT @shown::int
), praise AS (
    SELECT 'kudo'::text AS kind, k.id, k.id AS link_id, k.did AS body, u.name AS who,
           k.created_at AS at, count(*) OVER ()::int AS total
    FROM kudo_recipients r
    JOIN kudos k ON k.id = r.kudo_id
    JOIN users u ON u.org_id = k.org_id AND u.id = k.author_id
    WHERE r.org_id = @org_id AND r.user_id = @report_id
      AND k.created_at > coalesce((SELECT scheduled_at FROM last_held), @since::timestamptz)
      AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
    ORDER BY k.created_at DESC, k.id DESC LIMIT @shown::int
), deadlines AS (
    -- Review steps not yet submitted, due within the window, in open
    -- cycles, of either side's review, if the viewer may see that review.
    SELECT 'review'::text AS kind, c.id, c.id AS link_id,
           (c.name || ' · ' || d.step)::text AS body, u.name AS who,
           (d.due::timestamp AT TIME ZONE 'UTC')::timestamptz AS at, count(*) OVER ()::int AS total
    FROM review_cycles c
    JOIN review_participants rp ON rp.org_id = c.org_id AND rp.cycle_id = c.id
    JOIN users u ON u.org_id = c.org_id AND u.id = rp.person_id
    CROSS JOIN LATERAL (VALUES ('self review', c.self_due, rp.self_submitted_at),
                               ('manager review', c.manager_due, rp.manager_submitted_at)) d(step, due, submitted)
    WHERE c.org_id = @org_id AND c.state = 'open' AND rp.person_id IN (@report_id, @manager_id)
      AND rp.person_id IN (SELECT person_id FROM review_participants_visible(@org_id, c.id, @viewer_id, false))
      AND d.submitted IS NULL AND d.due BETWEEN @today::date AND @deadline_until::date
    ORDER BY 6, 2, 5 LIMIT @shown::int
), gap_cycle AS (
    -- The report's open cycle the viewer may see: the one whose period
    -- holds today, else the latest; the first made of equals.
    SELECT c.id, c.name, c.framework_version_id, c.period_start, c.period_end
    FROM review_cycles c
    JOIN review_participants rp ON rp.org_id = c.org_id AND rp.cycle_id = c.id AND rp.person_id = @report_id
    WHERE c.org_id = @org_id AND c.state = 'open'
      AND @report_id IN (SELECT person_id FROM review_participants_visible(@org_id, c.id, @viewer_id, false))
    ORDER BY (@today::date BETWEEN c.period_start AND c.period_end) DESC, c.period_end DESC, c.id
    LIMIT 1
), evidenced AS (
    -- Evidence as the review shows it (EvidenceCounts): tagged kudos the
    -- report received or gave that the viewer may see, and observations.
    SELECT kc.competency_id FROM gap_cycle g
    JOIN kudos k ON k.org_id = @org_id
        AND k.created_at >= (g.period_start::timestamp AT TIME ZONE 'UTC')
        AND k.created_at < ((g.period_end + 1)::timestamp AT TIME ZONE 'UTC')
    JOIN kudo_competencies kc ON kc.kudo_id = k.id
    WHERE (k.author_id = @report_id OR EXISTS (SELECT 1 FROM kudo_recipients kr
            WHERE kr.kudo_id = k.id AND kr.user_id = @report_id AND kr.user_id <> k.author_id))
      AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
  UNION
    SELECT o.competency_id FROM gap_cycle g
    JOIN observations o ON o.org_id = @org_id AND o.subject_id = @report_id
        AND o.created_at >= (g.period_start::timestamp AT TIME ZONE 'UTC')
        AND o.created_at < ((g.period_end + 1)::timestamp AT TIME ZONE 'UTC')
), gaps AS (
    SELECT 'gap'::text AS kind, e.competency_id AS id, g.id AS link_id, e.name AS body, g.name AS who,
           (g.period_end::timestamp AT TIME ZONE 'UTC')::timestamptz AS at, count(*) OVER ()::int AS total
    FROM gap_cycle g
    JOIN framework_entries e ON e.version_id = g.framework_version_id
    WHERE e.competency_id NOT IN (SELECT competency_id FROM evidenced)
    ORDER BY e.position, e.competency_id LIMIT @shown::int
), health_latest AS (
    -- Each of the report's teams the viewer may read: its latest check
    -- that has ended with at least the threshold's answers, and the one
    -- with results before it.
    SELECT x.team_id, x.team_name, x.id, x.prev_id, x.ended FROM (
        SELECT c.team_id, t.name AS team_name, c.id, least(coalesce(c.closed_at, c.closes_at), c.closes_at) AS ended,
            lag(c.id) OVER (PARTITION BY c.team_id ORDER BY c.opened_at, c.id) AS prev_id,
            row_number() OVER (PARTITION BY c.team_id ORDER BY c.opened_at DESC, c.id DESC) AS n
        FROM team_members tm
        JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
        JOIN health_checks c ON c.org_id = tm.org_id AND c.team_id = tm.team_id
        WHERE tm.org_id = @org_id AND tm.user_id = @report_id
          AND health_team_readable(@org_id, @viewer_id, tm.team_id)
          AND least(coalesce(c.closed_at, c.closes_at), c.closes_at) <= @now::timestamptz
          AND (SELECT count(*) FROM health_responses hr WHERE hr.check_id = c.id)
              >= greatest(3, coalesce((SELECT min_responses FROM health_settings hs WHERE hs.org_id = @org_id), 3))
    ) x WHERE x.n = 1 AND x.prev_id IS NOT NULL
), dim_avg AS (
    SELECT hl.team_id, d.check_id, d.dimension_id, d.name, avg(hr.scores[d.position])::float8 AS average
    FROM health_latest hl
    JOIN health_check_dimensions d ON d.check_id IN (hl.id, hl.prev_id) AND d.dimension_id IS NOT NULL
    JOIN health_responses hr ON hr.check_id = d.check_id
    GROUP BY hl.team_id, d.check_id, d.dimension_id, d.name
), movers AS (
    SELECT 'health'::text AS kind, cur.dimension_id AS id, hl.team_id AS link_id, cur.name AS body,
           hl.team_name AS who, hl.ended AS at, count(*) OVER ()::int AS total,
           round((cur.average - prev.average)::numeric, 1)::float8 AS delta
    FROM health_latest hl
    JOIN dim_avg cur ON cur.check_id = hl.id
    JOIN dim_avg prev ON prev.check_id = hl.prev_id AND prev.dimension_id = cur.dimension_id
    WHERE round((cur.average - prev.average)::numeric, 1) <> 0
    ORDER BY abs(cur.average - prev.average) DESC, cur.name, hl.team_id LIMIT @shown::int
)
SELECT kind, id, link_id, body, who, at, total, 0::float8 AS delta FROM due
UNION ALL
SELECT kind, id, link_id, body, who, at, total, 0 FROM deadlines
UNION ALL
SELECT kind, id, link_id, body, who, at, total, 0 FROM praise
UNION ALL
SELECT kind, id, link_id, body, who, at, total, 0 FROM gaps
UNION ALL
SELECT 'gap_cycle'::text, id, id, name, ''::text, (period_end::timestamp AT TIME ZONE 'UTC')::timestamptz, 1, 0 FROM gap_cycle
UNION ALL
SELECT kind, id, link_id, body, who, at, total, delta FROM movers
UNION ALL
SELECT 'last_held'::text, id, id, ''::text, ''::text, scheduled_at, 1, 0 FROM last_held;
