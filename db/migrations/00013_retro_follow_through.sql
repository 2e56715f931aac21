-- +goose Up
-- Retro actions count towards a person's follow-through in reviews, next to
-- their 1:1 actions. Dropped actions were a team decision, not a promise
-- broken, so they are left out.
CREATE OR REPLACE VIEW follow_through_actions AS
    SELECT a.org_id, a.owner_id, a.due_on, a.done_at, 'oneonone'::text AS source, a.meeting_id AS ref_id
    FROM action_items a
    UNION ALL
    SELECT r.org_id, r.owner_id, r.due_on, r.done_at, 'retro'::text AS source, r.retro_id AS ref_id
    FROM retro_actions r
    WHERE r.status <> 'dropped';

CREATE INDEX retro_actions_owner_due_idx ON retro_actions (org_id, owner_id, due_on) INCLUDE (done_at, status);

-- +goose Down
DROP INDEX retro_actions_owner_due_idx;
CREATE OR REPLACE VIEW follow_through_actions AS
    SELECT a.org_id, a.owner_id, a.due_on, a.done_at, 'oneonone'::text AS source, a.meeting_id AS ref_id
    FROM action_items a;
