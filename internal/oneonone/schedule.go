// Package oneonone is the domain of 1:1s: series and their schedule, meetings
// with agendas, notes and actions, and the check-in patterns computed from
// them. It imports only core and the schedule primitive.
package oneonone

import (
	"time"

	"rapport/internal/schedule"
)

// The schedule vocabulary, shared with recognition rituals.
type (
	// Cadence is how often a series meets.
	Cadence = schedule.Cadence
	// Rule is a series' schedule: when its meetings fall.
	Rule = schedule.Rule
	// Interval is a half-open span of time; a zero Until means "still open".
	Interval = schedule.Interval
)

// Cadences.
const (
	Weekly   = schedule.Weekly
	Biweekly = schedule.Biweekly
	Monthly  = schedule.Monthly
	EveryN   = schedule.EveryN
)

// Interval limits for "every N days".
const (
	MinIntervalDays = schedule.MinIntervalDays
	MaxIntervalDays = schedule.MaxIntervalDays
)

// NominalDays is the cadence's length in days.
func NominalDays(c Cadence, intervalDays int) int { return schedule.NominalDays(c, intervalDays) }

// Expected counts the slots in [from, to) when the series was running.
func Expected(r Rule, from, to time.Time, ended time.Time, pauses []Interval) int {
	return schedule.Expected(r, from, to, ended, pauses)
}
