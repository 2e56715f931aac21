package oneonone

import (
	"context"
	"sort"
	"strings"
	"time"

	"rapport/internal/core"
)

// Dashboard is a manager's check-in patterns over a period.
type Dashboard struct {
	Manager  PersonRef
	Days     int
	Window   Window
	Now      time.Time
	Patterns []Pattern
	Rollup   Rollup
	Heatmap  Heatmap
}

// Drifting returns the patterns flagged as drifting.
func (d Dashboard) Drifting() []Pattern {
	var out []Pattern
	for _, p := range d.Patterns {
		if p.Drifting {
			out = append(out, p)
		}
	}
	return out
}

// NormalizeDays keeps a period to one of the offered lengths (90 by default).
func NormalizeDays(days int) int {
	for _, p := range Periods {
		if days == p {
			return days
		}
	}
	return 90
}

// window ends at the start of tomorrow (UTC), so today's 1:1s count.
func window(now time.Time, days int) Window {
	y, m, d := now.UTC().Date()
	to := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	return Window{From: to.AddDate(0, 0, -days), To: to}
}

// canSeeManager: the manager themself, anyone above them in the reporting
// tree, and admins.
func (s *Service) canSeeManager(ctx context.Context, a core.Actor, managerID int64) (bool, error) {
	if a.UserID == managerID || a.Role == core.RoleAdmin {
		return true, nil
	}
	if a.Is(core.RoleLeader, core.RoleManager) {
		return s.Store.IsInSubtree(ctx, a.OrgID, a.UserID, managerID)
	}
	return false, nil
}

// ManagerDashboard computes the check-in patterns of a manager's reports.
// It reads meeting existence, status, pulse, actions and agenda counts —
// never note text.
func (s *Service) ManagerDashboard(ctx context.Context, a core.Actor, managerID int64, days int) (Dashboard, error) {
	var mgr PersonRef
	var ok bool
	err := core.Together(ctx,
		func(ctx context.Context) (err error) {
			mgr, err = s.Store.PersonRef(ctx, a.OrgID, managerID)
			return err
		},
		func(ctx context.Context) (err error) { ok, err = s.canSeeManager(ctx, a, managerID); return err })
	if err != nil {
		return Dashboard{}, err
	}
	if !ok {
		return Dashboard{}, core.Forbidden()
	}
	now := s.Clock.Now()
	days = NormalizeDays(days)
	d := Dashboard{Manager: mgr, Days: days, Window: window(now, days), Now: now}
	series, err := s.Store.SeriesForManager(ctx, a.OrgID, managerID)
	if err != nil {
		return d, err
	}
	ids := make([]int64, len(series))
	for i, sr := range series {
		ids[i] = sr.ID
	}
	var facts []SeriesFacts
	var marks []Mark
	err = core.Together(ctx,
		func(ctx context.Context) (err error) {
			facts, err = s.Store.Facts(ctx, a.OrgID, series, d.Window, today(now), true)
			return err
		},
		func(ctx context.Context) (err error) {
			marks, err = s.Store.Marks(ctx, a.OrgID, ids, d.Window.From, d.Window.To)
			return err
		})
	if err != nil {
		return d, err
	}
	for _, f := range facts {
		d.Patterns = append(d.Patterns, ComputePattern(f, d.Window, now))
	}
	// Drifting first, then by name.
	sort.SliceStable(d.Patterns, func(i, j int) bool {
		if d.Patterns[i].Drifting != d.Patterns[j].Drifting {
			return d.Patterns[i].Drifting
		}
		return strings.ToLower(d.Patterns[i].Series.ReportName) < strings.ToLower(d.Patterns[j].Series.ReportName)
	})
	d.Rollup = RollupOf(d.Patterns)
	ordered := make([]Series, len(d.Patterns))
	for i, p := range d.Patterns {
		ordered[i] = p.Series
	}
	pauses := make(map[int64][]Interval, len(facts))
	for _, f := range facts {
		pauses[f.Series.ID] = f.Pauses
	}
	d.Heatmap = BuildHeatmap(ordered, marks, pauses, d.Window.From, d.Window.To, now)
	return d, nil
}

