package postgres

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/kudos"
	"rapport/internal/postgres/dbq"
)

// Explainer prints the query plans of the busiest pages' main queries, for
// the explain command.
type Explainer struct{ base }

// NewExplainer returns an Explainer on pool.
func NewExplainer(pool *pgxpool.Pool) *Explainer { return &Explainer{newBase(pool)} }

// ExplainCheckins prints EXPLAIN (ANALYZE, BUFFERS) for the main queries of
// the check-in pages, with the parameters those pages use: a manager's
// dashboard and the whole organisation's roll-up over the last days.
func (s *Explainer) ExplainCheckins(ctx context.Context, w io.Writer, orgID, managerID int64, days int) error {
	now := time.Now().UTC()
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -days)
	half := from.Add(to.Sub(from) / 2)
	today := to.AddDate(0, 0, -1)

	var all, mine []int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM oneonone_series WHERE org_id = $1 AND status <> 'ended'`, orgID).Scan(&all); err != nil {
		return err
	}
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM oneonone_series WHERE org_id = $1 AND manager_id = $2 AND status <> 'ended'`, orgID, managerID).Scan(&mine); err != nil {
		return err
	}
	type q struct {
		title, name string
		args        []any
	}
	for _, x := range []q{
		{fmt.Sprintf("Manager dashboard: series of manager %d", managerID), "SeriesForManager", []any{orgID, managerID}},
		{fmt.Sprintf("Manager dashboard: meeting figures for %d series", len(mine)), "MeetingStats", []any{half, orgID, from, to, mine}},
		{fmt.Sprintf("Manager dashboard: action figures for %d series", len(mine)), "ActionTallyStats", []any{from, to, today, orgID, mine}},
		{fmt.Sprintf("Manager dashboard: agenda shares for %d series", len(mine)), "AgendaStats", []any{orgID, mine, from, to}},
		{fmt.Sprintf("Roll-up, whole organisation (%d series): first page, drifting first", len(all)), "RollupPage",
			[]any{"drifting", int32(0), int32(50), to, orgID, nil, now, from, to, from, today}},
		{"Roll-up, whole organisation: third page by cadence kept", "RollupPage",
			[]any{"adherence", int32(100), int32(50), to, orgID, nil, now, from, to, from, today}},
	} {
		if err := s.explain(ctx, w, x.title, x.name, x.args); err != nil {
			return err
		}
	}
	return nil
}

// ExplainKudos prints EXPLAIN (ANALYZE, BUFFERS) for the kudos pages' main
// queries: the feed as a person sees it, that person's recognition counts,
// and the equity edges of a leader over everyone under them.
func (s *Explainer) ExplainKudos(ctx context.Context, w io.Writer, orgID, personID, leaderID int64, days int) error {
	now := time.Now().UTC()
	var members []int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM users WHERE org_id = $1 AND active AND id <> $2`, orgID, leaderID).Scan(&members); err != nil {
		return err
	}
	type q struct {
		title, name string
		args        []any
	}
	far := now.Add(time.Hour)
	for _, x := range []q{
		{"Feed: 51 newest kudos the person may see", "KudoFeed", []any{orgID, personID, far, int64(1<<63 - 1), time.Time{}, nil, nil, nil, nil, nil, int32(51)}},
		{"Feed filtered by a competency over 90 days", "KudoFeed", []any{orgID, personID, far, int64(1<<63 - 1), now.AddDate(0, 0, -90), nil, nil, nil, nil, int64(2), int32(51)}},
		{"Recognition page: totals", "KudoTotalsForPerson", []any{personID, orgID, personID}},
		{"Recognition page: by competency", "KudoCountsByCompetency", []any{personID, orgID, personID}},
		{"Equity: members under the leader", "EquityMembers", []any{orgID, leaderID}},
		{fmt.Sprintf("Equity: edges for %d members over %d days, from the kudos", len(members), days), "EquityEdgesFromKudos", []any{orgID, now.AddDate(0, 0, -days), now, leaderID, members}},
		{fmt.Sprintf("Equity: edges for %d members over %d days, tallied days and the rest", len(members), days), "EquityEdges", equityEdgesArgs(orgID, leaderID, members, days, now)},
	} {
		if err := s.explain(ctx, w, x.title, x.name, x.args); err != nil {
			return err
		}
	}
	return nil
}

// equityEdgesArgs are EquityEdges' arguments for the equity page of the
// last days as it asks at now.
func equityEdgesArgs(orgID, viewerID int64, members []int64, days int, now time.Time) []any {
	w := kudos.WindowFor(now.AddDate(0, 0, -days), now, now)
	ds := w.Split()
	return []any{members, orgID, ds.FromDay, ds.ToDay, nonNil(ds.ExactDays), nonNil(ds.Starts), nonNil(ds.Ends), w.Since, w.Until, viewerID}
}

func (s *Explainer) explain(ctx context.Context, w io.Writer, title, name string, args []any) error {
	sql := dbq.SQL(name)
	if sql == "" {
		return fmt.Errorf("no query %s", name)
	}
	fmt.Fprintf(w, "\n### %s (%s)\n\n```\n", title, name)
	rows, err := s.pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		return fmt.Errorf("explain %s: %w", name, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("explain %s: %w", name, err)
	}
	for _, l := range lines {
		if len(l) > 200 && strings.Contains(l, "ANY") {
			l = l[:200] + "…"
		}
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w, "```")
	return nil
}

// ExplainReviews prints EXPLAIN (ANALYZE, BUFFERS) for the queries that set
// a review export's pace: the coaching cues and the evidence counts for one
// batch of people (the exporter asks for 500 at a time) over the newest
// cycle's period.
func (s *Explainer) ExplainReviews(ctx context.Context, w io.Writer, orgID int64) error {
	var from, until time.Time
	err := s.pool.QueryRow(ctx, `SELECT period_start, period_end + 1 FROM review_cycles
		WHERE org_id = $1 ORDER BY period_start DESC, id DESC LIMIT 1`, orgID).Scan(&from, &until)
	if err == pgx.ErrNoRows {
		return nil // no review cycles to explain
	}
	if err != nil {
		return err
	}
	var batch []int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(array_agg(person_id ORDER BY person_id), '{}') FROM (
		SELECT p.person_id FROM review_participants p JOIN review_cycles c ON c.id = p.cycle_id
		WHERE c.org_id = $1 AND c.period_start = $2 ORDER BY p.person_id LIMIT 500) x`, orgID, from).Scan(&batch); err != nil {
		return err
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	period := from.Format("2 Jan 2006") + " – " + until.AddDate(0, 0, -1).Format("2 Jan 2006")
	for _, x := range []struct {
		title, name string
		args        []any
	}{
		{fmt.Sprintf("Review export: 1:1 series of %d people (%s)", len(batch), period), "CueSeries", []any{from, until, orgID, batch}},
		{fmt.Sprintf("Review export: coaching cues of %d people", len(batch)), "CueFigures", []any{batch, orgID, from, until, today, from, until}},
		{fmt.Sprintf("Review export: evidence counts of %d people, as each one's manager sees them", len(batch)), "EvidenceCounts", []any{orgID, batch, from, until, int64(0)}},
	} {
		if err := s.explain(ctx, w, x.title, x.name, x.args); err != nil {
			return err
		}
	}
	return nil
}
