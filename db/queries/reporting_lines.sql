-- name: ReportingLinesRebuild :one
-- Recomputes the kept reporting tree from users.manager_id; counts the rows
-- that were missing and those that should not have been there.
SELECT missing::bigint AS missing, stale::bigint AS stale FROM reporting_lines_rebuild();
