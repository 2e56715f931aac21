package schedule

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestWeeklyOccurrencesStayAtLocalTimeAcrossDST(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	r := Rule{Cadence: Weekly, Weekday: time.Thursday, Hour: 10, Location: madrid, StartsOn: date(2026, 3, 16)}
	got := r.Occurrences(date(2026, 3, 1), date(2026, 4, 10))
	want := []string{"2026-03-19 10:00 +0100", "2026-03-26 10:00 +0100", "2026-04-02 10:00 +0200", "2026-04-09 10:00 +0200"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i, g := range got {
		if s := g.In(madrid).Format("2006-01-02 15:04 -0700"); s != want[i] {
			t.Errorf("slot %d: %s, want %s", i, s, want[i])
		}
	}
}

func TestBiweeklyEveryNAndMonthly(t *testing.T) {
	bi := Rule{Cadence: Biweekly, Weekday: time.Monday, Hour: 9, StartsOn: date(2026, 1, 1)} // first Monday: Jan 5
	got := bi.Occurrences(date(2026, 1, 1), date(2026, 2, 15))
	if len(got) != 3 || got[0].Day() != 5 || got[1].Day() != 19 || got[2].Day() != 2 {
		t.Fatalf("biweekly: %v", got)
	}
	n := Rule{Cadence: EveryN, IntervalDays: 10, Hour: 15, StartsOn: date(2026, 1, 3)}
	if c := n.Count(date(2026, 1, 1), date(2026, 2, 1)); c != 3 { // Jan 3, 13, 23
		t.Fatalf("every 10 days: %d", c)
	}
	mo := Rule{Cadence: Monthly, Weekday: time.Tuesday, Hour: 11, StartsOn: date(2026, 1, 10)}
	got = mo.Occurrences(date(2026, 1, 1), date(2026, 5, 1))
	// First Tuesdays: Jan 6 is before the start, then Feb 3, Mar 3, Apr 7.
	if len(got) != 3 || got[0].Day() != 3 || got[0].Month() != 2 || got[2].Day() != 7 {
		t.Fatalf("monthly: %v", got)
	}
	if nx := mo.Next(date(2026, 3, 4)); nx.Month() != 4 || nx.Day() != 7 {
		t.Fatalf("monthly next: %v", nx)
	}
}

func TestNextFarFromTheStartIsFast(t *testing.T) {
	r := Rule{Cadence: EveryN, IntervalDays: 1, Hour: 8, StartsOn: date(2000, 1, 1)}
	if nx := r.Next(date(2026, 6, 1)); !nx.Equal(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("next: %v", nx)
	}
}

func TestExpectedLeavesOutPausesAndTimeAfterTheEnd(t *testing.T) {
	r := Rule{Cadence: Weekly, Weekday: time.Wednesday, Hour: 10, StartsOn: date(2026, 1, 1)}
	// Wednesdays in January 2026: 7, 14, 21, 28.
	if n := Expected(r, date(2026, 1, 1), date(2026, 2, 1), time.Time{}, nil); n != 4 {
		t.Fatalf("plain: %d", n)
	}
	pause := []Interval{{From: date(2026, 1, 10), Until: date(2026, 1, 20)}} // drops the 14th
	if n := Expected(r, date(2026, 1, 1), date(2026, 2, 1), time.Time{}, pause); n != 3 {
		t.Fatalf("paused: %d", n)
	}
	if n := Expected(r, date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 22), nil); n != 3 {
		t.Fatalf("ended on the 22nd: %d", n)
	}
	open := []Interval{{From: date(2026, 1, 25)}}
	if n := Expected(r, date(2026, 1, 1), date(2026, 2, 1), time.Time{}, open); n != 3 {
		t.Fatalf("still paused: %d", n)
	}
}
