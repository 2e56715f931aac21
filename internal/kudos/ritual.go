package kudos

import (
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
	"rapport/internal/schedule"
)

// Ritual is a recurring team moment whose board gathers the kudos of each
// period, e.g. "Friday shout-outs".
type Ritual struct {
	ID       int64
	OrgID    int64
	TeamID   int64
	TeamName string
	Name     string
	Cadence  schedule.Cadence // weekly, biweekly or monthly (first chosen weekday)
	Weekday  time.Weekday
	Hour     int
	TimeZone string
	StartsOn time.Time
}

// Rule is the ritual's schedule.
func (r Ritual) Rule() schedule.Rule {
	loc, err := core.Location(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return schedule.Rule{Cadence: r.Cadence, Weekday: r.Weekday, Hour: r.Hour, Location: loc, StartsOn: r.StartsOn}
}

// Period is one board: kudos created in [Start, End).
type Period struct {
	Start, End time.Time
	// Moment is the ritual itself, on the period's last day.
	Moment time.Time
}

// endOfDay is the next local midnight after t.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// PeriodAt returns the period holding t. A period ends at the end of the
// ritual's day, so kudos posted during the ritual itself still count.
func (r Ritual) PeriodAt(t time.Time) Period {
	rule := r.Rule()
	loc := rule.Loc()
	// The ritual moment whose day has not ended yet at t.
	dayStart := func(x time.Time) time.Time {
		y, m, d := x.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	moment := rule.Next(dayStart(t))
	p := Period{Moment: moment, End: endOfDay(moment.In(loc))}
	prev := r.previous(moment)
	if prev.IsZero() {
		y, m, d := r.StartsOn.Date()
		p.Start = time.Date(y, m, d, 0, 0, 0, 0, loc)
	} else {
		p.Start = endOfDay(prev.In(loc))
	}
	return p
}

// previous returns the ritual moment before m, or zero for the first.
func (r Ritual) previous(m time.Time) time.Time {
	rule := r.Rule()
	var prev time.Time
	for _, t := range rule.Occurrences(m.AddDate(0, 0, -40), m) {
		prev = t
	}
	return prev
}

// Before returns the period before p, and false at the first period.
func (r Ritual) Before(p Period) (Period, bool) {
	prev := r.previous(p.Moment)
	if prev.IsZero() {
		return Period{}, false
	}
	return r.PeriodAt(prev), true
}

// After returns the period after p.
func (r Ritual) After(p Period) Period { return r.PeriodAt(p.End) }

// RitualInput is the ritual form.
type RitualInput struct {
	Name     string
	Cadence  schedule.Cadence
	Weekday  int
	Hour     int
	TimeZone string
	IdemKey  string // the form's key: a double submit creates one ritual
}

// Validate checks the form.
func (in *RitualInput) Validate() *core.Validator {
	in.Name = strings.TrimSpace(in.Name)
	var v core.Validator
	v.Check(in.Name != "", "name", "Give the ritual a name, e.g. Friday shout-outs.")
	v.Check(utf8.RuneCountInString(in.Name) <= 100, "name", "Keep the name under 100 characters.")
	v.Check(in.Cadence == schedule.Weekly || in.Cadence == schedule.Biweekly || in.Cadence == schedule.Monthly, "cadence", "Choose weekly, every 2 weeks or monthly.")
	v.Check(in.Weekday >= 0 && in.Weekday <= 6, "weekday", "Choose a day.")
	v.Check(in.Hour >= 0 && in.Hour <= 23, "hour", "Choose an hour from 0 to 23.")
	_, err := core.Location(in.TimeZone)
	v.Check(in.TimeZone != "" && err == nil, "time_zone", "Choose a time zone from the list.")
	return &v
}
