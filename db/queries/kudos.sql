-- Visibility: every query filters with kudo_visible() (migration 00005),
-- the one definition of who may see a kudo. It holds subqueries, so
-- PostgreSQL calls it row by row; each query puts its two cheapest cases
-- (organisation-wide, or the viewer's own) in front so the call is only
-- made for team and recipients-only kudos.

-- name: KudoCreate :one
INSERT INTO kudos (org_id, author_id, did, impact, visibility, team_id, idem_key)
VALUES (@org_id, @author_id, @did, @impact, @visibility, sqlc.narg('team_id'), @idem_key)
ON CONFLICT (org_id, author_id, idem_key) DO NOTHING
RETURNING id;

-- name: KudoByIdem :one
SELECT id FROM kudos WHERE org_id = @org_id AND author_id = @author_id AND idem_key = @idem_key;

-- name: KudoRecipientsAdd :exec
INSERT INTO kudo_recipients (org_id, kudo_id, user_id)
SELECT @org_id, @kudo_id, unnest(@user_ids::bigint[]);

-- name: KudoCompetenciesAdd :exec
INSERT INTO kudo_competencies (kudo_id, competency_id)
SELECT @kudo_id, unnest(@competency_ids::bigint[]);

-- name: KudoRecipientsClear :exec
DELETE FROM kudo_recipients WHERE kudo_id = @kudo_id;

-- name: KudoCompetenciesClear :exec
DELETE FROM kudo_competencies WHERE kudo_id = @kudo_id;

-- name: KudoGet :one
-- One kudo, if the viewer may see it.
SELECT k.id, k.author_id, u.name AS author_name, k.did, k.impact, k.visibility, k.team_id,
       coalesce(t.name, '')::text AS team_name, k.created_at, k.edited_at
FROM kudos k
JOIN users u ON u.org_id = k.org_id AND u.id = k.author_id
LEFT JOIN teams t ON t.org_id = k.org_id AND t.id = k.team_id
WHERE k.org_id = @org_id AND k.id = @id
  AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id));

-- name: KudoFeed :many
-- A screen of kudos the viewer may see, newest first, after a keyset cursor.
SELECT k.id, k.author_id, u.name AS author_name, k.did, k.impact, k.visibility, k.team_id,
       coalesce(t.name, '')::text AS team_name, k.created_at, k.edited_at
FROM kudos k
JOIN users u ON u.org_id = k.org_id AND u.id = k.author_id
LEFT JOIN teams t ON t.org_id = k.org_id AND t.id = k.team_id
WHERE k.org_id = @org_id
  AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
  AND (k.created_at, k.id) < (@before_at::timestamptz, @before_id::bigint)
  AND k.created_at >= @since::timestamptz
  AND (sqlc.narg('person_id')::bigint IS NULL OR k.author_id = sqlc.narg('person_id')::bigint
       OR EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k.id AND r.user_id = sqlc.narg('person_id')::bigint))
  AND (sqlc.narg('recipient_id')::bigint IS NULL
       OR EXISTS (SELECT 1 FROM kudo_recipients r WHERE r.kudo_id = k.id AND r.user_id = sqlc.narg('recipient_id')::bigint))
  AND (sqlc.narg('giver_id')::bigint IS NULL OR k.author_id = sqlc.narg('giver_id')::bigint)
  AND (sqlc.narg('team_id')::bigint IS NULL OR k.team_id = sqlc.narg('team_id')::bigint
       OR EXISTS (SELECT 1 FROM kudo_recipients r JOIN team_members tm ON tm.user_id = r.user_id
                  WHERE r.kudo_id = k.id AND tm.team_id = sqlc.narg('team_id')::bigint))
  AND (sqlc.narg('competency_id')::bigint IS NULL
       OR EXISTS (SELECT 1 FROM kudo_competencies kc WHERE kc.kudo_id = k.id AND kc.competency_id = sqlc.narg('competency_id')::bigint))
ORDER BY k.created_at DESC, k.id DESC
LIMIT @row_limit;

-- name: KudoRecipientsFor :many
SELECT r.kudo_id, r.user_id, u.name
FROM kudo_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
WHERE r.org_id = @org_id AND r.kudo_id = ANY(@kudo_ids::bigint[])
ORDER BY r.kudo_id, lower(u.name);

