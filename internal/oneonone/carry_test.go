package oneonone

import (
	"slices"
	"testing"
	"time"
)

func TestPlanCarryOverMovesEachPointOnce(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, time.UTC) }
	cases := []struct {
		name       string
		cands      []CarryPoint
		on         []string
		wantMoves  []Carried
		wantCopies []int64
	}{
		{"nothing to carry", nil, nil, nil, nil},
		{"distinct points all move", []CarryPoint{{1, "a", day(12)}, {2, "b", day(5)}}, nil,
			[]Carried{{1, day(12)}, {2, day(5)}}, nil},
		{"the newest copy moves with the earliest day", []CarryPoint{{3, "a", day(19)}, {2, "a", day(12)}, {1, "a", day(5)}}, nil,
			[]Carried{{3, day(5)}}, []int64{2, 1}},
		{"a point already on the agenda is not added", []CarryPoint{{1, "a", day(12)}, {2, "b", day(12)}}, []string{"a"},
			[]Carried{{2, day(12)}}, []int64{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			moves, copies := PlanCarryOver(c.cands, c.on)
			if !slices.Equal(moves, c.wantMoves) || !slices.Equal(copies, c.wantCopies) {
				t.Errorf("moves %v copies %v, want %v %v", moves, copies, c.wantMoves, c.wantCopies)
			}
		})
	}
}
