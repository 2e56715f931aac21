-- +goose Up
-- Retros whose anonymous cards changed since their last batch. A card write
-- marks its retro here instead of publishing a live event; a periodic job
-- (retro.Service.RunSealer) and the move out of Reflect rewrite the retro's
-- anonymous cards together in a random order and publish one event, so no
-- card row or event keeps the transaction, the time or the order of the
-- request that wrote it. The row names a retro, never a person.
-- One row per write, never updated: a write never waits for a batch that is
-- taking the retro's marks.
CREATE TABLE retro_card_changes (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    retro_id bigint NOT NULL REFERENCES retros(id) ON DELETE CASCADE
);
CREATE INDEX retro_card_changes_retro_idx ON retro_card_changes (retro_id);

-- +goose Down
DROP TABLE retro_card_changes;
