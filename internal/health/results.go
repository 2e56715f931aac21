package health

import (
	"math"
	"sort"
	"time"
)

// ResultsShown is the one gate in front of every figure made from answers:
// a check shows results once it is closed (so no one can work out a late
// answer from how the figures moved) and only with at least the threshold's
// answers.
func ResultsShown(c Check, threshold int, now time.Time) bool {
	return c.Closed(now) && c.Responses >= max(threshold, MinThreshold)
}

// Needed is how many more answers the check needs before it can show
// results.
func Needed(c Check, threshold int) int {
	return max(max(threshold, MinThreshold)-c.Responses, 0)
}

// DimensionResult is one dimension's figures in one check.
type DimensionResult struct {
	Position    int
	DimensionID int64
	Name        string
	Description string
	Answers     int
	Average     float64 // mean rating, 1–5
	Counts      [5]int  // how many gave each rating, 1 to 5
	Better      int
	Same        int
	Worse       int
}

// Summarize computes each dimension's figures from a check's answers.
// Answers whose shape does not match the check are skipped.
func Summarize(dims []CheckDimension, rs []Response) []DimensionResult {
	out := make([]DimensionResult, len(dims))
	for i, d := range dims {
		out[i] = DimensionResult{Position: d.Position, DimensionID: d.DimensionID, Name: d.Name, Description: d.Description}
	}
	sums := make([]int, len(dims))
	for _, r := range rs {
		if len(r.Scores) != len(dims) || len(r.Trends) != len(dims) {
			continue
		}
		for i := range dims {
			s := r.Scores[i]
			if s < 1 || s > 5 {
				continue
			}
			out[i].Answers++
			out[i].Counts[s-1]++
			sums[i] += s
			switch r.Trends[i] {
			case Better:
				out[i].Better++
			case Worse:
				out[i].Worse++
			default:
				out[i].Same++
			}
		}
	}
	for i := range out {
		if out[i].Answers > 0 {
			out[i].Average = float64(sums[i]) / float64(out[i].Answers)
		}
	}
	return out
}

// Comments returns the answers' comments in alphabetical order, so that
// their order says nothing about who wrote them or when.
func Comments(rs []Response) []string {
	var out []string
	for _, r := range rs {
		if r.Comment != "" {
			out = append(out, r.Comment)
		}
	}
	sort.Strings(out)
	return out
}

// Mean is the mean of the dimension averages.
func Mean(rs []DimensionResult) float64 {
	sum, n := 0.0, 0
	for _, r := range rs {
		if r.Answers > 0 {
			sum += r.Average
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Results is what a check's page shows.
type Results struct {
	Check      Check
	Threshold  int
	Shown      bool // false: below the threshold or still open; nothing else is set
	Needed     int  // more answers needed
	Dimensions []DimensionResult
	Comments   []string
	// Previous is the team's last earlier check with results, for
	// comparison; nil if none.
	Previous *PastCheck
}

// PastCheck is one earlier check's figures.
type PastCheck struct {
	Check      Check
	Dimensions []DimensionResult
}

// Average returns this check's average for a dimension id, if it asked it.
func (p PastCheck) Average(dimensionID int64) (float64, bool) {
	for _, d := range p.Dimensions {
		if d.DimensionID == dimensionID && dimensionID != 0 && d.Answers > 0 {
			return d.Average, true
		}
	}
	return 0, false
}

// TrendLine is one dimension's averages over a team's checks, oldest first.
type TrendLine struct {
	DimensionID int64
	Name        string // the latest wording
	Points      []TrendPoint
}

// TrendPoint is one check's average for a dimension; Asked is false when
// the check did not ask it.
type TrendPoint struct {
	CheckID int64
	Average float64
	Asked   bool
}

// Change is the last point minus the one before it, when both were asked.
func (l TrendLine) Change() (float64, bool) {
	var asked []TrendPoint
	for _, p := range l.Points {
		if p.Asked {
			asked = append(asked, p)
		}
	}
	if len(asked) < 2 {
		return 0, false
	}
	return asked[len(asked)-1].Average - asked[len(asked)-2].Average, true
}

// Trends lines up each dimension's averages over checks (oldest first). A
// dimension keeps its id across renames, so one line follows it; it is named
// by its latest wording.
func Trends(past []PastCheck) []TrendLine {
	var lines []TrendLine
	index := map[int64]int{}
	for ci, p := range past {
		for _, d := range p.Dimensions {
			if d.DimensionID == 0 {
				continue
			}
			li, ok := index[d.DimensionID]
			if !ok {
				li = len(lines)
				index[d.DimensionID] = li
				lines = append(lines, TrendLine{DimensionID: d.DimensionID, Points: make([]TrendPoint, len(past))})
				for k := range past {
					lines[li].Points[k] = TrendPoint{CheckID: past[k].Check.ID}
				}
			}
			lines[li].Name = d.Name
			if d.Answers > 0 {
				lines[li].Points[ci] = TrendPoint{CheckID: p.Check.ID, Average: d.Average, Asked: true}
			}
		}
	}
	return lines
}

// RollupRow is one team in the organisation roll-up.
type RollupRow struct {
	TeamID   int64
	TeamName string
	Latest   *Check // the team's latest closed check; nil if none
	Shown    bool   // the latest check has enough answers
	Needed   int
	Averages map[int64]float64 // by dimension id, when shown
	Changes  map[int64]float64 // by dimension id, against the previous check with results
	Mean     float64
	Change   float64 // mean change over the dimensions both checks asked
	HasPrev  bool
}

// Rollup is the organisation roll-up.
type Rollup struct {
	Dimensions []Dimension // the columns: the organisation's current dimensions
	Threshold  int
	Rows       []RollupRow
}

// SortRollup orders teams: those with results and a change, worst movers
// first; then those with results only, lowest mean first; then those without
// enough answers; then those without a closed check; ties by name.
func SortRollup(rows []RollupRow) {
	rank := func(r RollupRow) int {
		switch {
		case r.Shown && r.HasPrev:
			return 0
		case r.Shown:
			return 1
		case r.Latest != nil:
			return 2
		}
		return 3
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		switch rank(a) {
		case 0:
			if a.Change != b.Change {
				return a.Change < b.Change
			}
		case 1:
			if a.Mean != b.Mean {
				return a.Mean < b.Mean
			}
		}
		return a.TeamName < b.TeamName
	})
}

// Round1 rounds to one decimal, as pages show figures.
func Round1(v float64) float64 { return math.Round(v*10) / 10 }
