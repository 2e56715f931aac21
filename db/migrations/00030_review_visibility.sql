-- +goose Up
-- The participants of a review cycle a viewer may see: everyone when the
-- viewer sees all of the organisation's reviews (admins), else their own
-- review, the reviews they write and those of their reporting tree. The
-- one rule for "which reviews of this cycle may I list": the cycle page,
-- its counts and every export read it. A plain SQL set-returning function,
-- so the planner inlines it into each query.
-- +goose StatementBegin
CREATE FUNCTION review_participants_visible(org bigint, cycle bigint, viewer bigint, all_visible boolean)
RETURNS TABLE (person_id bigint, manager_id bigint, state review_state) LANGUAGE sql STABLE AS $$
    SELECT p.person_id, p.manager_id, p.state
    FROM review_participants p
    WHERE p.org_id = org AND p.cycle_id = cycle
      AND (all_visible OR p.person_id = viewer OR p.manager_id = viewer
           OR p.person_id IN (SELECT id FROM reports_under(org, viewer)))
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION review_participants_visible(bigint, bigint, bigint, boolean);
