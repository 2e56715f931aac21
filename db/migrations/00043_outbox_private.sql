-- Words of a message only its recipient may read, such as the points of a
-- 1:1's agenda (which only the two people of the 1:1 see): admins reading the
-- outbox see them blanked, and the copy kept once the message is sent loses
-- them, as it loses its one-time link.

-- +goose Up
ALTER TABLE outbox ADD COLUMN private text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE outbox DROP COLUMN private;
