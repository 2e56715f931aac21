-- The columns of River's job table that Rapport's own queries read, so that
-- sqlc can check them. Not a migration: River creates and migrates its
-- tables itself (notify.MigrateRiver), in the schema "river".
CREATE SCHEMA river;

CREATE TYPE river.river_job_state AS ENUM(
  'available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled'
);

CREATE TABLE river.river_job(
  id bigserial PRIMARY KEY,
  state river.river_job_state NOT NULL DEFAULT 'available',
  attempt smallint NOT NULL DEFAULT 0,
  max_attempts smallint NOT NULL,
  attempted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  finalized_at timestamptz,
  scheduled_at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  queue text NOT NULL DEFAULT 'default'
);
