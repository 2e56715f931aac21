package kudos

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

// The fixtures below are small enough to check by hand; each expected figure
// is worked out in a comment next to it.

var (
	eqNow  = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	eqTo   = time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC) // end of today
	eqFrom = eqTo.AddDate(0, 0, -30)
)

const eqOutsider = 999 // gives kudos but is not in the population

func eqDaysAgo(d int) time.Time { return eqNow.Add(-time.Duration(d) * 24 * time.Hour) }

func eqNear(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// eqFive returns Ann, Bob, Cat, Dev and Eve (IDs 1–5), no team.
func eqFive() []Member {
	return []Member{{ID: 1, Name: "Ann"}, {ID: 2, Name: "Bob"}, {ID: 3, Name: "Cat"}, {ID: 4, Name: "Dev"}, {ID: 5, Name: "Eve"}}
}

// eqReceive returns edges from the outsider so that member i+1 receives
// counts[i] kudos, all inside the period.
func eqReceive(counts ...int) []Edge {
	var out []Edge
	for i, c := range counts {
		for k := range c {
			out = append(out, Edge{Giver: eqOutsider, Receiver: int64(i + 1), At: eqDaysAgo(1 + k)})
		}
	}
	return out
}

func eqNames(ms []Member) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestComputeSkewed(t *testing.T) {
	// Received [0, 0, 1, 1, 8] (Ann, Bob, Cat, Dev, Eve), 10 in all, n = 5.
	//
	// Top 20 %: ceil(0.2 × 5) = 1 person, Eve with 8, so 8 of 10 = 0.8.
	//
	// Gini, values ascending x = 0, 0, 1, 1, 8, weights 2i − n − 1 = 2i − 6:
	//   i=1: −4×0 = 0   i=2: −2×0 = 0   i=3: 0×1 = 0
	//   i=4:  2×1 = 2   i=5:  4×8 = 32
	//   G = 34 / (5 × 10) = 0.68
	//
	// Concentrated: 5 members, 10 kudos ≥ 5, and 0.8 > 0.5 (0.68 > 0.5 too).
	eq := Compute(eqFive(), eqReceive(0, 0, 1, 1, 8), eqFrom, eqTo, eqNow)
	if eq.Total != 10 {
		t.Errorf("Total = %d, want 10", eq.Total)
	}
	if eq.TopPeople != 1 || eq.TopReceived != 8 || !eqNear(eq.TopShare, 0.8) {
		t.Errorf("top = %d people, %d kudos, share %v; want 1, 8, 0.8", eq.TopPeople, eq.TopReceived, eq.TopShare)
	}
	if !eqNear(eq.Gini, 0.68) {
		t.Errorf("Gini = %v, want 0.68", eq.Gini)
	}
	if !eq.Concentrated {
		t.Error("not flagged as concentrated")
	}
	// By received, then name: Cat and Dev tie on 1, Ann and Bob on 0.
	var order []string
	var got []int
	for _, p := range eq.People {
		order = append(order, p.Member.Name)
		got = append(got, p.Received)
	}
	if want := []string{"Eve", "Cat", "Dev", "Ann", "Bob"}; !slices.Equal(order, want) {
		t.Errorf("People order = %v, want %v", order, want)
	}
	if want := []int{8, 1, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("received = %v, want %v", got, want)
	}
	if want := []string{"Ann", "Bob"}; !slices.Equal(eqNames(eq.NoneReceived), want) {
		t.Errorf("NoneReceived = %v, want %v", eqNames(eq.NoneReceived), want)
	}
	if eq.People[0].LastReceived != eqDaysAgo(1) {
		t.Errorf("Eve's LastReceived = %v, want %v", eq.People[0].LastReceived, eqDaysAgo(1))
	}
}

func TestComputeEqual(t *testing.T) {
	// Everyone received 2: G = 0 (the weights 2i − n − 1 sum to 0).
	// Top 20 %: 1 person with 2 of 10 = 0.2, their even share.
	eq := Compute(eqFive(), eqReceive(2, 2, 2, 2, 2), eqFrom, eqTo, eqNow)
	if eq.Gini != 0 {
		t.Errorf("Gini = %v, want 0", eq.Gini)
	}
	if eq.TopReceived != 2 || !eqNear(eq.TopShare, 0.2) {
		t.Errorf("top = %d, share %v; want 2, 0.2", eq.TopReceived, eq.TopShare)
	}
	if eq.Concentrated || len(eq.NoneReceived) != 0 {
		t.Errorf("Concentrated = %v, NoneReceived = %v; want false, none", eq.Concentrated, eqNames(eq.NoneReceived))
	}
}

func TestComputeOneTakesAll(t *testing.T) {
	// Eve received all 6: only i=5 counts, G = 4×6 / (5×6) = 0.8 = (n−1)/n.
	eq := Compute(eqFive(), eqReceive(0, 0, 0, 0, 6), eqFrom, eqTo, eqNow)
	if !eqNear(eq.Gini, 0.8) {
		t.Errorf("Gini = %v, want 0.8", eq.Gini)
	}
	if eq.TopReceived != 6 || !eqNear(eq.TopShare, 1) || !eq.Concentrated {
		t.Errorf("top = %d, share %v, flagged %v; want 6, 1, true", eq.TopReceived, eq.TopShare, eq.Concentrated)
	}
	if want := []string{"Ann", "Bob", "Cat", "Dev"}; !slices.Equal(eqNames(eq.NoneReceived), want) {
		t.Errorf("NoneReceived = %v, want %v", eqNames(eq.NoneReceived), want)
	}
}

func TestConcentratedThresholds(t *testing.T) {
	ten := func() []Member {
		var ms []Member
		for i := range 10 {
			ms = append(ms, Member{ID: int64(i + 1), Name: string(rune('A' + i))})
		}
		return ms
	}
	tests := []struct {
		name    string
		members []Member
		edges   []Edge
		top     float64
		gini    float64
		flagged bool
	}{
		{
			// [1,1,1,1,6]: top 6/10 = 0.6; G = (−4−2+0+2+24)/50 = 0.4.
			name: "top share alone", members: eqFive(), edges: eqReceive(1, 1, 1, 1, 6),
			top: 0.6, gini: 0.4, flagged: true,
		},
		{
			// n = 10, top 2 people: [0×6, 3×4] gives top 6/12 = 0.5 (not above);
			// G = (3+5+7+9)×3 / (10×12) = 72/120 = 0.6.
			name: "Gini alone", members: ten(), edges: eqReceive(3, 3, 3, 3, 0, 0, 0, 0, 0, 0),
			top: 0.5, gini: 0.6, flagged: true,
		},
		{
			// [0,0,0,1,3]: top 3/4 = 0.75; G = (2×1 + 4×3)/(5×4) = 0.7, but
			// only 4 kudos for 5 members.
			name: "fewer kudos than members", members: eqFive(), edges: eqReceive(0, 0, 0, 1, 3),
			top: 0.75, gini: 0.7, flagged: false,
		},
		{
			// n = 10, 4 kudos to 4 people: G = (3+5+7+9)/(10×4) = 0.6 although
			// nobody got two.
			name: "spread thin", members: ten(), edges: eqReceive(1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
			top: 0.5, gini: 0.6, flagged: false,
		},
		{
			// Four members, one gets all 8: G = 3×8/(4×8) = 0.75, top 1.
			name: "fewer than five members", members: eqFive()[:4], edges: eqReceive(8),
			top: 1, gini: 0.75, flagged: false,
		},
	}
	for _, tt := range tests {
		eq := Compute(tt.members, tt.edges, eqFrom, eqTo, eqNow)
		if !eqNear(eq.TopShare, tt.top) || !eqNear(eq.Gini, tt.gini) || eq.Concentrated != tt.flagged {
			t.Errorf("%s: top %v, Gini %v, flagged %v; want %v, %v, %v",
				tt.name, eq.TopShare, eq.Gini, eq.Concentrated, tt.top, tt.gini, tt.flagged)
		}
	}
}

func TestGini(t *testing.T) {
	tests := []struct {
		counts []int
		want   float64
	}{
		{nil, 0},
		{[]int{7}, 0},                // fewer than 2
		{[]int{0, 0, 0}, 0},          // nothing received
		{[]int{8, 1, 0, 1, 0}, 0.68}, // any order
		{[]int{0, 1}, 0.5},           // (−1×0 + 1×1) / (2×1)
		{[]int{1, 3}, 0.25},          // (−1×1 + 1×3) / (2×4)
	}
	for _, tt := range tests {
		if got := Gini(tt.counts); !eqNear(got, tt.want) {
			t.Errorf("Gini(%v) = %v, want %v", tt.counts, got, tt.want)
		}
	}
}

func TestComputeOneWayAndCounts(t *testing.T) {
	ms := eqFive()[:4] // Ann 1, Bob 2, Cat 3, Dev 4
	in := eqDaysAgo(3)
	edges := []Edge{
		// Ann → Bob three times, never back: one-way, 3.
		{Giver: 1, Receiver: 2, At: in}, {Giver: 1, Receiver: 2, At: in}, {Giver: 1, Receiver: 2, At: in},
		// Dev → Ann twice, never back: one-way, 2.
		{Giver: 4, Receiver: 1, At: in}, {Giver: 4, Receiver: 1, At: in},
		// Cat → Dev twice and Dev → Cat once: both ways, not listed.
		{Giver: 3, Receiver: 4, At: in}, {Giver: 3, Receiver: 4, At: in}, {Giver: 4, Receiver: 3, At: in},
		// Bob → Cat once: below the minimum of 2.
		{Giver: 2, Receiver: 3, At: in},
		// The eqOutsider → Cat 5 times: counts as received, never as a pair.
		{Giver: eqOutsider, Receiver: 3, At: in}, {Giver: eqOutsider, Receiver: 3, At: in},
		{Giver: eqOutsider, Receiver: 3, At: in}, {Giver: eqOutsider, Receiver: 3, At: in},
		{Giver: eqOutsider, Receiver: 3, At: in},
		// Ann → the eqOutsider: counts as given.
		{Giver: 1, Receiver: eqOutsider, At: in},
		// Ann → Ann: ignored.
		{Giver: 1, Receiver: 1, At: in},
		// Outside the period [from, to): ignored for counts and pairs. The
		// edge at exactly from is inside; at exactly to, outside.
		{Giver: 2, Receiver: 1, At: eqFrom.Add(-time.Second)},
		{Giver: 2, Receiver: 1, At: eqTo},
		{Giver: 3, Receiver: 2, At: eqFrom},
	}
	eq := Compute(ms, edges, eqFrom, eqTo, eqNow)

	want := []Pair{
		{A: ms[0], B: ms[1], AtoB: 3},
		{A: ms[3], B: ms[0], AtoB: 2},
	}
	if !reflect.DeepEqual(eq.OneWay, want) {
		t.Errorf("OneWay = %+v, want %+v", eq.OneWay, want)
	}

	// Received: Ann 2 (Dev), Bob 4 (Ann ×3, Cat at from), Cat 7 (Bob, Dev,
	// eqOutsider ×5), Dev 2 (Cat) = 15.
	// Given:    Ann 4 (Bob ×3, eqOutsider), Bob 1, Cat 3 (Dev ×2, Bob), Dev 3.
	type gr struct {
		name            string
		given, received int
	}
	var got []gr
	for _, p := range eq.People {
		got = append(got, gr{p.Member.Name, p.Given, p.Received})
	}
	wantGR := []gr{{"Cat", 3, 7}, {"Bob", 1, 4}, {"Ann", 4, 2}, {"Dev", 3, 2}}
	if !slices.Equal(got, wantGR) {
		t.Errorf("People = %v, want %v", got, wantGR)
	}
	if eq.Total != 15 {
		t.Errorf("Total = %d, want 15", eq.Total)
	}
	// Ann's latest received edge before the end of the period is Dev's
	// (Bob's at exactly `to` is after the period).
	for _, p := range eq.People {
		if p.Member.Name == "Ann" && p.LastReceived != in {
			t.Errorf("Ann's LastReceived = %v, want %v", p.LastReceived, in)
		}
	}
}

func TestComputeNudges(t *testing.T) {
	ms := []Member{
		{ID: 1, Name: "Ann"}, {ID: 2, Name: "Bob"}, {ID: 3, Name: "Cat"},
		{ID: 4, Name: "Dev"}, {ID: 5, Name: "Eve"}, {ID: 6, Name: "Fay"}, {ID: 7, Name: "Gus"},
	}
	edges := []Edge{
		{Giver: eqOutsider, Receiver: 1, At: eqDaysAgo(59)},          // Ann: 59 days, not nudged
		{Giver: 1, Receiver: 2, At: eqDaysAgo(61)},                   // Bob: 61 days, nudged
		{Giver: 2, Receiver: 4, At: eqDaysAgo(61)},                   // Dev: 61 days...
		{Giver: 3, Receiver: 4, At: eqDaysAgo(10)},                   // ...and 10: not nudged
		{Giver: eqOutsider, Receiver: 5, At: eqNow.Add(-NudgeAfter)}, // Eve: exactly 60 days, not nudged
		{Giver: eqOutsider, Receiver: 6, At: eqNow.Add(time.Hour)},   // Fay: only after now, nudged as never
		{Giver: eqOutsider, Receiver: 7, At: eqDaysAgo(90)},          // Gus: 90 days, nudged
		// Cat: never recognised, nudged.
	}
	// The period is the last 30 days, so Ann (59 days) received nothing in
	// it yet is not nudged: the nudge list ignores the period.
	eq := Compute(ms, edges, eqFrom, eqTo, eqNow)
	// Never first (Cat, Fay by name), then longest ago (Gus 90, Bob 61).
	if want := []string{"Cat", "Fay", "Gus", "Bob"}; !slices.Equal(eqNames(eq.Nudges), want) {
		t.Errorf("Nudges = %v, want %v", eqNames(eq.Nudges), want)
	}
	if want := []string{"Ann", "Bob", "Cat", "Eve", "Gus"}; !slices.Equal(eqNames(eq.NoneReceived), want) {
		t.Errorf("NoneReceived = %v, want %v", eqNames(eq.NoneReceived), want)
	}
	// Fay's edge is after now but before the end of the period.
	for _, p := range eq.People {
		if p.Member.Name == "Fay" && p.Received != 1 {
			t.Errorf("Fay received %d, want 1", p.Received)
		}
	}
}

func TestComputeTeamFlow(t *testing.T) {
	ms := []Member{
		{ID: 1, Name: "Ann", TeamID: 10, TeamName: "Platform"},
		{ID: 2, Name: "Bob", TeamID: 10, TeamName: "Platform"},
		{ID: 3, Name: "Cat", TeamID: 20, TeamName: "Design"},
		{ID: 4, Name: "Dev", TeamID: 30, TeamName: "Data"},
		{ID: 5, Name: "Eve"}, // no team
	}
	in := eqDaysAgo(2)
	edges := []Edge{
		{Giver: 1, Receiver: 2, At: in}, {Giver: 2, Receiver: 1, At: in}, // Platform → Platform 2
		{Giver: 1, Receiver: 3, At: in, Cross: true}, {Giver: 2, Receiver: 3, At: in, Cross: true},
		{Giver: 2, Receiver: 3, At: in, Cross: true},          // Platform → Design 3
		{Giver: 3, Receiver: 1, At: in, Cross: true},          // Design → Platform 1
		{Giver: 4, Receiver: 3, At: in},                       // Data → Design 1 (they share another team: not cross)
		{Giver: 5, Receiver: 3, At: in, Cross: true},          // no team: not in the matrix
		{Giver: eqOutsider, Receiver: 4, At: in, Cross: true}, // not a member: not in the matrix
		{Giver: 3, Receiver: 3, At: in},                       // self: ignored
	}
	eq := Compute(ms, edges, eqFrom, eqTo, eqNow)
	// Teams by name: Data, Design, Platform.
	wantTeams := []Member{{ID: 30, Name: "Data"}, {ID: 20, Name: "Design"}, {ID: 10, Name: "Platform"}}
	if !reflect.DeepEqual(eq.Flow.Teams, wantTeams) {
		t.Errorf("Teams = %v, want %v", eq.Flow.Teams, wantTeams)
	}
	wantCounts := [][]int{
		//  Data Design Platform   (to)
		{0, 1, 0}, // from Data
		{0, 0, 1}, // from Design
		{0, 3, 2}, // from Platform
	}
	if !reflect.DeepEqual(eq.Flow.Counts, wantCounts) {
		t.Errorf("Counts = %v, want %v", eq.Flow.Counts, wantCounts)
	}
	// Total 9 received by members (self excluded); cross: 3 + 1 + 1 + 1 = 6.
	if eq.Total != 9 || eq.Cross != 6 {
		t.Errorf("Total, Cross = %d, %d; want 9, 6", eq.Total, eq.Cross)
	}
}

func TestComputeEmpty(t *testing.T) {
	eq := Compute(nil, nil, eqFrom, eqTo, eqNow)
	if len(eq.People) != 0 || eq.Total != 0 || eq.TopPeople != 0 || eq.TopShare != 0 ||
		eq.Gini != 0 || eq.Concentrated || len(eq.NoneReceived) != 0 || len(eq.OneWay) != 0 ||
		len(eq.Flow.Teams) != 0 || len(eq.Flow.Counts) != 0 || len(eq.Nudges) != 0 {
		t.Errorf("empty input: %+v", eq)
	}

	// Members but no kudos: nobody received, everyone is nudged, no spread.
	eq = Compute(eqFive(), nil, eqFrom, eqTo, eqNow)
	if eq.Total != 0 || eq.TopPeople != 1 || eq.TopShare != 0 || eq.Gini != 0 || eq.Concentrated {
		t.Errorf("no kudos: total %d, top %d %v, Gini %v, flagged %v", eq.Total, eq.TopPeople, eq.TopShare, eq.Gini, eq.Concentrated)
	}
	all := []string{"Ann", "Bob", "Cat", "Dev", "Eve"}
	if !slices.Equal(eqNames(eq.NoneReceived), all) || !slices.Equal(eqNames(eq.Nudges), all) {
		t.Errorf("no kudos: none received %v, nudges %v; want everyone", eqNames(eq.NoneReceived), eqNames(eq.Nudges))
	}
}

func TestComputeDeterministic(t *testing.T) {
	ms := []Member{
		{ID: 4, Name: "Dev", TeamID: 2, TeamName: "B"}, {ID: 1, Name: "Ann", TeamID: 1, TeamName: "A"},
		{ID: 3, Name: "Ann", TeamID: 2, TeamName: "B"}, {ID: 2, Name: "Bob", TeamID: 1, TeamName: "A"},
		{ID: 1, Name: "Ann again"}, // duplicate ID: the first wins
	}
	edges := []Edge{
		{Giver: 1, Receiver: 2, At: eqDaysAgo(1)}, {Giver: 1, Receiver: 2, At: eqDaysAgo(2)},
		{Giver: 3, Receiver: 4, At: eqDaysAgo(1)}, {Giver: 3, Receiver: 4, At: eqDaysAgo(3)},
		{Giver: 4, Receiver: 1, At: eqDaysAgo(1)}, {Giver: 4, Receiver: 1, At: eqDaysAgo(5)},
	}
	first := Compute(ms, edges, eqFrom, eqTo, eqNow)
	if len(first.People) != 4 {
		t.Fatalf("%d people, want 4 (duplicate ID dropped)", len(first.People))
	}
	// Three one-way pairs of 2; by giver name then ID: Ann (1), Ann (3), Dev.
	var givers []int64
	for _, p := range first.OneWay {
		givers = append(givers, p.A.ID)
	}
	if want := []int64{1, 3, 4}; !slices.Equal(givers, want) {
		t.Errorf("one-way givers = %v, want %v", givers, want)
	}
	for range 20 {
		rev := slices.Clone(edges)
		slices.Reverse(rev)
		if got := Compute(ms, rev, eqFrom, eqTo, eqNow); !reflect.DeepEqual(got, first) {
			t.Fatalf("result depends on edge order:\n%+v\n%+v", got, first)
		}
	}
}

func TestFlowFoldsSmallTeamsIntoOther(t *testing.T) {
	var f TeamFlow
	n := 15
	for i := 0; i < n; i++ {
		f.Teams = append(f.Teams, Member{ID: int64(i + 1), Name: fmt.Sprintf("Team %02d", i+1)})
		f.Counts = append(f.Counts, make([]int, n))
	}
	// Team 15 → Team 14: 9 kudos; everyone else: 1 to the next team.
	f.Counts[14][13] = 9
	for i := 0; i < n-1; i++ {
		f.Counts[i][i+1]++
	}
	total := 9 + n - 1
	g := foldFlow(f, 12)
	if len(g.Teams) != 12 || g.Teams[11].ID != OtherTeamsID || g.Teams[11].Name != "Other teams (4)" {
		t.Fatalf("teams: %+v", g.Teams)
	}
	sum := 0
	for _, row := range g.Counts {
		for _, c := range row {
			sum += c
		}
	}
	if sum != total {
		t.Fatalf("folding lost kudos: %d of %d", sum, total)
	}
	found := false
	for i, tm := range g.Teams {
		for j, to := range g.Teams {
			if tm.ID == 15 && to.ID == 14 && g.Counts[i][j] == 9 {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("the busiest pair was folded away")
	}
	if h := foldFlow(g, 12); len(h.Teams) != 12 {
		t.Fatal("folding a small grid changed it")
	}
}
