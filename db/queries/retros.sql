-- name: RetroAccess :one
-- What a person may do with a team's retros: a member takes part; a member
-- who manages another member, or one the team named, facilitates (so does any
-- member of a team without a manager in it); a manager above a member reads.
SELECT
    EXISTS (SELECT 1 FROM team_members x WHERE x.org_id = @org_id AND x.team_id = @team_id AND x.user_id = @user_id) AS member,
    EXISTS (SELECT 1 FROM team_members m JOIN users r ON r.org_id = m.org_id AND r.id = m.user_id
            JOIN team_members me ON me.org_id = m.org_id AND me.team_id = m.team_id AND me.user_id = @user_id
            WHERE m.org_id = @org_id AND m.team_id = @team_id AND r.manager_id = @user_id) AS manages_member,
    EXISTS (SELECT 1 FROM team_members m JOIN users r ON r.org_id = m.org_id AND r.id = m.user_id
            JOIN team_members boss ON boss.org_id = m.org_id AND boss.team_id = m.team_id AND boss.user_id = r.manager_id
            WHERE m.org_id = @org_id AND m.team_id = @team_id) AS has_manager,
    EXISTS (SELECT 1 FROM retro_facilitators f JOIN team_members tm ON tm.org_id = f.org_id AND tm.team_id = f.team_id AND tm.user_id = f.user_id
            WHERE f.org_id = @org_id AND f.team_id = @team_id AND f.user_id = @user_id) AS named,
    EXISTS (SELECT 1 FROM team_members c JOIN reports_under(@org_id, @user_id) r ON r.id = c.user_id
            WHERE c.org_id = @org_id AND c.team_id = @team_id) AS chain;

-- name: RetroTeamMembers :many
SELECT u.id, u.name FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
WHERE tm.org_id = @org_id AND tm.team_id = @team_id AND u.active
ORDER BY lower(u.name), u.id;

-- name: RetroFacilitators :many
SELECT u.id, u.name FROM retro_facilitators f JOIN users u ON u.org_id = f.org_id AND u.id = f.user_id
WHERE f.org_id = @org_id AND f.team_id = @team_id
ORDER BY lower(u.name), u.id;

-- name: RetroFacilitatorAdd :exec
INSERT INTO retro_facilitators (org_id, team_id, user_id) VALUES (@org_id, @team_id, @user_id)
ON CONFLICT DO NOTHING;

-- name: RetroFacilitatorRemove :exec
DELETE FROM retro_facilitators WHERE org_id = @org_id AND team_id = @team_id AND user_id = @user_id;

