package pulse

import (
	"slices"
	"sort"
	"time"

	"rapport/internal/health"
)

// ResultsShown is the one gate in front of every figure of a round: the
// round has closed (figures that moved while it was open would tell anyone
// who knew who had just answered what they said) and has at least the
// threshold's answers. It is health.ResultsShown's rule.
func ResultsShown(r Round, responses, threshold int, now time.Time) bool {
	return r.Closed(now) && responses >= max(threshold, health.MinThreshold)
}

// StatementResult is one statement's figures.
type StatementResult struct {
	Statement string
	Answers   int
	Average   float64 // mean rating, 1–5
	Counts    [5]int  // how many gave each rating, 1 to 5
}

// Figures are what a set of answers shows.
type Figures struct {
	Responses  int
	Statements []StatementResult
	Promoters  int // eNPS 9–10
	Passives   int // 7–8
	Detractors int // 0–6
}

// ENPS is the percentage of promoters minus the percentage of detractors,
// from −100 to 100.
func (f Figures) ENPS() float64 {
	if f.Responses == 0 {
		return 0
	}
	return 100 * float64(f.Promoters-f.Detractors) / float64(f.Responses)
}

// Summarize computes the figures of answers to a pulse's statements.
// Answers whose shape does not match are skipped.
func Summarize(statements []string, rs []Response) Figures {
	f := Figures{Statements: make([]StatementResult, len(statements))}
	sums := make([]int, len(statements))
	for i, s := range statements {
		f.Statements[i].Statement = s
	}
	for _, r := range rs {
		if len(r.Scores) != len(statements) || r.ENPS < 0 || r.ENPS > 10 {
			continue
		}
		f.Responses++
		switch {
		case r.ENPS >= 9:
			f.Promoters++
		case r.ENPS >= 7:
			f.Passives++
		default:
			f.Detractors++
		}
		for i, s := range r.Scores {
			if s < 1 || s > 5 {
				continue
			}
			f.Statements[i].Answers++
			f.Statements[i].Counts[s-1]++
			sums[i] += s
		}
	}
	for i := range f.Statements {
		if f.Statements[i].Answers > 0 {
			f.Statements[i].Average = float64(sums[i]) / float64(f.Statements[i].Answers)
		}
	}
	return f
}

// Group is one slice of a breakdown: the answers kept with one team or one
// manager (Key 0: "other", answers whose group was too small to keep).
type Group struct {
	Key   int64
	Label string
	Count int
}

// Suppress decides which groups of a breakdown are shown. A group is shown
// only with at least threshold answers; and because the total is shown, the
// groups left hidden must together hold no answers or at least threshold of
// them, or the hidden ones could be found by subtracting the shown ones from
// the total. So while the hidden groups together hold fewer than threshold
// answers, the smallest shown group is hidden too. Groups are in any order;
// the result says for each whether it is shown.
func Suppress(groups []Group, threshold int) []bool {
	return suppress(groups, threshold, nil)
}

// suppress is Suppress with some groups hidden from the start.
func suppress(groups []Group, threshold int, forced map[int64]bool) []bool {
	threshold = max(threshold, health.MinThreshold)
	shown := make([]bool, len(groups))
	hidden := 0
	for i, g := range groups {
		shown[i] = g.Count >= threshold && !forced[g.Key]
		if !shown[i] {
			hidden += g.Count
		}
	}
	for hidden > 0 && hidden < threshold {
		smallest := -1
		for i, g := range groups {
			if shown[i] && (smallest < 0 || g.Count < groups[smallest].Count ||
				(g.Count == groups[smallest].Count && g.Key < groups[smallest].Key)) {
				smallest = i
			}
		}
		if smallest < 0 {
			break // everything is hidden: only the total, which passed its own gate
		}
		shown[smallest] = false
		hidden += groups[smallest].Count
	}
	return shown
}

// Slice is one group of a breakdown as a page shows it: figures only when
// shown.
type Slice struct {
	Group
	Shown   bool
	Figures Figures
}

// Breakdown is a round's answers split one way (by team or by manager).
type Breakdown struct {
	Slices []Slice // shown ones first, largest first; then hidden ones
	Hidden int     // answers in hidden groups (0 or at least the threshold)
}