-- name: KudoCompetenciesFor :many
-- Each tag with the competency's name when the kudo was given.
SELECT kc.kudo_id, kc.competency_id AS id, competency_name_at(k.org_id, kc.competency_id, k.created_at)::text AS name
FROM kudo_competencies kc JOIN kudos k ON k.id = kc.kudo_id
WHERE kc.kudo_id = ANY(@kudo_ids::bigint[])
ORDER BY kc.kudo_id, kc.competency_id;

-- name: KudoReactionsFor :many
SELECT kudo_id, emoji, count(*)::int AS n, bool_or(user_id = @viewer_id)::boolean AS mine
FROM kudo_reactions
WHERE org_id = @org_id AND kudo_id = ANY(@kudo_ids::bigint[])
GROUP BY kudo_id, emoji;

-- name: KudoCommentCounts :many
SELECT kudo_id, count(*)::int AS n FROM kudo_comments
WHERE org_id = @org_id AND kudo_id = ANY(@kudo_ids::bigint[])
GROUP BY kudo_id;

-- name: KudoComments :many
SELECT c.id, c.author_id, u.name AS author_name, c.body, c.created_at
FROM kudo_comments c JOIN users u ON u.org_id = c.org_id AND u.id = c.author_id
WHERE c.org_id = @org_id AND c.kudo_id = @kudo_id
ORDER BY c.created_at, c.id;

-- name: KudoCommentAdd :exec
-- A repeated form key stores nothing.
INSERT INTO kudo_comments (org_id, kudo_id, author_id, body, idem_key)
VALUES (@org_id, @kudo_id, @author_id, @body, @idem_key)
ON CONFLICT (kudo_id, author_id, idem_key) WHERE idem_key <> '' DO NOTHING;

-- name: KudoReactionRemove :execrows
DELETE FROM kudo_reactions WHERE org_id = @org_id AND kudo_id = @kudo_id AND user_id = @user_id AND emoji = @emoji;

-- name: KudoReactionAdd :exec
INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES (@org_id, @kudo_id, @user_id, @emoji)
ON CONFLICT DO NOTHING;

-- name: KudoUpdate :execrows
UPDATE kudos SET did = @did, impact = @impact, visibility = @visibility, team_id = sqlc.narg('team_id'), edited_at = now()
WHERE org_id = @org_id AND id = @id AND author_id = @author_id;

-- name: KudoDelete :execrows
DELETE FROM kudos WHERE org_id = @org_id AND id = @id AND author_id = @author_id;

-- name: KudoCountsByCompetency :many
-- A person's kudos the viewer may see, received and given, per competency.
-- Starts from the person's own kudos (two index scans), not from the feed.
WITH received AS (
    SELECT k.id FROM kudo_recipients r JOIN kudos k ON k.id = r.kudo_id
    WHERE r.org_id = @org_id AND r.user_id = @person_id
      AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
), given AS (
    SELECT k.id FROM kudos k
    WHERE k.org_id = @org_id AND k.author_id = @person_id
      AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
), mine AS (
    SELECT id, true AS got FROM received UNION ALL SELECT id, false AS got FROM given
)
SELECT kc.competency_id, competency_name_at(@org_id, kc.competency_id, now())::text AS name,
    count(*) FILTER (WHERE m.got)::int AS received,
    count(*) FILTER (WHERE NOT m.got)::int AS given
FROM mine m
JOIN kudo_competencies kc ON kc.kudo_id = m.id
GROUP BY kc.competency_id
ORDER BY kc.competency_id;

-- name: KudoTotalsForPerson :one
SELECT
    (SELECT count(*) FROM kudo_recipients r JOIN kudos k ON k.id = r.kudo_id
     WHERE r.org_id = @org_id AND r.user_id = @person_id
       AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id)))::int AS received,
    (SELECT count(*) FROM kudos k
     WHERE k.org_id = @org_id AND k.author_id = @person_id
       AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id)))::int AS given;

-- name: KudoFeedForPerson :many
-- A person's kudos (given or received) the viewer may see, newest first:
-- the person's own index entries first, then the filters.
SELECT k.id, k.author_id, u.name AS author_name, k.did, k.impact, k.visibility, k.team_id,
       coalesce(t.name, '')::text AS team_name, k.created_at, k.edited_at
