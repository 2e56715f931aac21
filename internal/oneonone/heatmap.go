package oneonone

import "time"

// Mark is one meeting for the heatmap.
type Mark struct {
	SeriesID int64
	At       time.Time
	Status   MeetingStatus
}

// CellState is what the heatmap shows for one person-week. When a week has
// several meetings the first of these wins: held > rescheduled > cancelled >
// missed > expected > none > future.
type CellState string

// Cell states.
const (
	// CellHeld: a meeting that week was held.
	CellHeld CellState = "held"
	// CellRescheduled: a meeting that week was moved (and none was held).
	CellRescheduled CellState = "rescheduled"
	// CellCancelled: a meeting that week was cancelled.
	CellCancelled CellState = "cancelled"
	// CellMissed: a meeting that week was marked missed.
	CellMissed CellState = "missed"
	// CellExpected: a slot of the schedule fell in that finished week while
	// the series was running, and nothing was recorded (or a meeting is
	// still "scheduled" though its time has passed). A gap.
	CellExpected CellState = "expected"
	// CellNone: no 1:1 was due that week: before the series started, while
	// it was paused, after it ended, or an off-week of a biweekly or monthly
	// cadence.
	CellNone CellState = "none"
	// CellFuture: the week is not over yet, a 1:1 is due in it and nothing
	// has been recorded so far.
	CellFuture CellState = "future"
)

// cellRank orders the states a recorded meeting can give its week.
var cellRank = map[MeetingStatus]int{Held: 4, Rescheduled: 3, Cancelled: 2, Missed: 1}

// HeatCell is one person-week.
type HeatCell struct {
	WeekStart time.Time
	State     CellState
	Count     int // meetings in that week (inside the window)
}

// HeatRow is one series over the weeks of the heatmap.
type HeatRow struct {
	Series Series
	Cells  []HeatCell
	// Held and Expected are counted over [from, to) the way Pattern.Adherence
	// is: expected slots while the series was running, held meetings capped
	// at that number.
	Held, Expected int
}

// Heatmap is a weeks × series grid of 1:1s.
type Heatmap struct {
	Weeks []time.Time // Mondays 00:00 UTC
	Rows  []HeatRow
}

// heatWeekStart returns the Monday 00:00 UTC of the week holding t.
func heatWeekStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	back := (int(day.Weekday()) + 6) % 7 // days since Monday
	return day.AddDate(0, 0, -back)
}

// BuildHeatmap lays out weeks (Monday-start, UTC) covering [from, to) and
// one row per series, in the order given. pauses maps series id to its
// paused intervals.
//
// A cell looks only at the part of its week inside the window, so a window
// that starts mid-week does not show a gap for a slot before it; a week not
// over yet (ending after now) looks at its remaining days to tell "future"
// (a 1:1 is still due) from "none". Recorded outcomes (held, rescheduled,
// cancelled, missed) show as soon as they are recorded, even in the current
// week.
func BuildHeatmap(series []Series, marks []Mark, pauses map[int64][]Interval, from, to, now time.Time) Heatmap {
	var h Heatmap
	if from.Before(to) {
		for w := heatWeekStart(from); w.Before(to); w = w.AddDate(0, 0, 7) {
			h.Weeks = append(h.Weeks, w)
		}
	}
	bySeries := make(map[int64][]Mark, len(series))
	for _, m := range marks {
		bySeries[m.SeriesID] = append(bySeries[m.SeriesID], m)
	}
	h.Rows = make([]HeatRow, 0, len(series))
	for _, s := range series {
		rule := s.Rule()
		var ended time.Time
		if s.EndedAt != nil {
			ended = *s.EndedAt
		}
		ps := pauses[s.ID]
		ms := bySeries[s.ID]
		row := HeatRow{Series: s, Cells: make([]HeatCell, len(h.Weeks))}
		for i, ws := range h.Weeks {
			we := ws.AddDate(0, 0, 7)
			start, end := ws, we
			if start.Before(from) {
				start = from
			}
			unfinished := now.Before(we)
			if !unfinished && to.Before(end) {
				end = to
			}
			row.Cells[i] = heatCell(ws, start, end, unfinished, ms, func(a, b time.Time) bool {
				return Expected(rule, a, b, ended, ps) > 0
			})
		}
		if from.Before(to) {
			row.Expected = Expected(rule, from, to, ended, ps)
			for _, m := range ms {
				if m.Status == Held && !m.At.Before(from) && m.At.Before(to) {
					row.Held++
				}
			}
			if row.Held > row.Expected {
				row.Held = row.Expected
			}
		}
		h.Rows = append(h.Rows, row)
	}
	return h
}

// heatCell works out one person-week from the marks in [start, end); due
// reports whether a slot fell in a span while the series was running.
func heatCell(ws, start, end time.Time, unfinished bool, ms []Mark, due func(a, b time.Time) bool) HeatCell {
	c := HeatCell{WeekStart: ws, State: CellNone}
	best, scheduled := 0, false
	for _, m := range ms {
		if m.At.Before(start) || !m.At.Before(end) {
			continue
		}
		c.Count++
		if r := cellRank[m.Status]; r > best {
			best = r
			c.State = CellState(m.Status)
		}
		if m.Status == Scheduled {
			scheduled = true
		}
	}
	if best > 0 {
		return c
	}
	if scheduled || due(start, end) {
		if unfinished {
			c.State = CellFuture
		} else {
			c.State = CellExpected
		}
	}
	return c
}
