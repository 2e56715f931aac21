package pulse

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// shownCounts returns each shown slice's answers, and the answers left for
// the hidden ones.
func shownCounts(b Breakdown) (shown []int, rest int) {
	for _, s := range b.Slices {
		if s.Shown {
			shown = append(shown, s.Figures.Responses)
		}
	}
	return shown, b.Hidden
}

func TestSuppressNeverLeavesASmallRemainder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		threshold := 3 + rng.IntN(3)
		groups := make([]Group, 1+rng.IntN(8))
		total := 0
		for k := range groups {
			groups[k] = Group{Key: int64(k), Count: 1 + rng.IntN(9)}
			total += groups[k].Count
		}
		if total < threshold {
			continue // the round shows nothing at all (ResultsShown)
		}
		shown := Suppress(groups, threshold)
		sum := 0
		for k, ok := range shown {
			if ok {
				if groups[k].Count < threshold {
					t.Fatalf("%v (threshold %d): a group of %d is shown", groups, threshold, groups[k].Count)
				}
				sum += groups[k].Count
			}
		}
		if rest := total - sum; rest != 0 && rest < threshold {
			t.Fatalf("%v (threshold %d): total − shown = %d answers", groups, threshold, rest)
		}
	}
}

func TestSuppressHidesTheNextSmallestWithALoneSmallGroup(t *testing.T) {
	groups := []Group{{Key: 1, Count: 10}, {Key: 2, Count: 4}, {Key: 3, Count: 2}, {Key: 4, Count: 6}}
	got := Suppress(groups, 3)
	want := []bool{true, false, false, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("shown %v, want %v", got, want)
		}
	}
}

// randomRound is a round of answers from a random audience: people in up to
// six teams under up to six managers, some kept as "other" (0).
func randomRound(rng *rand.Rand) []Response {
	n := 3 + rng.IntN(30)
	teams, managers := 1+rng.IntN(6), 1+rng.IntN(6)
	rs := make([]Response, n)
	for i := range rs {
		t, m := int64(rng.IntN(teams+1)), int64(rng.IntN(managers+1))
		rs[i] = Response{Scores: []int{1 + rng.IntN(5), 1 + rng.IntN(5)}, ENPS: rng.IntN(11),
			Team: t, TeamName: "team", Manager: m, ManagerName: "manager"}
	}
	return rs
}

// TestNoShownFiguresLetAnyoneDeriveASmallGroup plays the attacker on random
// audiences and answers. The figures shown are the round's total and every
// shown slice of both breakdowns; each is a set of answers. Adding and
// subtracting any of them (each used at most once) must never give a set of
// between 1 and threshold−1 answers, and in each breakdown the total minus
// the shown slices must hold 0 or at least threshold answers.
func TestNoShownFiguresLetAnyoneDeriveASmallGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	statements := []string{"a", "b"}
	tried, brute := 0, 0
	for i := 0; i < 600; i++ {
		threshold := 3 + rng.IntN(2)
		rs := randomRound(rng)
		if len(rs) < threshold {
			continue
		}
		tried++
		byTeam, byManager := Breakdowns(statements, rs, threshold)
		// The sets an attacker sees, as membership vectors over the answers.
		all := make([]bool, len(rs))
		for i := range all {
			all[i] = true
		}
		sets := [][]bool{all}
		for _, b := range []struct {
			bd  Breakdown
			key func(Response) (int64, string)
		}{{byTeam, ByTeam}, {byManager, ByManager}} {
			shown, rest := shownCounts(b.bd)
			sum := 0
			for _, n := range shown {
				if n < threshold {
					t.Fatalf("a slice of %d answers is shown (threshold %d)", n, threshold)
				}
				sum += n
			}
			if len(rs)-sum != rest {
				t.Fatalf("hidden %d, but total %d − shown %d", rest, len(rs), sum)
			}
			if rest != 0 && rest < threshold {
				t.Fatalf("total − shown slices = %d answers (threshold %d)", rest, threshold)
			}
			for _, s := range b.bd.Slices {
				if !s.Shown {
					continue
				}
				v := make([]bool, len(rs))
				for i, r := range rs {
					k, _ := b.key(r)
					v[i] = k == s.Key
				}
				sets = append(sets, v)
			}
		}
		if len(sets) > 10 {
			continue
		}
		brute++
		// Every combination of +1, 0, −1 per set.
		coef := make([]int, len(sets))
		for {
			j := 0
			for j < len(coef) && coef[j] == 1 {
				coef[j] = -1
				j++
			}
			if j == len(coef) {
				break
			}
			coef[j]++
			size, ok := 0, true
			for i := range rs {
				x := 0
				for k, s := range sets {
					if s[i] {
						x += coef[k]
					}
				}
				if x != 0 && x != 1 {
					ok = false
					break
				}
				size += x
			}
			if ok && size > 0 && size < threshold {
				t.Fatalf("threshold %d: the shown figures %v give a group of %d answers\nanswers: %+v", threshold, coef, size, rs)
			}
		}
	}
	t.Logf("%d rounds, %d checked against every combination of the shown figures", tried, brute)
	if brute < 200 {
		t.Fatalf("only %d rounds were small enough to check by brute force", brute)
	}
}

