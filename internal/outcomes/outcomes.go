// Package outcomes relates relationship signals (1:1 cadence, the last 1:1,
// kudos, follow-through, team health) to who stayed and who left, for
// leaders and admins, by team and by manager, never for a group smaller
// than the health checks' threshold (docs/metrics.md, "Outcomes").
package outcomes

import (
	"context"
	"slices"
	"sort"
	"time"

	"rapport/internal/core"
	"rapport/internal/health"
	"rapport/internal/pulse"
)

// PeriodMonths are the periods the page offers; DefaultMonths is the one it
// opens with.
var PeriodMonths = []int{3, 6, 12, 24}

// DefaultMonths is the period the page shows unless another is chosen.
const DefaultMonths = 12

// LookbackDays is how far before a person's reference day (the day they
// left, or the period's end for those who stayed) their signals are read.
const LookbackDays = 90

// NormalizeMonths keeps a requested period to one the page offers.
func NormalizeMonths(m int) int {
	if slices.Contains(PeriodMonths, m) {
		return m
	}
	return DefaultMonths
}

// Query is what the store needs: the part of the organisation (RootID nil:
// all of it), the period [From, To), the stayers' reference day RefDay,
// Today (actions due from it on are not yet due), the lookback and the
// health checks' threshold.
type Query struct {
	RootID       *int64
	From, To     time.Time
	RefDay       time.Time
	Today        time.Time
	LookbackDays int
	Threshold    int
}

// Figures are the summed signals of a set of people.
type Figures struct {
	People     int
	Expected   int     // 1:1s their series expected in their lookbacks
	Held       int     // of those, held (at most the expected, per series)
	WithHeld   int     // people with a held 1:1 before their reference day
	MedianDays float64 // median days from that 1:1 to the reference day (of WithHeld)
	Kudos      int     // organisation-wide kudos received in their lookbacks
	Due        int     // actions of their 1:1s due in their lookbacks
	Done       int     // of those, done by the due day
	HealthN    int     // people whose teams had a health check with results
	HealthMean float64 // their mean team score, 1–5 (of HealthN)
}

// Row is one group's figures as the store sums them: Kind is "all",
// "team", "manager" or "reason"; Key the team or manager (0: none); Left
// whether these are the group's leavers or its stayers.
type Row struct {
	Kind  string
	Key   int64
	Label string
	Left  bool
	Figures
}

// Store computes the groups' figures in one statement.
type Store interface {
	OutcomeRows(ctx context.Context, orgID int64, q Query) ([]Row, error)
	// HealthThreshold is the organisation's health check threshold.
	HealthThreshold(ctx context.Context, orgID int64) (int, error)
}

// Service answers the outcomes page for leaders (their reporting tree) and
// admins (the organisation).
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns the outcomes service.
func NewService(st Store, clock core.Clock) *Service {
	return &Service{Store: st, Clock: clock}
}

// Side is the leavers' or the stayers' figures of a group; Shown is false
// when there are too few of them to show their signals.
type Side struct {
	Shown bool
	Figures
}

// Group is one team, manager or the whole part.
type Group struct {
	Key     int64
	Label   string
	Shown   bool // enough people to show the group at all
	People  int
	Leavers Side
	Stayers Side
}

// Left is how many of the group left in the period.
func (g Group) Left() int { return g.Leavers.People }

// Hidden sums the groups of a breakdown that are not shown.
type Hidden struct {
	Groups, People int
}

// ReasonCount is how many leavers gave one reason.
type ReasonCount struct {
	Reason string
	Count  int
}

// View is the outcomes page.
type View struct {
	Months       int
	From, To     time.Time // the period, [From, To)
	Lookback     int
	Threshold    int
	Tree         bool // a leader's reporting tree, not the whole organisation
	Total        Group
	ByTeam       []Group
	TeamsHidden  Hidden
	ByManager    []Group
	MgrsHidden   Hidden
	Reasons      []ReasonCount // shown reasons, most first
	ReasonsOther int           // leavers whose reason is in too small a group
}

// Outcomes computes the page for the actor over the last months.
func (s *Service) Outcomes(ctx context.Context, a core.Actor, months int) (View, error) {
	var root *int64
	switch a.Role {
	case core.RoleAdmin:
	case core.RoleLeader:
		id := a.UserID
		root = &id
	default:
		return View{}, core.Forbidden()
	}
	th, err := s.Store.HealthThreshold(ctx, a.OrgID)
	if err != nil {
		return View{}, err
	}
	th = max(th, health.MinThreshold)
	months = NormalizeMonths(months)
	y, m, d := s.Clock.Now().UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	to := today.AddDate(0, 0, 1)
	from := to.AddDate(0, -months, 0)
	rows, err := s.Store.OutcomeRows(ctx, a.OrgID, Query{RootID: root, From: from, To: to, RefDay: today, Today: today,
		LookbackDays: LookbackDays, Threshold: th})
	if err != nil {
		return View{}, err
	}
	v := Build(rows, th)
	v.Months, v.From, v.To, v.Lookback, v.Tree = months, from, to, LookbackDays, root != nil
	return v, nil
}