-- name: RetroCreate :one
-- A repeated form key stores nothing (no row either).
INSERT INTO retros (org_id, team_id, title, template, anonymous, votes_per_person, max_votes_per_card, timebox_minutes, created_by, phase_started_at, idem_key)
VALUES (@org_id, @team_id, @title, @template, @anonymous, @votes_per_person, @max_votes_per_card, @timebox_minutes, @created_by, @started_at, @idem_key)
ON CONFLICT (team_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: RetroByIdem :one
SELECT id FROM retros WHERE org_id = @org_id AND team_id = @team_id AND idem_key = @idem_key AND idem_key <> '';

-- name: RetroColumnAdd :exec
INSERT INTO retro_columns (org_id, retro_id, position, title, kudos)
VALUES (@org_id, @retro_id, @position, @title, @kudos);

-- name: RetroGet :one
SELECT r.id, r.org_id, r.team_id, t.name AS team_name, r.title, r.template, r.anonymous, r.votes_per_person,
       r.max_votes_per_card, r.timebox_minutes, r.phase, r.phase_started_at, r.created_at, r.closed_at
FROM retros r JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
WHERE r.org_id = @org_id AND r.id = @id;

-- name: RetrosForTeam :many
SELECT r.id, r.org_id, r.team_id, t.name AS team_name, r.title, r.template, r.anonymous, r.votes_per_person,
       r.max_votes_per_card, r.timebox_minutes, r.phase, r.phase_started_at, r.created_at, r.closed_at
FROM retros r JOIN teams t ON t.org_id = r.org_id AND t.id = r.team_id
WHERE r.org_id = @org_id AND r.team_id = @team_id
ORDER BY r.created_at DESC, r.id DESC
LIMIT 200;

-- name: RetroMove :execrows
UPDATE retros SET phase = @to_phase, phase_started_at = @now,
    closed_at = CASE WHEN @to_phase::retro_phase = 'done' THEN @now::timestamptz ELSE NULL END
WHERE org_id = @org_id AND id = @id AND phase = @from_phase;

-- name: RetroLock :one
SELECT phase FROM retros WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: RetroColumns :many
SELECT id, position, title, kudos FROM retro_columns
WHERE org_id = @org_id AND retro_id = @retro_id ORDER BY position, id;

-- name: RetroCards :many
SELECT c.id, c.column_id, c.group_id, c.body, c.author_id, c.author_nonce, c.author_tag, c.kudo_visibility,
       coalesce(u.name, '')::text AS author_name
FROM retro_cards c LEFT JOIN users u ON u.org_id = c.org_id AND u.id = c.author_id
WHERE c.org_id = @org_id AND c.retro_id = @retro_id
ORDER BY c.position, c.id;

-- name: RetroCardAdd :one
-- Only while the retro is in Reflect; no row means it has moved on.
-- A repeated idem_key stores nothing (no row either).
INSERT INTO retro_cards (org_id, retro_id, column_id, position, body, author_id, author_nonce, author_tag, kudo_visibility, idem_key, created_at)
SELECT r.org_id, r.id, @column_id, coalesce((SELECT max(position) FROM retro_cards WHERE retro_id = r.id), 0) + 1,
       @body, sqlc.narg(author_id)::bigint, sqlc.narg(author_nonce)::bytea, sqlc.narg(author_tag)::bytea, @kudo_visibility, @idem_key,
       CASE WHEN sqlc.narg(author_id)::bigint IS NULL THEN NULL ELSE now() END
FROM retros r WHERE r.org_id = @org_id AND r.id = @retro_id AND r.phase = 'reflect'
ON CONFLICT (retro_id, idem_key) WHERE idem_key <> '' DO NOTHING
RETURNING id;

-- name: RetroCardByIdem :one
SELECT id FROM retro_cards WHERE org_id = @org_id AND retro_id = @retro_id AND idem_key = @idem_key AND idem_key <> '';

-- name: RetroCardUpdate :execrows
UPDATE retro_cards c SET body = @body
FROM retros r
WHERE c.org_id = @org_id AND c.retro_id = @retro_id AND c.id = @id
  AND r.org_id = c.org_id AND r.id = c.retro_id AND r.phase = 'reflect';

-- name: RetroCardDelete :execrows
DELETE FROM retro_cards c USING retros r
WHERE c.org_id = @org_id AND c.retro_id = @retro_id AND c.id = @id
  AND r.org_id = c.org_id AND r.id = c.retro_id AND r.phase = 'reflect';

-- name: RetroGroupCreate :one
INSERT INTO retro_groups (org_id, retro_id, name) VALUES (@org_id, @retro_id, @name) RETURNING id;

-- name: RetroCardGroup :execrows
UPDATE retro_cards SET group_id = sqlc.narg(group_id)::bigint
WHERE org_id = @org_id AND retro_id = @retro_id AND id = @id;

-- name: RetroGroupsPrune :exec
-- Groups left without cards disappear.
DELETE FROM retro_groups g
WHERE g.org_id = @org_id AND g.retro_id = @retro_id
  AND NOT EXISTS (SELECT 1 FROM retro_cards c WHERE c.retro_id = g.retro_id AND c.group_id = g.id);

-- name: RetroGroups :many
SELECT id, name FROM retro_groups WHERE org_id = @org_id AND retro_id = @retro_id ORDER BY id;

-- name: RetroGroupExists :one
SELECT EXISTS (SELECT 1 FROM retro_groups WHERE org_id = @org_id AND retro_id = @retro_id AND id = @id);

-- name: RetroCardGroupOf :one
-- A card's group (none: NULL and ''), to tell a move that changes nothing.
SELECT c.group_id, coalesce(g.name, '')::text AS group_name
FROM retro_cards c LEFT JOIN retro_groups g ON g.retro_id = c.retro_id AND g.id = c.group_id
WHERE c.org_id = @org_id AND c.retro_id = @retro_id AND c.id = @id;

-- name: RetroCardExists :one
SELECT EXISTS (SELECT 1 FROM retro_cards WHERE org_id = @org_id AND retro_id = @retro_id AND id = @id);

-- name: RetroVoteCounts :one
-- The voter's votes in the retro, and on one topic.
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE card_id IS NOT DISTINCT FROM sqlc.narg(card_id)::bigint
                          AND group_id IS NOT DISTINCT FROM sqlc.narg(group_id)::bigint)::int AS on_topic