func today(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ManagerRow is one manager in a leader's roll-up.
type ManagerRow struct {
	ManagerID   int64
	ManagerName string
	Rollup      Rollup
}

// Roll-up sort keys.
const (
	SortName          = "name"
	SortAdherence     = "adherence"
	SortDrifting      = "drifting"
	SortFollowThrough = "follow-through"
	SortOverdue       = "overdue"
)

// RollupPageSize is how many managers a roll-up page lists.
const RollupPageSize = 50

const maxRollupPage = 100_000

// RollupQuery is one page of a roll-up: its window, the clock, the sort
// key and the rows wanted.
type RollupQuery struct {
	Window        Window
	Today         time.Time
	Now           time.Time
	Sort          string
	Limit, Offset int
}

// RollupResult is one page of managers, the number of managers in all and
// the totals over all of them.
type RollupResult struct {
	Managers      []ManagerRow
	ManagersTotal int
	Total         Rollup
}

// LeaderView is the check-in patterns rolled up per manager, one page of
// managers at a time, the rows needing attention first.
type LeaderView struct {
	Days     int
	Window   Window
	Sort     string
	Page     int // from 1
	PerPage  int
	Count    int // managers in all
	Managers []ManagerRow
	Total    Rollup
}

// Pages is the number of pages of managers (at least 1).
func (v LeaderView) Pages() int {
	if v.Count <= v.PerPage || v.PerPage <= 0 {
		return 1
	}
	return (v.Count + v.PerPage - 1) / v.PerPage
}

// NormalizeSort keeps a sort key to one the roll-up offers (drifting
// reports first by default).
func NormalizeSort(by string) string {
	switch by {
	case SortName, SortAdherence, SortDrifting, SortFollowThrough, SortOverdue:
		return by
	}
	return SortDrifting
}

// LeaderRollup rolls the patterns up per manager for everyone in the
// leader's part of the org chart (admins: the whole organisation). The
// figures are summed, sorted and paged by the database from the figures
// kept on write, so a page costs the same whatever the page number and
// the work grows with the number of series, not their meetings.
func (s *Service) LeaderRollup(ctx context.Context, a core.Actor, days int, sortBy string, page int) (LeaderView, error) {
	var root *int64
	switch a.Role {
	case core.RoleAdmin:
	case core.RoleLeader:
		id := a.UserID
		root = &id
	default:
		return LeaderView{}, core.Forbidden()
	}
	now := s.Clock.Now()
	days = NormalizeDays(days)
	// Pages past any organisation's last are shown as empty pages; far
	// past it, they stop at a page whose offset still fits the query.
	page = min(max(page, 1), maxRollupPage)
	v := LeaderView{Days: days, Window: window(now, days), Sort: NormalizeSort(sortBy), Page: page, PerPage: RollupPageSize}
	res, err := s.Store.RollupPage(ctx, a.OrgID, root, RollupQuery{Window: v.Window, Today: today(now), Now: now,
		Sort: v.Sort, Limit: v.PerPage, Offset: (page - 1) * v.PerPage})
	if err != nil {
		return v, err
	}
	v.Managers, v.Count, v.Total = res.Managers, res.ManagersTotal, res.Total
	return v, nil
}

// SortRows orders the roll-up: by name, or with the rows needing attention
// first. It returns the key used.
func SortRows(rows []ManagerRow, by string) string {
	pct := func(r Ratio) float64 {
		if !r.Valid() {
			return 2 // no data sorts after real figures
		}
		return float64(r.Num) / float64(r.Den)
	}
	less := map[string]func(a, b ManagerRow) bool{
		SortName: func(a, b ManagerRow) bool { return false },
		SortAdherence: func(a, b ManagerRow) bool {
			return pct(a.Rollup.Adherence) < pct(b.Rollup.Adherence)
		},
		SortFollowThrough: func(a, b ManagerRow) bool {
			return pct(a.Rollup.FollowThrough) < pct(b.Rollup.FollowThrough)
		},
		SortDrifting: func(a, b ManagerRow) bool { return a.Rollup.Drifting > b.Rollup.Drifting },
		SortOverdue:  func(a, b ManagerRow) bool { return a.Rollup.OverdueActions > b.Rollup.OverdueActions },
	}
	f, ok := less[by]
	if !ok {
		by, f = SortDrifting, less[SortDrifting]
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if f(rows[i], rows[j]) {
			return true
		}
		if f(rows[j], rows[i]) {
			return false
		}
		return strings.ToLower(rows[i].ManagerName) < strings.ToLower(rows[j].ManagerName)
	})
	return by
}
