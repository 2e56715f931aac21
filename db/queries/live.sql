-- Live events (package live): written in the transaction of each change,
-- read by every replica's hub after a notification.

-- name: LiveEventPublish :one
-- One round trip: the topic's transaction lock is taken before the id is
-- drawn, and the notification is queued with the row.
WITH lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(@lock_class::int, hashtext(@topic::text))),
     ins AS (INSERT INTO live_events (topic, kind, data)
             SELECT @topic::text, @kind::text, @data::jsonb FROM lock
             RETURNING id)
SELECT id, pg_notify(@channel::text, @topic::text || ':' || id)::text AS notified FROM ins;

-- name: LiveEventsAfter :many
SELECT id, topic, kind, data, created_at FROM live_events
 WHERE topic = @topic AND id > @after_id
 ORDER BY id
 LIMIT @max_rows;

-- name: LiveEventsNewest :many
-- The newest events after an id, oldest first.
SELECT e.id, e.topic, e.kind, e.data, e.created_at FROM (
    SELECT id, topic, kind, data, created_at FROM live_events
     WHERE topic = @topic AND id > @after_id
     ORDER BY id DESC
     LIMIT @max_rows) AS e
 ORDER BY e.id;

-- name: LiveEventLastID :one
SELECT coalesce(max(id), 0)::bigint AS id FROM live_events WHERE topic = @topic;

-- name: LiveEventsPrune :execrows
DELETE FROM live_events WHERE created_at < now() - make_interval(secs => @retention_secs::float8);