FROM retro_votes WHERE org_id = @org_id AND retro_id = @retro_id AND voter_id = @voter_id;

-- name: RetroVoteKeyUsed :one
SELECT EXISTS (SELECT 1 FROM retro_votes WHERE retro_id = @retro_id AND voter_id = @voter_id AND idem_key = @idem_key);

-- name: RetroVoteAdd :execrows
INSERT INTO retro_votes (org_id, retro_id, voter_id, card_id, group_id, idem_key)
VALUES (@org_id, @retro_id, @voter_id, sqlc.narg(card_id)::bigint, sqlc.narg(group_id)::bigint, @idem_key)
ON CONFLICT (retro_id, voter_id, idem_key) DO NOTHING;

-- name: RetroVoteRemove :execrows
DELETE FROM retro_votes WHERE id = (
    SELECT v.id FROM retro_votes v
    WHERE v.org_id = @org_id AND v.retro_id = @retro_id AND v.voter_id = @voter_id
      AND v.card_id IS NOT DISTINCT FROM sqlc.narg(card_id)::bigint
      AND v.group_id IS NOT DISTINCT FROM sqlc.narg(group_id)::bigint
    LIMIT 1);

-- name: RetroTallies :many
SELECT card_id, group_id, count(*)::int AS n FROM retro_votes
WHERE org_id = @org_id AND retro_id = @retro_id
GROUP BY card_id, group_id;

-- name: RetroVotesOf :many
SELECT card_id, group_id, count(*)::int AS n FROM retro_votes
WHERE org_id = @org_id AND retro_id = @retro_id AND voter_id = @voter_id
GROUP BY card_id, group_id;

-- name: RetroNoteAdd :execrows
INSERT INTO retro_notes (org_id, retro_id, card_id, group_id, body, idem_key)
VALUES (@org_id, @retro_id, sqlc.narg(card_id)::bigint, sqlc.narg(group_id)::bigint, @body, @idem_key)
ON CONFLICT (retro_id, idem_key) WHERE idem_key <> '' DO NOTHING;

-- name: RetroNotes :many
SELECT id, card_id, group_id, body FROM retro_notes WHERE org_id = @org_id AND retro_id = @retro_id ORDER BY id;

-- name: RetroActionAdd :execrows
INSERT INTO retro_actions (org_id, retro_id, team_id, body, owner_id, due_on, idem_key)
VALUES (@org_id, @retro_id, @team_id, @body, @owner_id, @due_on, @idem_key)
ON CONFLICT (retro_id, idem_key) WHERE idem_key <> '' DO NOTHING;

