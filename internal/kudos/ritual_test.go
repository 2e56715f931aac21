package kudos

import (
	"testing"
	"time"

	"rapport/internal/schedule"
)

func TestRitualPeriodsEndAtTheEndOfTheRitualDay(t *testing.T) {
	r := Ritual{Cadence: schedule.Weekly, Weekday: time.Friday, Hour: 16, TimeZone: "UTC", StartsOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	// Wednesday 11 March: the week ending Friday 13 March.
	p := r.PeriodAt(time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC))
	if !p.Start.Equal(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)) || !p.End.Equal(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("period %v – %v", p.Start, p.End)
	}
	// During the ritual on Friday evening it is still the same board.
	if q := r.PeriodAt(time.Date(2026, 3, 13, 16, 30, 0, 0, time.UTC)); !q.End.Equal(p.End) {
		t.Fatalf("Friday evening moved on to %v", q.End)
	}
	prev, ok := r.Before(p)
	if !ok || !prev.End.Equal(p.Start) {
		t.Fatalf("previous period %v ok=%v", prev, ok)
	}
	if next := r.After(p); !next.Start.Equal(p.End) || !next.End.Equal(p.End.AddDate(0, 0, 7)) {
		t.Fatalf("next period %v", next)
	}
	// The first period starts with the ritual.
	first := r.PeriodAt(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	if _, ok := r.Before(first); ok || !first.Start.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("first period %v", first)
	}
}

func TestMonthlyRitualPeriods(t *testing.T) {
	r := Ritual{Cadence: schedule.Monthly, Weekday: time.Friday, Hour: 15, TimeZone: "Europe/Madrid", StartsOn: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := r.PeriodAt(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
	madrid, _ := time.LoadLocation("Europe/Madrid")
	// First Fridays: 6 March, 3 April.
	if !p.Start.Equal(time.Date(2026, 3, 7, 0, 0, 0, 0, madrid)) || !p.End.Equal(time.Date(2026, 4, 4, 0, 0, 0, 0, madrid)) {
		t.Fatalf("monthly period %v – %v", p.Start, p.End)
	}
}
