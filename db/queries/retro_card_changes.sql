-- Batches of anonymous card changes (migration 00017): a card write marks its
-- retro; a batch rewrites the retro's anonymous cards together in a random
-- order and announces them with one event.

-- name: RetroCardChangeMark :exec
INSERT INTO retro_card_changes (retro_id) VALUES (@retro_id);

-- name: RetroCardChangesTake :many
-- Takes up to 1000 marks and returns their retros; marks another batch is
-- taking are skipped, marks committed later are left for the next batch.
DELETE FROM retro_card_changes WHERE id IN (
    SELECT c.id FROM retro_card_changes c ORDER BY c.id LIMIT 1000 FOR UPDATE SKIP LOCKED)
RETURNING retro_id;

-- name: RetroCardChangeClear :exec
-- Without waiting for a batch that is taking some of the marks.
DELETE FROM retro_card_changes WHERE id IN (
    SELECT c.id FROM retro_card_changes c WHERE c.retro_id = @retro_id FOR UPDATE SKIP LOCKED);

-- name: RetroAnonymousOf :one
SELECT anonymous FROM retros WHERE org_id = @org_id AND id = @id;

-- name: RetroPhaseLock :one
-- The retro's phase, locked against a concurrent move until commit (card
-- writes, which only key-share the row, go on).
SELECT phase FROM retros WHERE id = @id FOR NO KEY UPDATE;

-- name: RetroAnonymousCardIDs :many
SELECT id FROM retro_cards WHERE retro_id = @retro_id AND author_id IS NULL ORDER BY id FOR UPDATE;

-- name: RetroCardRandomPosition :exec
-- An anonymous card's board place says nothing of when it was written.
UPDATE retro_cards SET position = floor(random() * 1e15)::bigint
WHERE retro_id = @retro_id AND id = @id AND author_id IS NULL;

-- name: RetroCardRewrite :exec
-- Writes the row again as it is: a new version, in this transaction, at the
-- end of the table.
UPDATE retro_cards SET position = position WHERE retro_id = @retro_id AND id = @id;

-- name: RetroAnonymousCardsReferenced :one
-- Whether votes or notes point at the retro's cards (a retro moved back to
-- Reflect): then card ids must stay.
SELECT EXISTS (SELECT 1 FROM retro_votes v WHERE v.retro_id = @retro_id AND v.card_id IS NOT NULL
               UNION ALL
               SELECT 1 FROM retro_notes n WHERE n.retro_id = @retro_id AND n.card_id IS NOT NULL);

-- name: RetroAnonymousCardsTake :many
DELETE FROM retro_cards WHERE retro_id = @retro_id AND author_id IS NULL
RETURNING org_id, column_id, group_id, body, author_nonce, author_tag, kudo_visibility, idem_key;

-- name: RetroAnonymousCardPut :exec
INSERT INTO retro_cards (org_id, retro_id, column_id, group_id, position, body, author_nonce, author_tag, kudo_visibility, idem_key)
VALUES (@org_id, @retro_id, @column_id, sqlc.narg(group_id)::bigint, @position, @body, @author_nonce, @author_tag, @kudo_visibility, @idem_key);
