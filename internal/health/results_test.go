package health

import (
	"math"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Four answers to three dimensions, worked out by hand:
//
//	dimension        ratings       mean           better/same/worse
//	Trust (id 11)    4 3 5 4       16/4 = 4.00    3/1/0
//	Listening (12)   2 2 3 1        8/4 = 2.00    0/1/3
//	Support (13)     5 4 4 2       15/4 = 3.75    1/2/1
func fixture() ([]CheckDimension, []Response) {
	dims := []CheckDimension{
		{Position: 1, DimensionID: 11, Name: "Trust"},
		{Position: 2, DimensionID: 12, Name: "Active listening"},
		{Position: 3, DimensionID: 13, Name: "Support"},
	}
	rs := []Response{
		{Scores: []int{4, 2, 5}, Trends: []Trend{Better, Worse, Same}, Comment: "b comment"},
		{Scores: []int{3, 2, 4}, Trends: []Trend{Same, Worse, Better}},
		{Scores: []int{5, 3, 4}, Trends: []Trend{Better, Same, Same}, Comment: "a comment"},
		{Scores: []int{4, 1, 2}, Trends: []Trend{Better, Worse, Worse}},
	}
	return dims, rs
}

func TestSummarizeMatchesHandComputedFixture(t *testing.T) {
	dims, rs := fixture()
	got := Summarize(dims, rs)
	want := []struct {
		avg                 float64
		counts              [5]int
		better, same, worse int
	}{
		{4.0, [5]int{0, 0, 1, 2, 1}, 3, 1, 0},
		{2.0, [5]int{1, 2, 1, 0, 0}, 0, 1, 3},
		{3.75, [5]int{0, 1, 0, 2, 1}, 1, 2, 1},
	}
	for i, w := range want {
		g := got[i]
		if !near(g.Average, w.avg) || g.Counts != w.counts || g.Better != w.better || g.Same != w.same || g.Worse != w.worse || g.Answers != 4 {
			t.Errorf("%s: got avg %v counts %v trend %d/%d/%d, want %v %v %d/%d/%d", g.Name, g.Average, g.Counts, g.Better, g.Same, g.Worse,
				w.avg, w.counts, w.better, w.same, w.worse)
		}
	}
	if m := Mean(got); !near(m, (4.0+2.0+3.75)/3) {
		t.Errorf("mean %v", m)
	}
	if c := Comments(rs); strings.Join(c, "|") != "a comment|b comment" {
		t.Errorf("comments are not in alphabetical order: %v", c)
	}
}

// The previous check asked "Listening" (id 12), since renamed; averages
// 3.5, 3.0 and 4.0 make changes of +0.5, −1.0 and −0.25.
func TestTrendsFollowDimensionsAcrossRenames(t *testing.T) {
	dims, rs := fixture()
	prevDims := []CheckDimension{
		{Position: 1, DimensionID: 11, Name: "Trust"},
		{Position: 2, DimensionID: 12, Name: "Listening"},
		{Position: 3, DimensionID: 13, Name: "Support"},
	}
	prevRs := []Response{
		{Scores: []int{3, 3, 4}, Trends: []Trend{Same, Same, Same}},
		{Scores: []int{4, 3, 4}, Trends: []Trend{Same, Same, Same}},
	}
	past := []PastCheck{
		{Check: Check{ID: 1}, Dimensions: Summarize(prevDims, prevRs)},
		{Check: Check{ID: 2}, Dimensions: Summarize(dims, rs)},
	}
	lines := Trends(past)
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	want := []struct {
		name   string
		change float64
	}{{"Trust", 0.5}, {"Active listening", -1.0}, {"Support", -0.25}}
	for i, w := range want {
		c, ok := lines[i].Change()
		if lines[i].Name != w.name || !ok || !near(c, w.change) {
			t.Errorf("line %d: %q change %v (%v), want %q %v", i, lines[i].Name, c, ok, w.name, w.change)
		}
	}
	if v, ok := past[0].Average(12); !ok || !near(v, 3.0) {
		t.Errorf("previous Listening average %v", v)
	}
}

func TestResultsNeedAClosedCheckAndTheThreshold(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	closed := Check{OpenedAt: now.Add(-48 * time.Hour), ClosesAt: now.Add(-time.Hour)}
	open := Check{OpenedAt: now.Add(-48 * time.Hour), ClosesAt: now.Add(time.Hour)}
	cases := []struct {
		name      string
		c         Check
		n, thresh int
		shown     bool
		needed    int
	}{
		{"closed with 2 of 3", closed, 2, 3, false, 1},
		{"closed with 3 of 3", closed, 3, 3, true, 0},
		{"open with 5", open, 5, 3, false, 0},
		{"a threshold under 3 counts as 3", closed, 2, 2, false, 1},
		{"closed with 4 of 5", closed, 4, 5, false, 1},
		{"closed by hand", Check{OpenedAt: open.OpenedAt, ClosesAt: open.ClosesAt, ClosedAt: &now}, 3, 3, true, 0},
	}
	for _, c := range cases {
		c.c.Responses = c.n
		if got := ResultsShown(c.c, c.thresh, now); got != c.shown {
			t.Errorf("%s: shown %v", c.name, got)
		}
		if got := Needed(c.c, c.thresh); got != c.needed {
			t.Errorf("%s: needed %d, want %d", c.name, got, c.needed)
		}
	}
	if (Settings{MinResponses: 1}).Threshold() != 3 {
		t.Error("a stored threshold under 3 is used")
	}
}

func TestAnswerParseRefusesBadInput(t *testing.T) {
	dims, _ := fixture()
	ok := func() AnswerInput {
		return AnswerInput{Scores: map[int]string{1: "4", 2: "2", 3: "5"}, Trends: map[int]string{1: "better", 2: "same", 3: "worse"}, Comment: " fine "}
	}
	in := ok()
	r, err := in.Parse(dims)
	if err != nil || len(r.Scores) != 3 || r.Scores[2] != 5 || r.Trends[2] != Worse || r.Comment != "fine" {
		t.Fatalf("a good answer: %+v %v", r, err)
	}
	cases := []struct {
		name  string
		edit  func(*AnswerInput)
		field string
	}{
		{"rating above the scale", func(a *AnswerInput) { a.Scores[1] = "6" }, "score_1"},
		{"rating below the scale", func(a *AnswerInput) { a.Scores[2] = "0" }, "score_2"},
		{"rating not a number", func(a *AnswerInput) { a.Scores[3] = "five" }, "score_3"},
		{"rating a fraction", func(a *AnswerInput) { a.Scores[3] = "4.5" }, "score_3"},
		{"rating missing", func(a *AnswerInput) { delete(a.Scores, 2) }, "score_2"},
		{"trend unknown", func(a *AnswerInput) { a.Trends[1] = "up" }, "trend_1"},
		{"trend missing", func(a *AnswerInput) { delete(a.Trends, 3) }, "trend_3"},
		{"comment too long", func(a *AnswerInput) { a.Comment = strings.Repeat("x", MaxComment+1) }, "comment"},
	}
	for _, c := range cases {
		in := ok()
		c.edit(&in)
		_, err := in.Parse(dims)
		if core.ErrorCode(err) != core.EINVALID || core.FieldErrors(err)[c.field] == "" {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestRollupPutsWorstMoversFirst(t *testing.T) {
	c := &Check{}
	rows := []RollupRow{
		{TeamName: "None"},
		{TeamName: "Few", Latest: c},
		{TeamName: "First", Latest: c, Shown: true, Mean: 3},
		{TeamName: "Up", Latest: c, Shown: true, HasPrev: true, Change: 0.1},
		{TeamName: "Down", Latest: c, Shown: true, HasPrev: true, Change: -0.25},
	}
	SortRollup(rows)
	var names []string
	for _, r := range rows {
		names = append(names, r.TeamName)
	}
	if got := strings.Join(names, ","); got != "Down,Up,First,Few,None" {
		t.Errorf("order %s", got)
	}
}
