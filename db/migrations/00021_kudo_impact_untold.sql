-- +goose Up
-- A kudo made from a card of a retro's Kudos column has the card's words for
-- what they did, and nothing yet for what it changed: that is the author's
-- to say. Such kudos used to get a stock sentence; it goes, as nobody wrote it.
ALTER TABLE kudos DROP CONSTRAINT kudos_impact_check;
ALTER TABLE kudos ADD CONSTRAINT kudos_impact_check CHECK (length(impact) <= 2000);
UPDATE kudos SET impact = ''
WHERE impact = 'Shared in the team''s retrospective.'
  AND id IN (SELECT kudo_id FROM retro_cards WHERE kudo_id IS NOT NULL);

-- +goose Down
UPDATE kudos SET impact = 'Shared in the team''s retrospective.' WHERE impact = '';
ALTER TABLE kudos DROP CONSTRAINT kudos_impact_check;
ALTER TABLE kudos ADD CONSTRAINT kudos_impact_check CHECK (length(impact) BETWEEN 1 AND 2000);