// groupsOf splits answers by key.
func groupsOf(rs []Response, key func(Response) (int64, string)) ([]Group, map[int64][]Response) {
	byKey := map[int64][]Response{}
	var groups []Group
	for _, r := range rs {
		k, label := key(r)
		if _, ok := byKey[k]; !ok {
			if k == 0 {
				label = "Other (groups too small to keep apart)"
			}
			groups = append(groups, Group{Key: k, Label: label})
		}
		byKey[k] = append(byKey[k], r)
	}
	for i := range groups {
		groups[i].Count = len(byKey[groups[i].Key])
	}
	return groups, byKey
}

// Breakdowns splits a round's answers by team and by manager, each with
// Suppress, and then checks the two against each other, since a page shows
// both. Each breakdown cuts the answers into visible blocks: its shown groups
// and, as one block, its hidden ones (their total is the round's total minus
// the shown ones). Anyone can add up blocks of one breakdown and subtract
// blocks of the other that lie wholly inside them; whenever that leaves
// between 1 and threshold−1 answers, one more group is hidden and the check
// runs again. See leak for the search.
func Breakdowns(statements []string, rs []Response, threshold int) (byTeam, byManager Breakdown) {
	threshold = max(threshold, health.MinThreshold)
	tg, tAnswers := groupsOf(rs, ByTeam)
	mg, mAnswers := groupsOf(rs, ByManager)
	forcedT, forcedM := map[int64]bool{}, map[int64]bool{}
	for {
		ts, ms := suppress(tg, threshold, forcedT), suppress(mg, threshold, forcedM)
		tBlock, mBlock := visibleBlocks(tg, ts), visibleBlocks(mg, ms)
		cells := map[[2]int64]int{}
		for _, r := range rs {
			cells[[2]int64{tBlock[r.Team], mBlock[r.Manager]}]++
		}
		tSize, mSize := shownSizes(tg, ts), shownSizes(mg, ms)
		if first, k, ok := leak(cells, threshold, tSize, mSize); ok {
			hide(first, forcedT, forcedM)[k] = true
			continue
		}
		if first, k, ok := leak(flip(cells), threshold, mSize, tSize); ok {
			hide(first, forcedM, forcedT)[k] = true
			continue
		}
		return breakdown(statements, tg, ts, tAnswers), breakdown(statements, mg, ms, mAnswers)
	}
}

func hide(first bool, a, b map[int64]bool) map[int64]bool {
	if first {
		return a
	}
	return b
}

// shownSizes is the size of each shown group, by key.
func shownSizes(groups []Group, shown []bool) map[int64]int {
	out := map[int64]int{}
	for i, g := range groups {
		if shown[i] {
			out[g.Key] = g.Count
		}
	}
	return out
}

// hiddenBlock names the block of a breakdown's hidden groups.
const hiddenBlock = -1

// visibleBlocks maps each group's key to its block: itself when shown, the
// hidden block otherwise.
func visibleBlocks(groups []Group, shown []bool) map[int64]int64 {
	out := map[int64]int64{}
	for i, g := range groups {
		out[g.Key] = g.Key
		if !shown[i] {
			out[g.Key] = hiddenBlock
		}
	}
	return out
}

func flip(cells map[[2]int64]int) map[[2]int64]int {
	out := make(map[[2]int64]int, len(cells))
	for k, n := range cells {
		out[[2]int64{k[1], k[0]}] = n
	}
	return out
}

// maxExact is the most visible blocks whose every union leak tries; beyond
// it, single blocks and pairs.
const maxExact = 12

