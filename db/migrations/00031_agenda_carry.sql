-- +goose Up
-- A talking point remembers the day it was first raised (shown as "from
-- 12 Nov" while it carries over) and can be dropped: a dropped point stays
-- on its meeting but no longer carries over.
ALTER TABLE agenda_items ADD COLUMN raised_at timestamptz;
ALTER TABLE agenda_items ADD COLUMN dropped_at timestamptz;
-- A held meeting keeps its points as they were: an open point carries over
-- as a copy on the next meeting. carried_to is the meeting a point was
-- carried on to (it carries no further from here); copied_from is, on the
-- copy, the point it was copied from, so a point raised once counts once.
ALTER TABLE agenda_items ADD COLUMN carried_to bigint;
ALTER TABLE agenda_items ADD COLUMN copied_from bigint;

UPDATE agenda_items SET raised_at = created_at WHERE carried > 0;

-- Open points repeated on one meeting (carried over more than once) keep
-- one copy: the one raised first.
DELETE FROM agenda_items a USING agenda_items b
WHERE a.meeting_id = b.meeting_id AND lower(a.body) = lower(b.body)
  AND NOT a.done AND NOT b.done
  AND (coalesce(a.raised_at, a.created_at), a.id) > (coalesce(b.raised_at, b.created_at), b.id);

-- +goose Down
ALTER TABLE agenda_items DROP COLUMN copied_from;
ALTER TABLE agenda_items DROP COLUMN carried_to;
ALTER TABLE agenda_items DROP COLUMN dropped_at;
ALTER TABLE agenda_items DROP COLUMN raised_at;
