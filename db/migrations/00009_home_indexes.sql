-- +goose Up
-- The home page lists the talking points a person added to upcoming 1:1s.
CREATE INDEX agenda_items_author_open_idx ON agenda_items (org_id, author_id) WHERE NOT done;
-- "My 1:1s" looks a person up on either side of a series.
CREATE INDEX oneonone_series_manager_idx ON oneonone_series (org_id, manager_id);

-- +goose Down
DROP INDEX oneonone_series_manager_idx;
DROP INDEX agenda_items_author_open_idx;
