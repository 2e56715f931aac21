package oneonone

import (
	"testing"
	"time"
)

func hmAt(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

// The fixture: six weeks from Monday 29 Dec 2025; "now" is Wednesday 4 Feb
// 2026 at noon, so the week of 2 Feb is not over yet. The window ends at the
// start of tomorrow, as the dashboard's does.
var (
	hmFrom = hmAt(2025, 12, 29, 0)
	hmNow  = hmAt(2026, 2, 4, 12)
	hmTo   = hmAt(2026, 2, 5, 0)
)

func hmSeries() []Series {
	ended := hmAt(2026, 1, 20, 0)
	return []Series{
		// Wednesdays 10:00 from Mon 5 Jan: slots 7, 14, 21, 28 Jan, 4 Feb.
		{ID: 1, ReportName: "Ana Ruiz", Cadence: Weekly, Weekday: time.Wednesday, Hour: 10, TimeZone: "UTC",
			StartsOn: hmAt(2026, 1, 5, 0), Status: SeriesActive},
		// Every other Monday 9:00 from 29 Dec: 29 Dec, 12 Jan, 26 Jan (paused), 9 Feb.
		{ID: 2, ReportName: "Sam Lee", Cadence: Biweekly, Weekday: time.Monday, Hour: 9, TimeZone: "UTC",
			StartsOn: hmAt(2025, 12, 29, 0), Status: SeriesActive},
		// Tuesdays 15:00, ended on 20 Jan.
		{ID: 3, ReportName: "Lu Chen", Cadence: Weekly, Weekday: time.Tuesday, Hour: 15, TimeZone: "UTC",
			StartsOn: hmAt(2025, 12, 1, 0), Status: SeriesEnded, EndedAt: &ended},
		// Tuesdays 11:00; held this week.
		{ID: 4, ReportName: "Kim Park", Cadence: Weekly, Weekday: time.Tuesday, Hour: 11, TimeZone: "UTC",
			StartsOn: hmAt(2025, 12, 1, 0), Status: SeriesActive},
	}
}

func hmMarks() []Mark {
	return []Mark{
		{1, hmAt(2026, 1, 7, 10), Held},
		{1, hmAt(2026, 1, 14, 10), Cancelled},
		{1, hmAt(2026, 1, 16, 10), Held}, // made up two days later: the week counts as held
		{1, hmAt(2026, 1, 28, 10), Cancelled},
		{2, hmAt(2025, 12, 29, 9), Missed},
		{2, hmAt(2026, 1, 12, 9), Scheduled}, // never updated: a gap
		{3, hmAt(2025, 12, 30, 15), Held},
		{3, hmAt(2026, 1, 6, 15), Rescheduled},
		{3, hmAt(2026, 1, 13, 15), Held},
		{4, hmAt(2026, 2, 3, 11), Held},
		{4, hmAt(2026, 1, 27, 11), Missed},
		{99, hmAt(2026, 1, 7, 10), Held}, // a series not on the map
	}
}

func hmPauses() map[int64][]Interval {
	return map[int64][]Interval{2: {{From: hmAt(2026, 1, 20, 0), Until: hmAt(2026, 2, 1, 0)}}}
}

func TestBuildHeatmapWeeks(t *testing.T) {
	h := BuildHeatmap(hmSeries(), hmMarks(), hmPauses(), hmFrom, hmTo, hmNow)
	if len(h.Weeks) != 6 {
		t.Fatalf("weeks: %v", h.Weeks)
	}
	for i, w := range h.Weeks {
		want := hmAt(2025, 12, 29, 0).AddDate(0, 0, 7*i)
		if !w.Equal(want) || w.Weekday() != time.Monday || w.Location() != time.UTC {
			t.Errorf("week %d: %v, want %v", i, w, want)
		}
	}
	// A window starting mid-week still starts on that week's Monday.
	h = BuildHeatmap(nil, nil, nil, hmAt(2026, 1, 1, 0), hmAt(2026, 1, 15, 0), hmNow)
	if len(h.Weeks) != 3 || !h.Weeks[0].Equal(hmAt(2025, 12, 29, 0)) || !h.Weeks[2].Equal(hmAt(2026, 1, 12, 0)) {
		t.Fatalf("mid-week window: %v", h.Weeks)
	}
	if h = BuildHeatmap(hmSeries(), nil, nil, hmTo, hmFrom, hmNow); len(h.Weeks) != 0 || len(h.Rows) != 4 {
		t.Fatalf("empty window: %+v", h)
	}
}

func TestBuildHeatmapCells(t *testing.T) {
	h := BuildHeatmap(hmSeries(), hmMarks(), hmPauses(), hmFrom, hmTo, hmNow)
	const (
		H = CellHeld
		R = CellRescheduled
		C = CellCancelled
		M = CellMissed
		E = CellExpected
		N = CellNone
		F = CellFuture
	)
	tests := []struct {
		name     string
		want     []CellState
		counts   []int
		held, ex int
	}{
		// week before start => none; cancelled + held in one week => held;
		// a slot and nothing recorded => expected; this week => future.
		{"Ana Ruiz", []CellState{N, H, H, E, C, F}, []int{0, 1, 2, 0, 1, 0}, 2, 5},
		// biweekly: off-weeks and the paused week are none, a past meeting
		// left "scheduled" is a gap; this week is an off-week, so none.
		{"Sam Lee", []CellState{M, N, E, N, N, N}, []int{1, 0, 1, 0, 0, 0}, 0, 2},
		// ended on 20 Jan: nothing is expected after that.
		{"Lu Chen", []CellState{H, R, H, N, N, N}, []int{1, 1, 1, 0, 0, 0}, 2, 3},
		// held this week, so not future.
		{"Kim Park", []CellState{E, E, E, E, M, H}, []int{0, 0, 0, 0, 1, 1}, 1, 6},
	}
	if len(h.Rows) != len(tests) {
		t.Fatalf("rows: %d", len(h.Rows))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := h.Rows[i]
			if row.Series.ReportName != tt.name {
				t.Fatalf("row %d is %s: order not kept", i, row.Series.ReportName)
			}
			if len(row.Cells) != len(h.Weeks) {
				t.Fatalf("cells: %d", len(row.Cells))
			}
			for j, c := range row.Cells {
				if c.State != tt.want[j] || c.Count != tt.counts[j] {
					t.Errorf("week of %s: %s ×%d, want %s ×%d", c.WeekStart.Format("2 Jan"), c.State, c.Count, tt.want[j], tt.counts[j])
				}
				if !c.WeekStart.Equal(h.Weeks[j]) {
					t.Errorf("cell %d week %v", j, c.WeekStart)
				}
			}
			if row.Held != tt.held || row.Expected != tt.ex {
				t.Errorf("held/expected %d/%d, want %d/%d", row.Held, row.Expected, tt.held, tt.ex)
			}
		})
	}
}

