// Package schedule computes when recurring things fall: 1:1 series and
// recognition rituals share it. Local times stay put across daylight-saving
// changes. It imports nothing of ours.
package schedule

import (
	"fmt"
	"time"
)

// Cadence is how often a series meets.
type Cadence string

// Cadences.
const (
	Weekly   Cadence = "weekly"
	Biweekly Cadence = "biweekly"
	Monthly  Cadence = "monthly" // the first chosen weekday of each month
	EveryN   Cadence = "days"    // every IntervalDays days from the start date
)

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool {
	switch c {
	case Weekly, Biweekly, Monthly, EveryN:
		return true
	}
	return false
}

// Label describes the cadence for people.
func (c Cadence) Label(intervalDays int) string {
	switch c {
	case Weekly:
		return "Weekly"
	case Biweekly:
		return "Every 2 weeks"
	case Monthly:
		return "Monthly"
	case EveryN:
		if intervalDays == 1 {
			return "Every day"
		}
		return fmt.Sprintf("Every %d days", intervalDays)
	}
	return string(c)
}

// Interval limits for "every N days".
const (
	MinIntervalDays = 1
	MaxIntervalDays = 92
)

// NominalDays is the cadence's length in days: weekly 7, biweekly 14,
// monthly 30, every-N N. Drifting and heatmaps use it.
func NominalDays(c Cadence, intervalDays int) int {
	switch c {
	case Weekly:
		return 7
	case Biweekly:
		return 14
	case Monthly:
		return 30
	}
	return intervalDays
}

// Rule is a series' schedule: when its meetings fall.
type Rule struct {
	Cadence      Cadence
	IntervalDays int          // used by EveryN
	Weekday      time.Weekday // used by Weekly, Biweekly, Monthly
	Hour, Minute int          // local start time
	Location     *time.Location
	StartsOn     time.Time // a date; only its year, month and day count
}

// Loc is the rule's time zone (UTC when unset).
func (r Rule) Loc() *time.Location { return r.loc() }

func (r Rule) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// at returns the local slot on the given calendar day.
func (r Rule) at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, r.Hour, r.Minute, 0, 0, r.loc())
}

// firstDay is the first calendar day, on or after the start date, that can
// hold a slot.
func (r Rule) firstDay() time.Time {
	y, m, d := r.StartsOn.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch r.Cadence {
	case Weekly, Biweekly:
		shift := (int(r.Weekday) - int(start.Weekday()) + 7) % 7
		return start.AddDate(0, 0, shift)
	}
	return start
}

// step is the number of days between slots for day-based cadences.
func (r Rule) step() int {
	switch r.Cadence {
	case Weekly:
		return 7
	case Biweekly:
		return 14
	}
	if r.IntervalDays < 1 {
		return 1
	}
	return r.IntervalDays
}

// Occurrences lists the slots that start in [from, to), in order. Local
// times stay put across daylight-saving changes.
func (r Rule) Occurrences(from, to time.Time) []time.Time {
	var out []time.Time
	r.each(from, func(t time.Time) bool {
		if !t.Before(to) {
			return false
		}
		out = append(out, t)
		return true
	})
	return out
}

// Count is len(Occurrences(from, to)) without the allocation.
func (r Rule) Count(from, to time.Time) int {
	n := 0
	r.each(from, func(t time.Time) bool {
		if !t.Before(to) {
			return false
		}
		n++
		return true
	})
	return n
}

// Next returns the first slot at or after t.
func (r Rule) Next(t time.Time) time.Time {
	var next time.Time
	r.each(t, func(s time.Time) bool {
		next = s
		return false
	})
	return next
}

// each calls fn with every slot at or after from until fn returns false.
func (r Rule) each(from time.Time, fn func(time.Time) bool) {
	if r.Cadence == Monthly {
		r.eachMonthly(from, fn)
		return
	}
	first := r.firstDay()
	step := r.step()
	// Jump close to from: whole steps between the first day and from.
	fromDay := from.In(r.loc())
	fy, fm, fd := fromDay.Date()
	k := 0
	if days := int(time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24); days > step {
		k = days/step - 1
	}
	for ; ; k++ {
		day := first.AddDate(0, 0, k*step)
		t := r.at(day.Year(), day.Month(), day.Day())
		if t.Before(from) {
			continue
		}
		if !fn(t) {
			return
		}
	}
}

func (r Rule) eachMonthly(from time.Time, fn func(time.Time) bool) {
	start := r.firstDay()
	y, m := start.Year(), start.Month()
	if f := from.In(r.loc()); f.After(start) {
		y, m = f.Year(), f.Month()
		// The slot may fall early in the month; look one month back too.
		prev := time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC)
		y, m = prev.Year(), prev.Month()
	}
	for {
		d := 1 + (int(r.Weekday)-int(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday())+7)%7
		t := r.at(y, m, d)
		next := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
		y, m = next.Year(), next.Month()
		if t.Before(from) || time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Before(start) {
			continue
		}
		if !fn(t) {
			return
		}
	}
}

// Interval is a half-open span of time; a zero Until means "still open".
type Interval struct {
	From  time.Time
	Until time.Time
}

// contains reports whether t falls inside the interval.
func (iv Interval) contains(t time.Time) bool {
	return !t.Before(iv.From) && (iv.Until.IsZero() || t.Before(iv.Until))
}

// Expected counts the slots in [from, to) when the series was running: not
// before it started, not after it ended, not while paused.
func Expected(r Rule, from, to time.Time, ended time.Time, pauses []Interval) int {
	if !ended.IsZero() && ended.Before(to) {
		to = ended
	}
	n := 0
	r.each(from, func(t time.Time) bool {
		if !t.Before(to) {
			return false
		}
		for _, p := range pauses {
			if p.contains(t) {
				return true
			}
		}
		n++
		return true
	})
	return n
}