FROM kudos k
JOIN users u ON u.org_id = k.org_id AND u.id = k.author_id
LEFT JOIN teams t ON t.org_id = k.org_id AND t.id = k.team_id
WHERE k.id IN (
        SELECT r.kudo_id FROM kudo_recipients r WHERE r.org_id = @org_id AND r.user_id = @person_id
        UNION
        SELECT k2.id FROM kudos k2 WHERE k2.org_id = @org_id AND k2.author_id = @person_id
      )
  AND k.org_id = @org_id
  AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
  AND (k.created_at, k.id) < (@before_at::timestamptz, @before_id::bigint)
  AND k.created_at >= @since::timestamptz
  AND (sqlc.narg('competency_id')::bigint IS NULL
       OR EXISTS (SELECT 1 FROM kudo_competencies kc WHERE kc.kudo_id = k.id AND kc.competency_id = sqlc.narg('competency_id')::bigint))
ORDER BY k.created_at DESC, k.id DESC
LIMIT @row_limit;

-- name: PeopleByHandles :many
-- Active people whose email's local part is one of the handles (for @mentions).
SELECT id, name, lower(split_part(email::text, '@', 1))::text AS handle
FROM users
WHERE org_id = @org_id AND active AND lower(split_part(email::text, '@', 1)) = ANY(@handles::text[]);

-- name: PeopleActiveByIDs :many
SELECT id, name FROM users WHERE org_id = @org_id AND active AND id = ANY(@ids::bigint[]);

-- name: TeamsOfPerson :many
SELECT team_id FROM team_members WHERE org_id = @org_id AND user_id = @user_id;

-- name: EquityMembers :many
-- Active people under @root_id (everyone when null), with their first team.
SELECT u.id, u.name, coalesce(pt.team_id, 0)::bigint AS team_id, coalesce(pt.team_name, '')::text AS team_name
FROM users u
LEFT JOIN LATERAL (
    SELECT t.id AS team_id, t.name AS team_name FROM team_members tm JOIN teams t ON t.id = tm.team_id
    WHERE tm.org_id = u.org_id AND tm.user_id = u.id ORDER BY t.id LIMIT 1
) pt ON true
WHERE u.org_id = @org_id AND u.active
  AND (sqlc.narg('root_id')::bigint IS NULL OR u.id IN (SELECT id FROM reports_under(@org_id, sqlc.narg('root_id')::bigint)));

-- name: EquityEdgesFromKudos :many
-- Recognitions the viewer may see, to or from the members, in [@since, @until),
-- one row per kudo and recipient, read from the kudos themselves. The
-- equity page reads EquityEdges; this is the definition it must agree with
-- (the tests compare the two).
SELECT k.author_id AS giver, r.user_id AS receiver, k.created_at,
    NOT EXISTS (SELECT 1 FROM team_members a JOIN team_members b ON a.team_id = b.team_id
                WHERE a.user_id = k.author_id AND b.user_id = r.user_id)::boolean AS cross_team
FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
WHERE k.org_id = @org_id AND k.created_at >= @since AND k.created_at < @until
  AND (k.visibility = 'org' OR k.author_id = @viewer_id OR kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id))
  -- IN (SELECT unnest) hashes the member list once; = ANY would compare
  -- every row against every member.
  AND (r.user_id IN (SELECT unnest(@members::bigint[])) OR k.author_id IN (SELECT unnest(@members::bigint[])));