// leak looks for a union A of blocks of the first breakdown (cells' first
// key) from which the blocks of the second that lie wholly inside A can be
// subtracted to leave between 1 and threshold−1 answers. Subtracting every
// such block is enough to find the smallest such rest: each visible block
// holds at least threshold answers. When it finds one it returns a group to
// hide: the smallest shown one subtracted (first false), or else the
// smallest shown one in A (first true).
func leak(cells map[[2]int64]int, threshold int, size, otherSize map[int64]int) (bool, int64, bool) {
	// Index the blocks of both sides in the order of their keys (the same
	// answers must always hide the same groups: two different views could
	// be combined); for each block of the second, the blocks of the first
	// it touches.
	index, other := map[int64]int{}, map[int64]int{}
	var blocks, others []int64
	for k := range cells {
		if _, ok := index[k[0]]; !ok {
			index[k[0]] = 0
			blocks = append(blocks, k[0])
		}
		if _, ok := other[k[1]]; !ok {
			other[k[1]] = 0
			others = append(others, k[1])
		}
	}
	slices.Sort(blocks)
	slices.Sort(others)
	for i, b := range blocks {
		index[b] = i
	}
	for j, o := range others {
		other[o] = j
	}
	total := make([]int, len(blocks))
	otherTotal := make([]int, len(others))
	touches := make([][]int, len(others))
	for k, n := range cells {
		i, j := index[k[0]], other[k[1]]
		total[i] += n
		otherTotal[j] += n
		touches[j] = append(touches[j], i)
	}
	try := func(in func(i int) bool, members []int) (bool, int64, bool) {
		sum, sub := 0, 0
		for _, i := range members {
			sum += total[i]
		}
		var subtracted []int64
		for j, ts := range touches {
			inside := true
			for _, i := range ts {
				inside = inside && in(i)
			}
			if inside {
				sub += otherTotal[j]
				subtracted = append(subtracted, others[j])
			}
		}
		if rest := sum - sub; sub == 0 || rest == 0 || rest >= threshold {
			return false, 0, false
		}
		if k, ok := smallestOf(subtracted, otherSize); ok {
			return false, k, true
		}
		added := make([]int64, len(members))
		for n, i := range members {
			added[n] = blocks[i]
		}
		if k, ok := smallestOf(added, size); ok {
			return true, k, true
		}
		// Only hidden blocks on both sides: hide any shown group.
		var all []int64
		for k := range size {
			all = append(all, k)
		}
		k, ok := smallestOf(all, size)
		return true, k, ok
	}
	if len(blocks) <= maxExact {
		for mask := 1; mask < 1<<len(blocks); mask++ {
			var members []int
			for i := range blocks {
				if mask&(1<<i) != 0 {
					members = append(members, i)
				}
			}
			if first, k, ok := try(func(i int) bool { return mask&(1<<i) != 0 }, members); ok {
				return first, k, true
			}
		}
		return false, 0, false
	}
	for a := range blocks {
		for b := a; b < len(blocks); b++ {
			members := []int{a}
			if b != a {
				members = append(members, b)
			}
			if first, k, ok := try(func(i int) bool { return i == a || i == b }, members); ok {
				return first, k, true
			}
		}
	}
	return false, 0, false
}

// smallestOf is the smallest shown group among keys (ties by key).
func smallestOf(keys []int64, size map[int64]int) (int64, bool) {
	best, found := int64(0), false
	for _, k := range keys {
		n, ok := size[k]
		if !ok || k == hiddenBlock {
			continue
		}
		if !found || n < size[best] || (n == size[best] && k < best) {
			best, found = k, true
		}
	}
	return best, found
}

// breakdown builds the slices a page shows.
func breakdown(statements []string, groups []Group, shown []bool, answers map[int64][]Response) Breakdown {
	var out Breakdown
	for i, g := range groups {
		s := Slice{Group: g, Shown: shown[i]}
		if s.Shown {
			s.Figures = Summarize(statements, answers[g.Key])
		} else {
			out.Hidden += g.Count
			s.Count = 0 // a hidden group's size is not shown either
		}
		out.Slices = append(out.Slices, s)
	}
	sort.SliceStable(out.Slices, func(i, j int) bool {
		a, b := out.Slices[i], out.Slices[j]
		if a.Shown != b.Shown {
			return a.Shown
		}
		if a.Shown && a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return a.Key < b.Key
	})
	return out
}

// ByTeam keys answers by the team they were kept with.
func ByTeam(r Response) (int64, string) { return r.Team, r.TeamName }

// ByManager keys answers by the manager they were kept with.
func ByManager(r Response) (int64, string) { return r.Manager, r.ManagerName }

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

// RoundResult is one round as the results page shows it.
type RoundResult struct {
	Round     Round
	Responses int
	Shown     bool // closed with enough answers; nothing below is set otherwise
	Figures   Figures
	Comments  []string
	ByTeam    *Breakdown // for readers only
	ByManager *Breakdown
}

// Needed is how many more answers a round needs to show results.
func (r RoundResult) Needed(threshold int) int {
	return max(max(threshold, health.MinThreshold)-r.Responses, 0)
}