func TestENPSAndAverages(t *testing.T) {
	rs := []Response{{Scores: []int{5}, ENPS: 10}, {Scores: []int{4}, ENPS: 9}, {Scores: []int{3}, ENPS: 7}, {Scores: []int{2}, ENPS: 0}}
	f := Summarize([]string{"s"}, rs)
	if f.Promoters != 2 || f.Passives != 1 || f.Detractors != 1 || f.ENPS() != 25 {
		t.Fatalf("eNPS: %+v = %v", f, f.ENPS())
	}
	if f.Statements[0].Average != 3.5 || f.Statements[0].Counts != [5]int{0, 1, 1, 1, 1} {
		t.Fatalf("statement: %+v", f.Statements[0])
	}
}

func TestRoundsFollowTheCadence(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	p := Pulse{StartsAt: start, CadenceDays: 14, OpenDays: 3}
	if n := p.Latest(start.Add(-time.Minute)); n != 0 {
		t.Fatalf("before the start: round %d", n)
	}
	if r, ok := p.Current(start.Add(time.Hour)); !ok || r.Number != 1 {
		t.Fatalf("first day: %+v %v", r, ok)
	}
	if _, ok := p.Current(start.Add(3 * 24 * time.Hour)); ok {
		t.Fatal("open after its 3 days")
	}
	if r, ok := p.Current(start.Add(15 * 24 * time.Hour)); !ok || r.Number != 2 {
		t.Fatalf("day 15: %+v %v", r, ok)
	}
	stop := start.Add(20 * 24 * time.Hour)
	p.StoppedAt = &stop
	if n := p.Latest(start.Add(40 * 24 * time.Hour)); n != 2 {
		t.Fatalf("stopped: latest round %d", n)
	}
}

func TestParseRefusesValuesOffTheScale(t *testing.T) {
	for _, tc := range []struct {
		score, enps, field string
	}{{"6", "5", "score_1"}, {"0", "5", "score_1"}, {"", "5", "score_1"}, {"3", "11", "enps"}, {"3", "-1", "enps"}, {"3", "x", "enps"}, {"2.5", "5", "score_1"}} {
		in := AnswerInput{Scores: map[int]string{1: tc.score}, ENPS: tc.enps}
		_, err := in.Parse([]string{"s"})
		if err == nil {
			t.Fatalf("%+v accepted", tc)
		}
	}
	in := AnswerInput{Scores: map[int]string{1: "5"}, ENPS: "0", Comment: "  ok "}
	r, err := in.Parse([]string{"s"})
	if err != nil || r.Scores[0] != 5 || r.ENPS != 0 || r.Comment != "ok" {
		t.Fatalf("%+v %v", r, err)
	}
}

// BenchmarkBreakdowns: a round of 150 answers over 12 teams and 15
// managers, the most the exact search takes on.
func BenchmarkBreakdowns(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	rs := make([]Response, 150)
	for i := range rs {
		rs[i] = Response{Scores: []int{3, 4}, ENPS: rng.IntN(11), Team: int64(1 + rng.IntN(12)), Manager: int64(1 + rng.IntN(15))}
	}
	for b.Loop() {
		Breakdowns([]string{"a", "b"}, rs, 3)
	}
}

// The same answers always hide the same groups, whatever order they come
// in: two views hiding different groups could be combined.
func TestBreakdownsAreTheSameEveryTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	shownOf := func(b Breakdown) string {
		out := ""
		for _, s := range b.Slices {
			if s.Shown {
				out += s.Label + fmt.Sprint(s.Key) + ","
			}
		}
		return out
	}
	for i := 0; i < 200; i++ {
		rs := randomRound(rng)
		t1, m1 := Breakdowns([]string{"a", "b"}, rs, 3)
		for k := 0; k < 5; k++ {
			rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
			t2, m2 := Breakdowns([]string{"a", "b"}, rs, 3)
			if shownOf(t1) != shownOf(t2) || shownOf(m1) != shownOf(m2) {
				t.Fatalf("the same answers show %s / %s, then %s / %s", shownOf(t1), shownOf(m1), shownOf(t2), shownOf(m2))
			}
		}
	}
}
