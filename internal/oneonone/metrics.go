package oneonone

import (
	"math"
	"time"
)

// The check-in pattern figures. docs/metrics.md defines each one; the tests
// in metrics_test.go compute them on small fixtures by hand.

// Ratio is a count out of a count, shown as "7 of 12 (58 %)".
type Ratio struct{ Num, Den int }

// Valid reports whether the ratio has a denominator.
func (r Ratio) Valid() bool { return r.Den > 0 }

// Percent returns the ratio as a whole percentage, rounded half up.
func (r Ratio) Percent() int {
	if r.Den == 0 {
		return 0
	}
	return int(math.Floor(float64(r.Num)*100/float64(r.Den) + 0.5))
}

// Add sums two ratios.
func (r Ratio) Add(o Ratio) Ratio { return Ratio{r.Num + o.Num, r.Den + o.Den} }

// Window is the period a dashboard looks at: [From, To).
type Window struct{ From, To time.Time }

// Half returns the midpoint of the window.
func (w Window) Half() time.Time { return w.From.Add(w.To.Sub(w.From) / 2) }

// Periods a dashboard offers, in days.
var Periods = []int{30, 90, 180, 365}

// SeriesStats are the per-series counts the store aggregates for a window.
type SeriesStats struct {
	SeriesID int64
	// Meetings scheduled inside the window, by status.
	Held, Cancelled, CancelledByManager, CancelledByReport, Rescheduled, Missed int
	// LastHeld is the latest held meeting ever (zero if none).
	LastHeld time.Time
	// Pulses of held meetings in each half of the window.
	PulseFirstSum, PulseFirstN, PulseSecondSum, PulseSecondN int
	// Actions whose due date is in the window and not after today, and how
	// many of those were done by the end of their due date.
	ActionsDue, ActionsDoneOnTime int
	// Actions open now, and open past their due date.
	OpenActions, OverdueActions int
	// Agenda points in the window's meetings, and those the report added.
	AgendaTotal, AgendaByReport int
}

// SeriesFacts is everything the pattern of one series needs.
type SeriesFacts struct {
	Series Series
	Pauses []Interval
	Stats  SeriesStats
}

// Trend is the direction of the pulse.
type Trend int

// Trends.
const (
	TrendNone Trend = iota // not enough pulses
	TrendUp
	TrendFlat
	TrendDown
)

// trendThreshold is how far the second half's average pulse must move from
// the first half's to count as a trend.
const trendThreshold = 0.3

// Pattern is a report's check-in pattern over a window.
type Pattern struct {
	Series           Series
	LastHeld         time.Time // zero if never
	Next             time.Time // zero if the series is not active
	DaysSinceContact int       // -1 if never held
	Adherence        Ratio     // held ÷ expected (held capped at expected)
	Cancelled        int
	CancelledByMgr   int
	CancelledByRpt   int
	Rescheduled      int
	Missed           int
	OpenActions      int
	OverdueActions   int
	FollowThrough    Ratio // done by due date ÷ due
	PulseAvg         float64
	PulseN           int
	PulseTrend       Trend
	AgendaShare      Ratio // points the report added ÷ all points
	Drifting         bool
	Paused           bool
}

