-- +goose Up
-- Why a person left, said (optionally) by the admin who deactivates them;
-- when they left is users.deactivated_at. The outcomes page counts leavers
-- by it (docs/metrics.md, "Outcomes"). Reactivation clears it.
ALTER TABLE users ADD COLUMN left_reason text NOT NULL DEFAULT ''
    CHECK (left_reason IN ('', 'resigned', 'let-go', 'end-of-contract', 'retired', 'other'));

-- Leavers of a period: people deactivated in it, by organisation.
CREATE INDEX users_org_deactivated_idx ON users (org_id, deactivated_at) WHERE deactivated_at IS NOT NULL;

-- +goose Down
DROP INDEX users_org_deactivated_idx;
ALTER TABLE users DROP COLUMN left_reason;
