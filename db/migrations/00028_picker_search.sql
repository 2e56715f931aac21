-- +goose Up
-- Finding people and teams by what someone remembers of them: part of a
-- name, a handle or an email, typed without accents and in any case
-- ("elod" finds Élodie, "lukasz" finds Łukasz). unaccent and pg_trgm ship
-- with PostgreSQL's contrib modules, as citext does.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (it reads a dictionary chosen by search_path),
-- so it cannot index. Naming the dictionary makes the result depend on its
-- argument alone, which is what IMMUTABLE promises.
-- +goose StatementBegin
CREATE FUNCTION search_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary, t))
$$;
-- +goose StatementEnd

-- The folded texts are stored, not recomputed: unaccent costs a few
-- microseconds a call, and a short search ranks thousands of rows.
-- search_name is the whole name ("Camille Lefebvre" typed in kudos, and
-- name prefixes ranked first); search_text is what a person is found by:
-- name, then the full email (whose local part is their @handle).
ALTER TABLE users
    ADD COLUMN search_name text GENERATED ALWAYS AS (search_fold(name)) STORED,
    ADD COLUMN search_text text GENERATED ALWAYS AS (search_fold(name || ' ' || email::text)) STORED;
CREATE INDEX users_search_trgm_idx ON users USING gin (search_text gin_trgm_ops);
-- Byte order ("C"), whatever the database's collation, so that the names
-- starting with a short text are one range of this index: the trigram
-- index cannot help with fewer than three letters.
CREATE INDEX users_org_search_name_idx ON users (org_id, search_name COLLATE "C");

ALTER TABLE teams ADD COLUMN search_name text GENERATED ALWAYS AS (search_fold(name)) STORED;
CREATE INDEX teams_search_trgm_idx ON teams USING gin (search_name gin_trgm_ops);
CREATE INDEX teams_org_search_name_idx ON teams (org_id, search_name COLLATE "C");

-- +goose Down
ALTER TABLE teams DROP COLUMN search_name;
ALTER TABLE users DROP COLUMN search_text, DROP COLUMN search_name;
DROP FUNCTION search_fold(text);