// ComputePattern derives a report's pattern from the series' facts.
func ComputePattern(f SeriesFacts, w Window, now time.Time) Pattern {
	s := f.Series
	st := f.Stats
	p := Pattern{
		Series: s, LastHeld: st.LastHeld, DaysSinceContact: -1,
		Cancelled: st.Cancelled, CancelledByMgr: st.CancelledByManager, CancelledByRpt: st.CancelledByReport,
		Rescheduled: st.Rescheduled, Missed: st.Missed,
		OpenActions: st.OpenActions, OverdueActions: st.OverdueActions,
		FollowThrough: Ratio{st.ActionsDoneOnTime, st.ActionsDue},
		AgendaShare:   Ratio{st.AgendaByReport, st.AgendaTotal},
		Paused:        s.Status == SeriesPaused,
	}
	rule := s.Rule()
	var ended time.Time
	if s.EndedAt != nil {
		ended = *s.EndedAt
	}
	expected := Expected(rule, w.From, w.To, ended, f.Pauses)
	held := st.Held
	if held > expected {
		held = expected
	}
	p.Adherence = Ratio{held, expected}
	if s.Status == SeriesActive {
		p.Next = rule.Next(now)
	}
	if !st.LastHeld.IsZero() {
		p.DaysSinceContact = int(now.Sub(st.LastHeld).Hours() / 24)
	}
	n := st.PulseFirstN + st.PulseSecondN
	if n > 0 {
		p.PulseN = n
		p.PulseAvg = float64(st.PulseFirstSum+st.PulseSecondSum) / float64(n)
	}
	if st.PulseFirstN > 0 && st.PulseSecondN > 0 {
		d := float64(st.PulseSecondSum)/float64(st.PulseSecondN) - float64(st.PulseFirstSum)/float64(st.PulseFirstN)
		switch {
		case d >= trendThreshold:
			p.PulseTrend = TrendUp
		case d <= -trendThreshold:
			p.PulseTrend = TrendDown
		default:
			p.PulseTrend = TrendFlat
		}
	}
	p.Drifting = drifting(s, st.LastHeld, now)
	return p
}

// drifting: an active series whose last held meeting (or, if none, its start)
// is more than twice the cadence ago.
func drifting(s Series, lastHeld, now time.Time) bool {
	if s.Status != SeriesActive {
		return false
	}
	since := lastHeld
	if since.IsZero() {
		y, m, d := s.StartsOn.Date()
		since = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	limit := time.Duration(2*NominalDays(s.Cadence, s.IntervalDays)) * 24 * time.Hour
	return now.Sub(since) > limit
}

// Rollup sums the patterns of one manager's reports.
type Rollup struct {
	Reports        int
	Drifting       int
	Paused         int
	Adherence      Ratio
	FollowThrough  Ratio
	OpenActions    int
	OverdueActions int
	Cancelled      int
	PulseAvg       float64
	PulseN         int
}

// RollupOf sums patterns: ratios add their counts, so a manager with many
// reports weighs each report's 1:1s equally.
func RollupOf(ps []Pattern) Rollup {
	var r Rollup
	for i := range ps {
		r.Add(&ps[i])
	}
	return r
}

// Add counts one report's pattern into the roll-up.
func (r *Rollup) Add(p *Pattern) {
	r.Reports++
	if p.Drifting {
		r.Drifting++
	}
	if p.Paused {
		r.Paused++
	}
	r.Adherence = r.Adherence.Add(p.Adherence)
	r.FollowThrough = r.FollowThrough.Add(p.FollowThrough)
	r.OpenActions += p.OpenActions
	r.OverdueActions += p.OverdueActions
	r.Cancelled += p.Cancelled
	if p.PulseN > 0 {
		r.PulseAvg = (r.PulseAvg*float64(r.PulseN) + p.PulseAvg*float64(p.PulseN)) / float64(r.PulseN+p.PulseN)
		r.PulseN += p.PulseN
	}
}

// Merge adds another roll-up into this one.
func (r *Rollup) Merge(o Rollup) {
	r.Reports += o.Reports
	r.Drifting += o.Drifting
	r.Paused += o.Paused
	r.Adherence = r.Adherence.Add(o.Adherence)
	r.FollowThrough = r.FollowThrough.Add(o.FollowThrough)
	r.OpenActions += o.OpenActions
	r.OverdueActions += o.OverdueActions
	r.Cancelled += o.Cancelled
	if o.PulseN > 0 {
		r.PulseAvg = (r.PulseAvg*float64(r.PulseN) + o.PulseAvg*float64(o.PulseN)) / float64(r.PulseN+o.PulseN)
		r.PulseN += o.PulseN
	}
}