-- name: EquityEdges :many
-- Recognitions the viewer may see, to or from the members, in [@since, @until),
-- counted per giver, receiver and time. Three parts:
--   * organisation-wide kudos of whole days, from the kept tallies (the day's
--     midnight, UTC, stands for their time): everyone may see them;
--   * organisation-wide kudos of the windows [@starts[i], @ends[i]) (the days
--     where the exact time matters), from the kudos;
--   * team and recipients-only kudos, from the kudos, starting from those the
--     viewer could see (their own, received, their teams', their reports')
--     and checked with kudo_visible().
-- The tallied days and the windows must not overlap and must cover [@since, @until).
WITH m AS (SELECT unnest(@members::bigint[]) AS id),
e AS (
    SELECT t.giver_id AS giver, t.receiver_id AS receiver,
        (t.day::timestamp AT TIME ZONE 'UTC')::timestamptz AS at, t.kudos::int AS kudos
    FROM kudo_tallies t
    WHERE t.org_id = @org_id AND t.day >= @from_day::date AND t.day < @to_day::date
      AND t.day <> ALL(@exact_days::date[])
      AND (t.receiver_id IN (SELECT id FROM m) OR t.giver_id IN (SELECT id FROM m))
    UNION ALL
    -- One window at a time (LATERAL, kept apart by OFFSET 0), so each is
    -- read by index: a window is at most a day.
    SELECT x.giver, x.receiver, x.created_at, 1
    FROM generate_subscripts(@starts::timestamptz[], 1) AS w(i)
    CROSS JOIN LATERAL (
        SELECT k.author_id AS giver, r.user_id AS receiver, k.created_at
        FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
        WHERE k.org_id = @org_id AND k.visibility = 'org'
          AND k.created_at >= (@starts::timestamptz[])[w.i] AND k.created_at < (@ends::timestamptz[])[w.i]
        OFFSET 0) x
    WHERE x.receiver IN (SELECT id FROM m) OR x.giver IN (SELECT id FROM m)
    UNION ALL
    SELECT k.author_id, r.user_id, k.created_at, 1
    FROM kudos k JOIN kudo_recipients r ON r.kudo_id = k.id
    WHERE k.org_id = @org_id AND k.visibility <> 'org' AND k.created_at >= @since AND k.created_at < @until
      AND k.id IN (
          SELECT ka.id FROM kudos ka
          WHERE ka.org_id = @org_id AND ka.author_id = @viewer_id AND ka.created_at >= @since AND ka.created_at < @until
          UNION ALL
          SELECT rv.kudo_id FROM kudo_recipients rv WHERE rv.org_id = @org_id AND rv.user_id = @viewer_id
          UNION ALL
          SELECT kt.id FROM team_members tm JOIN kudos kt ON kt.team_id = tm.team_id
          WHERE tm.org_id = @org_id AND tm.user_id = @viewer_id AND kt.created_at >= @since AND kt.created_at < @until
          UNION ALL
          SELECT rr.kudo_id FROM users u JOIN kudo_recipients rr ON rr.org_id = u.org_id AND rr.user_id = u.id
          WHERE u.org_id = @org_id AND u.manager_id = @viewer_id)
      AND kudo_visible(k.id, k.visibility, k.author_id, k.team_id, @viewer_id)
      AND (r.user_id IN (SELECT id FROM m) OR k.author_id IN (SELECT id FROM m))
)
SELECT e.giver::bigint AS giver, e.receiver::bigint AS receiver, e.at::timestamptz AS at, e.kudos::int AS kudos,
    NOT EXISTS (SELECT 1 FROM team_members a JOIN team_members b ON a.team_id = b.team_id
                WHERE a.user_id = e.giver AND b.user_id = e.receiver)::boolean AS cross_team
FROM e;

-- name: KudoTalliesRebuild :one
-- Recomputes the kept kudo tallies from the kudos; counts the rows that
-- were missing and those that should not have been there.
SELECT missing::bigint AS missing, stale::bigint AS stale FROM kudo_tallies_rebuild();

-- name: PeopleHandlesByIDs :many
-- The @handles of people, for writing recipients back into the edit form.
SELECT id, lower(split_part(email::text, '@', 1))::text AS handle
FROM users WHERE org_id = @org_id AND id = ANY(@ids::bigint[]);

-- name: KudoMailRecipients :many
-- The people a new kudo names who may see it (kudo_visible: a recipient
-- always may), for the "you received a kudo" email; not its author. Its
-- words are quoted only when everyone in the organisation may read them:
-- the outbox copy is read by admins, who may be outside a smaller audience.
SELECT u.id, u.name, u.email, u.time_zone, a.name AS author_name, o.name AS org_name,
       CASE WHEN k.visibility = 'org' THEN k.did ELSE '' END::text AS quote
FROM kudos k
JOIN kudo_recipients r ON r.kudo_id = k.id
JOIN users u ON u.id = r.user_id AND u.org_id = k.org_id
JOIN users a ON a.id = k.author_id
JOIN orgs o ON o.id = k.org_id
WHERE k.org_id = @org_id AND k.id = @kudo_id AND u.active AND u.id <> k.author_id
  AND kudo_visible(k.id, k.visibility, k.author_id, k.team_id, u.id)
ORDER BY u.id;
