-- +goose Up
CREATE TYPE ritual_cadence AS ENUM ('weekly', 'biweekly', 'monthly');

-- A recognition ritual: a recurring team moment (e.g. "Friday shout-outs")
-- whose board gathers the kudos of each period.
CREATE TABLE rituals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL,
    team_id     bigint NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    cadence     ritual_cadence NOT NULL,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6), -- the ritual's day; monthly: its last such day
    hour        smallint NOT NULL DEFAULT 16 CHECK (hour BETWEEN 0 AND 23),
    time_zone   text NOT NULL DEFAULT 'UTC',
    starts_on   date NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);
CREATE INDEX rituals_team_idx ON rituals (org_id, team_id);
CREATE UNIQUE INDEX rituals_team_name_idx ON rituals (team_id, lower(name));

-- +goose Down
DROP TABLE rituals;
DROP TYPE ritual_cadence;
