package postgres

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/postgres/dbq"
)

// ExplainCheckins prints EXPLAIN (ANALYZE, BUFFERS) for the main queries of
// the check-in pages, with the parameters those pages use: a manager's
// dashboard and the whole organisation's roll-up over the last days.
func (s *Store) ExplainCheckins(ctx context.Context, w io.Writer, orgID, managerID int64, days int) error {
	now := time.Now().UTC()
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -days)
	half := from.Add(to.Sub(from) / 2)
	today := to.AddDate(0, 0, -1)

	var all, mine []int64
	if err := s.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM oneonone_series WHERE org_id = $1 AND status <> 'ended'`, orgID).Scan(&all); err != nil {
		return err
	}
	if err := s.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM oneonone_series WHERE org_id = $1 AND manager_id = $2 AND status <> 'ended'`, orgID, managerID).Scan(&mine); err != nil {
		return err
	}
	type q struct {
		title, name string
		args        []any
	}
	for _, x := range []q{
		{fmt.Sprintf("Manager dashboard: series of manager %d", managerID), "SeriesForManager", []any{orgID, managerID}},
		{fmt.Sprintf("Manager dashboard: meeting figures for %d series", len(mine)), "MeetingStats", []any{half, orgID, from, to, mine}},
		{fmt.Sprintf("Manager dashboard: action figures for %d series", len(mine)), "ActionStats", []any{orgID, mine, from, to, today}},
		{fmt.Sprintf("Manager dashboard: agenda shares for %d series", len(mine)), "AgendaStats", []any{orgID, mine, from, to}},
		{"Roll-up, whole organisation: series", "SeriesUnderLeader", []any{orgID, nil}},
		{fmt.Sprintf("Roll-up, whole organisation: meeting figures for %d series", len(all)), "MeetingStats", []any{half, orgID, from, to, all}},
		{fmt.Sprintf("Roll-up, whole organisation: action figures for %d series", len(all)), "ActionStats", []any{orgID, all, from, to, today}},
		{fmt.Sprintf("Roll-up, whole organisation: pauses of %d series", len(all)), "PausesForSeries", []any{orgID, all, &from}},
	} {
		sql := dbq.SQL(x.name)
		if sql == "" {
			return fmt.Errorf("no query %s", x.name)
		}
		fmt.Fprintf(w, "\n### %s (%s)\n\n```\n", x.title, x.name)
		rows, err := s.Pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, x.args...)
		if err != nil {
			return fmt.Errorf("explain %s: %w", x.name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("explain %s: %w", x.name, err)
		}
		for _, l := range lines {
			// Long id lists make plans unreadable; keep their start.
			if len(l) > 200 && strings.Contains(l, "ANY") {
				l = l[:200] + "…"
			}
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w, "```")
	}
	return nil
}
