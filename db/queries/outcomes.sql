-- name: OutcomeGroups :many
-- The outcomes page (docs/metrics.md, "Outcomes") in one statement: the
-- people in the organisation (or under @root_id) at some time in
-- [@from_at, @to_at), each a leaver (deactivated in the period) or a stayer,
-- with their relationship signals over the @lookback_days before their
-- reference day (the day they left; @ref_day for stayers), read from the
-- kept figures: 1:1 cadence kept and the last held 1:1 (meeting_totals;
-- expected slots by the roll-up's arithmetic, less pauses), organisation-
-- wide kudos received (kudo_tallies), actions of their 1:1s closed on time
-- (action_tallies), and their teams' latest health check with at least
-- @threshold answers that ended in the year before. Summed per group: the
-- whole part ('all'), each team ('team', key 0: no team), each manager
-- ('manager', key 0: none) and, for leavers, each reason ('reason'), split
-- by left. median_days and health_mean are 0 when with_held and
-- health_n are. The caller decides what may be shown.
WITH p AS MATERIALIZED (
    SELECT u.id, coalesce(u.manager_id, 0) AS manager_id, u.left_reason,
        (u.deactivated_at IS NOT NULL AND u.deactivated_at < @to_at::timestamptz) AS left,
        CASE WHEN u.deactivated_at IS NOT NULL AND u.deactivated_at < @to_at::timestamptz
             THEN (u.deactivated_at AT TIME ZONE 'UTC')::date ELSE @ref_day::date END AS ref_day
    FROM users u
    WHERE u.org_id = @org_id AND u.created_at < @to_at::timestamptz
      AND (u.deactivated_at IS NULL OR u.deactivated_at >= @from_at::timestamptz)
      AND (sqlc.narg('root_id')::bigint IS NULL
           OR u.id IN (SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint)))
), pw AS (
    SELECT p.*, p.ref_day - @lookback_days::int AS from_day,
        ((p.ref_day - @lookback_days::int)::timestamp AT TIME ZONE 'UTC') AS w_from,
        (p.ref_day::timestamp AT TIME ZONE 'UTC') AS w_to
    FROM p
), s AS (
    SELECT pw.id AS person_id, pw.from_day, pw.ref_day, pw.w_from, s.id, s.cadence, s.interval_days, s.weekday,
        s.start_time, s.time_zone, s.starts_on,
        least(pw.w_to, coalesce(s.ended_at, pw.w_to)) AS eff_to
    FROM pw
    JOIN oneonone_series s ON s.org_id = @org_id AND s.report_id = pw.id
), pz AS (
    SELECT s.id, sum(greatest(0,
            series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on,
                least(s.eff_to, coalesce(z.resumed_at, s.eff_to)))
            - series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on,
                greatest(s.w_from, z.paused_at)))) AS paused
    FROM s
    JOIN oneonone_pauses z ON z.org_id = @org_id AND z.series_id = s.id
    WHERE z.paused_at < s.eff_to AND (z.resumed_at IS NULL OR z.resumed_at > s.w_from)
    GROUP BY s.id
), per_series AS (
    SELECT s.person_id,
        CASE WHEN s.eff_to <= s.w_from THEN 0 ELSE greatest(0,
            series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on, s.eff_to)
            - series_slots_before(s.cadence, s.interval_days, s.weekday, s.start_time, s.time_zone, s.starts_on, s.w_from)
            - coalesce(pz.paused, 0)) END AS expected,
        coalesce(hi.held_run, 0) - coalesce(lo.held_run, 0) AS held,
        (SELECT max(t.day) FROM meeting_totals t WHERE t.series_id = s.id AND t.held > 0 AND t.day < s.ref_day) AS last_held,
        coalesce(a.due, 0) AS due, coalesce(a.done, 0) AS done
    FROM s
    LEFT JOIN pz ON pz.id = s.id
    LEFT JOIN LATERAL (SELECT t.held_run FROM meeting_totals t
        WHERE t.series_id = s.id AND t.day < s.ref_day ORDER BY t.day DESC LIMIT 1) hi ON true
    LEFT JOIN LATERAL (SELECT t.held_run FROM meeting_totals t
        WHERE t.series_id = s.id AND t.day < s.from_day ORDER BY t.day DESC LIMIT 1) lo ON true
    LEFT JOIN LATERAL (SELECT sum(a.actions) AS due, sum(a.done_on_time) AS done FROM action_tallies a
        WHERE a.series_id = s.id AND a.due_on >= s.from_day AND a.due_on < least(s.ref_day, @today::date)) a ON true
), meet AS (
    SELECT ps.person_id, sum(ps.expected)::int AS expected, sum(least(ps.held, ps.expected))::int AS held,
        max(ps.last_held) AS last_held, sum(ps.due)::int AS due, sum(ps.done)::int AS done
    FROM per_series ps GROUP BY ps.person_id
), checks AS MATERIALIZED (
    -- The part's teams' checks with at least the threshold's answers,
    -- each scored once: the mean of every answer's every rating.
    SELECT c.team_id, c.opened_at, c.id, least(coalesce(c.closed_at, c.closes_at), c.closes_at) AS ended, x.score
    FROM health_checks c
    CROSS JOIN LATERAL (SELECT avg(v)::float8 AS score
        FROM health_responses r, unnest(r.scores) v WHERE r.check_id = c.id) x
    WHERE c.org_id = @org_id AND c.team_id IN (SELECT tm.team_id FROM team_members tm JOIN pw ON pw.id = tm.user_id WHERE tm.org_id = @org_id)
      AND (SELECT count(*) FROM health_responses r WHERE r.check_id = c.id) >= @threshold::int
), health AS (
    SELECT pw.id AS person_id, avg(h.score)::float8 AS score
    FROM pw
    JOIN team_members tm ON tm.org_id = @org_id AND tm.user_id = pw.id
    CROSS JOIN LATERAL (
        SELECT c.score FROM checks c
        WHERE c.team_id = tm.team_id AND c.ended <= pw.w_to AND c.ended > pw.w_to - interval '365 days'
        ORDER BY c.opened_at DESC, c.id DESC LIMIT 1) h
    GROUP BY pw.id
), per_person AS MATERIALIZED (
    SELECT pw.id, pw.manager_id, pw.left, pw.left_reason,
        coalesce(m.expected, 0) AS expected, coalesce(m.held, 0) AS held,
        (pw.ref_day - m.last_held) AS days_since,
        coalesce(k.kudos, 0) AS kudos, coalesce(m.due, 0) AS due, coalesce(m.done, 0) AS done,
        h.score AS health
    FROM pw
    LEFT JOIN meet m ON m.person_id = pw.id
    LEFT JOIN LATERAL (SELECT sum(t.kudos)::int AS kudos FROM kudo_tallies t
        WHERE t.receiver_id = pw.id AND t.day >= pw.from_day AND t.day < pw.ref_day) k ON true
    LEFT JOIN health h ON h.person_id = pw.id
), grouped AS (
    SELECT 'all'::text AS kind, 0::bigint AS key, pp.* FROM per_person pp
    UNION ALL
    SELECT 'manager', pp.manager_id, pp.* FROM per_person pp
    UNION ALL
    SELECT 'team', coalesce(tm.team_id, 0), pp.* FROM per_person pp
    LEFT JOIN team_members tm ON tm.org_id = @org_id AND tm.user_id = pp.id
)
SELECT g.kind, g.key,
    coalesce(CASE g.kind WHEN 'team' THEN t.name WHEN 'manager' THEN m.name END, '')::text AS label,
    coalesce(g.left, false) AS left, count(*)::int AS people,
    sum(g.expected)::int AS expected, sum(g.held)::int AS held,
    count(g.days_since)::int AS with_held,
    coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY g.days_since), 0)::float8 AS median_days,
    sum(g.kudos)::int AS kudos, sum(g.due)::int AS due, sum(g.done)::int AS done,
    count(g.health)::int AS health_n, coalesce(avg(g.health), 0)::float8 AS health_mean
FROM grouped g
LEFT JOIN teams t ON g.kind = 'team' AND t.org_id = @org_id AND t.id = g.key
LEFT JOIN users m ON g.kind = 'manager' AND m.org_id = @org_id AND m.id = g.key
GROUP BY g.kind, g.key, t.name, m.name, g.left
UNION ALL
SELECT 'reason', 0, pp.left_reason, true, count(*)::int, 0, 0, 0, 0, 0, 0, 0, 0, 0
FROM per_person pp WHERE pp.left
GROUP BY pp.left_reason
ORDER BY 1, 3, 2, 4;
