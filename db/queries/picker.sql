-- Finding people and teams for the picker (migration 00028). @q is the
-- typed text with LIKE wildcards escaped and words separated by one space;
-- @first is its longest word, the one the trigram index answers; every
-- other word must appear too, in any order. Names starting with the text
-- come first, then names with a word starting with it or handles starting
-- with it, then any other match.

-- name: PeopleSearch :many
SELECT u.id, u.name, u.title, u.active,
       lower(split_part(u.email::text, '@', 1))::text AS handle,
       coalesce((SELECT string_agg(t.name, ', ' ORDER BY lower(t.name))
                 FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
                 WHERE tm.org_id = u.org_id AND tm.user_id = u.id), '')::text AS teams
FROM users u
WHERE u.org_id = @org_id
  AND (u.active OR @include_inactive::bool)
  AND u.search_text LIKE '%' || search_fold(@first::text) || '%'
  AND NOT EXISTS (
      SELECT 1 FROM unnest(string_to_array(search_fold(@q::text), ' ')) AS w(word)
      WHERE u.search_text NOT LIKE '%' || w.word || '%')
ORDER BY
  CASE WHEN u.search_name LIKE search_fold(@q::text) || '%' THEN 0
       WHEN u.search_name LIKE '% ' || search_fold(@q::text) || '%' THEN 1
       WHEN lower(split_part(u.email::text, '@', 1)) LIKE search_fold(@first::text) || '%' THEN 1
       ELSE 2 END,
  u.active DESC, u.search_name, u.id
LIMIT @row_limit;

-- name: PeopleSearchPrefix :many
-- PeopleSearch for a text whose words are all shorter than three letters:
-- names starting with its first word (@q), in order, read as one range of
-- users_org_search_name_idx (U+10FFFF sorts after every character), with
-- a later word starting with each other word (@pattern, "ca% m%").
SELECT u.id, u.name, u.title, u.active,
       lower(split_part(u.email::text, '@', 1))::text AS handle,
       coalesce((SELECT string_agg(t.name, ', ' ORDER BY lower(t.name))
                 FROM team_members tm JOIN teams t ON t.org_id = tm.org_id AND t.id = tm.team_id
                 WHERE tm.org_id = u.org_id AND tm.user_id = u.id), '')::text AS teams
FROM users u
WHERE u.org_id = @org_id
  AND (u.active OR @include_inactive::bool)
  AND u.search_name COLLATE "C" >= search_fold(@q::text)
  AND u.search_name COLLATE "C" < search_fold(@q::text) || chr(1114111)
  AND u.search_name LIKE search_fold(@pattern::text)
ORDER BY u.search_name COLLATE "C", u.id
LIMIT @row_limit;

-- name: TeamsSearchPrefix :many
-- TeamsSearch for a text whose words are all shorter than three letters.
SELECT t.id, t.name,
       (SELECT count(*) FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
        WHERE tm.org_id = t.org_id AND tm.team_id = t.id AND u.active) AS member_count
FROM teams t
WHERE t.org_id = @org_id
  AND t.search_name COLLATE "C" >= search_fold(@q::text)
  AND t.search_name COLLATE "C" < search_fold(@q::text) || chr(1114111)
  AND t.search_name LIKE search_fold(@pattern::text)
ORDER BY t.search_name COLLATE "C", t.id
LIMIT @row_limit;

-- name: TeamsSearch :many
SELECT t.id, t.name,
       (SELECT count(*) FROM team_members tm JOIN users u ON u.org_id = tm.org_id AND u.id = tm.user_id
        WHERE tm.org_id = t.org_id AND tm.team_id = t.id AND u.active) AS member_count
FROM teams t
WHERE t.org_id = @org_id
  AND t.search_name LIKE '%' || search_fold(@first::text) || '%'
  AND NOT EXISTS (
      SELECT 1 FROM unnest(string_to_array(search_fold(@q::text), ' ')) AS w(word)
      WHERE t.search_name NOT LIKE '%' || w.word || '%')
ORDER BY
  CASE WHEN t.search_name LIKE search_fold(@q::text) || '%' THEN 0
       WHEN t.search_name LIKE '% ' || search_fold(@q::text) || '%' THEN 1
       ELSE 2 END,
  t.search_name, t.id
LIMIT @row_limit;

-- name: PeopleByHandleOrName :many
-- Active people whose handle, or whole name with accents and case folded,
-- is one of the typed @texts: how "camille.lefebvre" or "Camille Lefebvre"
-- becomes a recipient. Several people may share a name; each row says
-- which text (lower-cased) it answers, and whether by handle.
SELECT lower(n.typed)::text AS typed, u.id, u.name, u.title,
       lower(split_part(u.email::text, '@', 1))::text AS handle,
       (lower(split_part(u.email::text, '@', 1)) = lower(n.typed))::bool AS by_handle
FROM unnest(@texts::text[]) AS n(typed)
JOIN users u ON u.org_id = @org_id AND u.active
 AND (u.search_name COLLATE "C" = search_fold(n.typed)
      OR lower(split_part(u.email::text, '@', 1)) = lower(n.typed))
ORDER BY 1, u.search_name, u.id;
