-- +goose Up
-- A person's saved sets of talking points: a 1:1 can start from one.
CREATE TABLE agenda_templates (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL,
    owner_id   bigint NOT NULL,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    items      text[] NOT NULL CHECK (cardinality(items) BETWEEN 1 AND 20),
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, owner_id) REFERENCES users(org_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX agenda_templates_name_idx ON agenda_templates (org_id, owner_id, lower(name));

-- +goose Down
DROP TABLE agenda_templates;
