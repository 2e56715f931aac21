-- +goose Up
-- Sign-in and password-reset attempt counters, shared by every replica. A
-- key names what is limited (an address, an account from an address, ...).
-- hits counts attempts since window_start; blocked_until, when in the future,
-- refuses further attempts until then. Rows idle for a day are pruned.
CREATE TABLE rate_limits (
    key           text PRIMARY KEY CHECK (length(key) <= 400),
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL DEFAULT 0,
    last_hit      timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL
);
CREATE INDEX rate_limits_last_hit_idx ON rate_limits (last_hit);

-- +goose Down
DROP TABLE rate_limits;