-- name: RetroActionReview :execrows
UPDATE retro_actions SET status = @status, reviewed_retro_id = @reviewed_retro_id,
    done_at = CASE WHEN @status::retro_action_status = 'done' THEN coalesce(done_at, @now::timestamptz) ELSE NULL END
WHERE org_id = @org_id AND team_id = @team_id AND id = @id AND retro_id <> @reviewed_retro_id
  AND (status IS DISTINCT FROM @status OR reviewed_retro_id IS DISTINCT FROM @reviewed_retro_id);

-- name: RetroActionReviewable :one
SELECT EXISTS (SELECT 1 FROM retro_actions
               WHERE org_id = @org_id AND team_id = @team_id AND id = @id AND retro_id <> @retro_id);

-- name: RetroActionsOfRetro :many
SELECT a.id, a.retro_id, r.title AS retro_title, a.team_id, t.name AS team_name, a.body, a.owner_id, u.name AS owner_name,
       a.due_on, a.status, a.done_at, a.reviewed_retro_id, a.created_at
FROM retro_actions a
JOIN retros r ON r.org_id = a.org_id AND r.id = a.retro_id
JOIN teams t ON t.org_id = a.org_id AND t.id = a.team_id
JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
WHERE a.org_id = @org_id AND a.retro_id = @retro_id
ORDER BY a.id;

-- name: RetroActionsOpenForTeam :many
-- The team's actions from other retros that are still open, and those this
-- retro has already reviewed (so the review stays visible).
SELECT a.id, a.retro_id, r.title AS retro_title, a.team_id, t.name AS team_name, a.body, a.owner_id, u.name AS owner_name,
       a.due_on, a.status, a.done_at, a.reviewed_retro_id, a.created_at
FROM retro_actions a
JOIN retros r ON r.org_id = a.org_id AND r.id = a.retro_id
JOIN teams t ON t.org_id = a.org_id AND t.id = a.team_id
JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
WHERE a.org_id = @org_id AND a.team_id = @team_id AND a.retro_id <> @retro_id
  AND (a.status = 'open' OR a.reviewed_retro_id = @retro_id)
ORDER BY a.due_on, a.id
LIMIT 200;

-- name: RetroActionsOpenForOwner :many
SELECT a.id, a.retro_id, r.title AS retro_title, a.team_id, t.name AS team_name, a.body, a.owner_id, u.name AS owner_name,
       a.due_on, a.status, a.done_at, a.reviewed_retro_id, a.created_at
FROM retro_actions a
JOIN retros r ON r.org_id = a.org_id AND r.id = a.retro_id
JOIN teams t ON t.org_id = a.org_id AND t.id = a.team_id
JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
WHERE a.org_id = @org_id AND a.owner_id = @owner_id AND a.status = 'open'
ORDER BY a.due_on, a.id
LIMIT 50;

-- name: RetroFollowThrough :many
-- Per quarter of the due date: actions due (dropped ones don't count) and
-- those done by their due date.
SELECT date_trunc('quarter', a.due_on)::date AS quarter,
       count(*)::int AS due,
       count(*) FILTER (WHERE a.status = 'done' AND a.done_at < a.due_on + 1)::int AS done_on_due
FROM retro_actions a
WHERE a.org_id = @org_id AND a.team_id = @team_id AND a.status <> 'dropped'
  AND a.due_on >= @since AND a.due_on <= current_date
GROUP BY 1 ORDER BY 1;

-- name: RetroKudoCards :many
SELECT c.id, c.author_id::bigint AS author_id, c.body, c.kudo_visibility
FROM retro_cards c JOIN retro_columns col ON col.retro_id = c.retro_id AND col.id = c.column_id
WHERE c.org_id = @org_id AND c.retro_id = @retro_id AND col.kudos AND c.author_id IS NOT NULL AND c.kudo_id IS NULL
ORDER BY c.position;

-- name: RetroCardMarkKudo :exec
UPDATE retro_cards SET kudo_id = @kudo_id WHERE org_id = @org_id AND id = @id;
