-- +goose Up
-- Live updates (server-sent events) fanned out across replicas. A change writes
-- one row here in its own transaction and NOTIFYs channel live_events with
-- '<topic>:<id>'; every replica's hub wakes up, reads the topic's new rows and
-- streams them to the browsers watching that topic. Rows are kept for a day so
-- that a browser that lost its connection, or a replica that lost its LISTEN
-- connection, can catch up by id. Rows hold no personal data a watcher of the
-- topic may not see (see live.Publish).
CREATE TABLE live_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic      text NOT NULL CHECK (length(topic) BETWEEN 1 AND 200),
    kind       text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    data       jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Replay and catch-up read one topic after an id.
CREATE INDEX live_events_topic_idx ON live_events (topic, id);
-- Pruning deletes by age.
CREATE INDEX live_events_created_idx ON live_events (created_at);

-- +goose Down
DROP TABLE live_events;
