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

-- What a person is found by: name, then the full email (whose local part is
-- their @handle). The same expression is written in db/queries/picker.sql.
CREATE INDEX users_search_trgm_idx ON users
    USING gin (search_fold(name || ' ' || email::text) gin_trgm_ops);
-- A typed whole name ("Camille Lefebvre") resolved to the people who bear it.
CREATE INDEX users_org_folded_name_idx ON users (org_id, search_fold(name));
CREATE INDEX teams_search_trgm_idx ON teams
    USING gin (search_fold(name) gin_trgm_ops);

-- +goose Down
DROP INDEX teams_search_trgm_idx;
DROP INDEX users_org_folded_name_idx;
DROP INDEX users_search_trgm_idx;
DROP FUNCTION search_fold(text);
