-- Operations: what the metrics endpoint reads.

-- name: JobStatsByKindState :many
-- Jobs by kind and state, with the age of the oldest: for available jobs
-- since they were due (queue latency), for running ones since their attempt
-- began (stuck jobs). One pass over River's table; the metrics collector
-- caches the answer.
SELECT
  kind,
  state::text AS state,
  count(*)::bigint AS jobs,
  COALESCE(EXTRACT(EPOCH FROM now() - min(
    CASE state
      WHEN 'available' THEN scheduled_at
      WHEN 'running' THEN attempted_at
    END)), 0)::float8 AS oldest_seconds
FROM river.river_job
GROUP BY kind, state
ORDER BY kind, state;