func TestHeatCellPriority(t *testing.T) {
	week := hmAt(2026, 1, 5, 0)
	mon, tue := hmAt(2026, 1, 5, 9), hmAt(2026, 1, 6, 9)
	never := func(a, b time.Time) bool { return false }
	always := func(a, b time.Time) bool { return true }
	tests := []struct {
		name       string
		marks      []Mark
		due        func(a, b time.Time) bool
		unfinished bool
		want       CellState
	}{
		{"held beats cancelled", []Mark{{1, mon, Cancelled}, {1, tue, Held}}, always, false, CellHeld},
		{"rescheduled beats cancelled", []Mark{{1, mon, Cancelled}, {1, tue, Rescheduled}}, always, false, CellRescheduled},
		{"cancelled beats missed", []Mark{{1, mon, Missed}, {1, tue, Cancelled}}, always, false, CellCancelled},
		{"missed beats scheduled", []Mark{{1, mon, Scheduled}, {1, tue, Missed}}, always, false, CellMissed},
		{"past scheduled is expected", []Mark{{1, mon, Scheduled}}, never, false, CellExpected},
		{"slot and nothing is expected", nil, always, false, CellExpected},
		{"no slot is none", nil, never, false, CellNone},
		{"no slot is none this week too", nil, never, true, CellNone},
		{"slot this week is future", nil, always, true, CellFuture},
		{"scheduled this week is future", []Mark{{1, tue, Scheduled}}, never, true, CellFuture},
		{"held this week is held", []Mark{{1, mon, Held}}, always, true, CellHeld},
		{"cancelled this week shows", []Mark{{1, mon, Cancelled}}, always, true, CellCancelled},
		{"outside the span is ignored", []Mark{{1, hmAt(2026, 1, 12, 9), Held}}, always, false, CellExpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := heatCell(week, week, week.AddDate(0, 0, 7), tt.unfinished, tt.marks, tt.due)
			if c.State != tt.want {
				t.Fatalf("got %s, want %s", c.State, tt.want)
			}
		})
	}
}

func TestBuildHeatmapWindowStartingMidWeek(t *testing.T) {
	s := hmSeries()[:1] // Ana: Wednesdays from 5 Jan
	// The window starts on Thursday 8 Jan, after that week's slot: the
	// meetings before it are not loaded, so the week must not show a gap.
	h := BuildHeatmap(s, nil, nil, hmAt(2026, 1, 8, 0), hmAt(2026, 1, 22, 0), hmNow)
	got := []CellState{}
	for _, c := range h.Rows[0].Cells {
		got = append(got, c.State)
	}
	want := []CellState{CellNone, CellExpected, CellExpected}
	if len(got) != len(want) {
		t.Fatalf("cells: %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cells: %v, want %v", got, want)
		}
	}
	if r := h.Rows[0]; r.Expected != 2 || r.Held != 0 {
		t.Fatalf("held/expected %d/%d", r.Held, r.Expected)
	}
}

func TestBuildHeatmapCapsHeldAtExpected(t *testing.T) {
	s := hmSeries()[:1]
	marks := []Mark{{1, hmAt(2026, 1, 7, 10), Held}, {1, hmAt(2026, 1, 8, 10), Held}, {1, hmAt(2026, 1, 9, 10), Held}}
	h := BuildHeatmap(s, marks, nil, hmAt(2026, 1, 5, 0), hmAt(2026, 1, 12, 0), hmNow)
	if r := h.Rows[0]; r.Held != 1 || r.Expected != 1 || r.Cells[0].Count != 3 || r.Cells[0].State != CellHeld {
		t.Fatalf("row: %+v", r)
	}
}
