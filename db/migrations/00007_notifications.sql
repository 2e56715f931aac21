-- +goose Up
-- One incoming-webhook address per team (Slack-compatible), set by an admin.
-- The address is a secret: the application only ever shows it masked.
CREATE TABLE team_webhooks (
    org_id      bigint NOT NULL,
    team_id     bigint NOT NULL PRIMARY KEY,
    url         text NOT NULL CHECK (length(url) BETWEEN 9 AND 2048 AND starts_with(url, 'https://')),
    created_by  bigint,
    updated_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);
CREATE INDEX team_webhooks_org_idx ON team_webhooks (org_id);

-- One row per notification and team, written by the delivery job: retries of a
-- job (or the same kudo enqueued twice) update the same row. kudo_id becomes
-- NULL when the kudo is deleted so the delivery history survives it.
CREATE TABLE webhook_deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL,
    team_id      bigint NOT NULL,
    kudo_id      bigint REFERENCES kudos(id) ON DELETE SET NULL,
    kind         text NOT NULL CHECK (kind IN ('kudo', 'ritual_reminder')),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts     int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text NOT NULL DEFAULT '' CHECK (length(last_error) <= 300),
    -- The background job that last worked this row (River's river_job.id).
    job_id       bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    -- NULLs are distinct, so this only constrains rows that name a kudo. kudo_id
    -- leads so that deleting a kudo finds its rows through this index.
    UNIQUE (kudo_id, team_id, kind),
    CHECK (kind = 'kudo' OR kudo_id IS NULL),
    FOREIGN KEY (org_id, team_id) REFERENCES teams(org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_org_time_idx ON webhook_deliveries (org_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_team_idx ON webhook_deliveries (team_id);
CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id) WHERE status = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE team_webhooks;