// Build turns the store's rows into what may be shown with the threshold:
// a group with fewer people than it is not shown, nor are the signals of
// fewer leavers (or stayers) than it; and since the whole part's figures
// are shown too, more groups are hidden (pulse.Suppress, the pulses' rule)
// until the hidden ones together hold none or at least the threshold, so
// that no hidden group can be worked out by subtraction.
func Build(rows []Row, threshold int) View {
	threshold = max(threshold, health.MinThreshold)
	v := View{Threshold: threshold}
	groups := map[string]map[int64]*Group{"all": {}, "team": {}, "manager": {}}
	reasons := map[string]int{}
	for _, r := range rows {
		if r.Kind == "reason" {
			reasons[r.Label] += r.People
			continue
		}
		byKey, ok := groups[r.Kind]
		if !ok {
			continue
		}
		g := byKey[r.Key]
		if g == nil {
			g = &Group{Key: r.Key, Label: r.Label}
			byKey[r.Key] = g
		}
		if r.Left {
			g.Leavers.Figures = r.Figures
		} else {
			g.Stayers.Figures = r.Figures
		}
		g.People += r.People
	}
	if t := groups["all"][0]; t != nil {
		v.Total = *t
	}
	v.Total.Shown = v.Total.People >= threshold
	v.Total.Leavers.Shown = v.Total.Shown && v.Total.Leavers.People >= threshold
	v.Total.Stayers.Shown = v.Total.Shown && v.Total.Stayers.People >= threshold
	if !v.Total.Shown {
		return v
	}
	v.ByTeam, v.TeamsHidden = breakdown(groups["team"], threshold)
	v.ByManager, v.MgrsHidden = breakdown(groups["manager"], threshold)
	if v.Total.Leavers.Shown {
		var gs []pulse.Group
		keys := map[int64]string{}
		for reason, n := range reasons {
			k := int64(len(keys) + 1)
			keys[k] = reason
			gs = append(gs, pulse.Group{Key: k, Label: reason, Count: n})
		}
		sort.Slice(gs, func(i, j int) bool { return gs[i].Label < gs[j].Label })
		shown := pulse.Suppress(gs, threshold)
		for i, g := range gs {
			if shown[i] {
				v.Reasons = append(v.Reasons, ReasonCount{Reason: g.Label, Count: g.Count})
			} else {
				v.ReasonsOther += g.Count
			}
		}
		sort.SliceStable(v.Reasons, func(i, j int) bool { return v.Reasons[i].Count > v.Reasons[j].Count })
	} else {
		v.ReasonsOther = v.Total.Leavers.People
	}
	return v
}

// breakdown decides which groups of one breakdown are shown, and whose
// leavers' and stayers' signals, and orders them by the share who left,
// highest first, then by name.
func breakdown(byKey map[int64]*Group, threshold int) ([]Group, Hidden) {
	var all []Group
	for _, g := range byKey {
		all = append(all, *g)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key < all[j].Key })
	people := make([]pulse.Group, len(all))
	for i, g := range all {
		people[i] = pulse.Group{Key: g.Key, Count: g.People}
	}
	shownPeople := pulse.Suppress(people, threshold)
	var shown []Group
	var hidden Hidden
	var hiddenLeavers, hiddenStayers int
	for i, g := range all {
		if shownPeople[i] {
			g.Shown = true
			shown = append(shown, g)
			continue
		}
		hidden.Groups++
		hidden.People += g.People
		hiddenLeavers += g.Leavers.People
		hiddenStayers += g.Stayers.People
	}
	// Each side as its own breakdown: the shown groups, and the hidden
	// ones as one block that stays hidden whatever Suppress says of it.
	side := func(count func(Group) int, hiddenCount int) []bool {
		gs := make([]pulse.Group, 0, len(shown)+1)
		for _, g := range shown {
			gs = append(gs, pulse.Group{Key: g.Key, Count: count(g)})
		}
		gs = append(gs, pulse.Group{Key: -1, Count: hiddenCount})
		return pulse.Suppress(gs, threshold)
	}
	ls := side(func(g Group) int { return g.Leavers.People }, hiddenLeavers)
	ss := side(func(g Group) int { return g.Stayers.People }, hiddenStayers)
	for i := range shown {
		shown[i].Leavers.Shown = ls[i]
		shown[i].Stayers.Shown = ss[i]
	}
	sort.SliceStable(shown, func(i, j int) bool {
		a, b := shown[i], shown[j]
		ra, rb := float64(a.Left())/float64(a.People), float64(b.Left())/float64(b.People)
		if ra != rb {
			return ra > rb
		}
		return a.Label < b.Label
	})
	return shown, hidden
}
