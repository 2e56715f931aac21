package kudos

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The recognition-equity figures: who receives kudos, who gives them, and how
// evenly the credit is spread over a population (a manager's reports, a
// leader's org). docs/metrics.md, "Recognition equity", defines each one; the
// tests in equity_test.go compute them on small fixtures by hand. Nothing here
// reads the database or the text of a kudo.

// Edge is one recognition: a kudo from Giver to Receiver (a kudo with three
// recipients is three edges), or Count of them at the same time.
type Edge struct {
	Giver, Receiver int64
	At              time.Time
	Cross           bool // giver and receiver share no team
	// Count is how many recognitions the edge stands for (kudos kept as
	// daily tallies arrive as one edge per giver, receiver and day); 0 counts
	// as 1.
	Count int
}

// weight is how many recognitions e stands for.
func (e Edge) weight() int { return max(e.Count, 1) }

// EdgeWindow is what Compute needs read: the recognitions in [Since, Until),
// with their exact time on the days (UTC) holding one of the Exact
// instants or Since or Until. On other days, edges may carry the day's
// midnight instead of their time: no figure changes with the time within
// such a day.
type EdgeWindow struct {
	Since, Until time.Time
	Exact        []time.Time
}

// WindowFor is the window of recognitions Compute(…, from, to, now) reads:
// from the earlier of from and now − NudgeAfter to just after to, exact
// around from, to, now and now − NudgeAfter.
func WindowFor(from, to, now time.Time) EdgeWindow {
	nudgeFrom := now.Add(-NudgeAfter)
	since := from
	if nudgeFrom.Before(since) {
		since = nudgeFrom
	}
	return EdgeWindow{Since: since, Until: to.Add(time.Second), Exact: []time.Time{from, to, now, nudgeFrom}}
}

// DaySplit says which whole days (UTC) of the window may come from daily
// tallies: those in [FromDay, ToDay) other than ExactDays. The rest of the
// window is Starts[i]..Ends[i], to be read recognition by recognition.
type DaySplit struct {
	FromDay, ToDay time.Time
	ExactDays      []time.Time
	Starts, Ends   []time.Time
}

// Split divides the window into tallied days and exact stretches.
func (w EdgeWindow) Split() DaySplit {
	day := func(t time.Time) time.Time {
		y, m, d := t.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	var ds DaySplit
	if !w.Since.Before(w.Until) {
		return ds
	}
	ds.FromDay, ds.ToDay = day(w.Since), day(w.Until).AddDate(0, 0, 1)
	exact := map[time.Time]bool{}
	for _, t := range append([]time.Time{w.Since, w.Until}, w.Exact...) {
		if d := day(t); !d.Before(ds.FromDay) && d.Before(ds.ToDay) && !exact[d] {
			exact[d] = true
			ds.ExactDays = append(ds.ExactDays, d)
		}
	}
	slices.SortFunc(ds.ExactDays, time.Time.Compare)
	for _, d := range ds.ExactDays {
		s, e := d, d.AddDate(0, 0, 1)
		if s.Before(w.Since) {
			s = w.Since
		}
		if e.After(w.Until) {
			e = w.Until
		}
		if s.Before(e) {
			ds.Starts, ds.Ends = append(ds.Starts, s), append(ds.Ends, e)
		}
	}
	return ds
}

// Member is a person in the population being analysed.
type Member struct {
	ID       int64
	Name     string
	TeamID   int64 // primary team, 0 if none
	TeamName string
}

// PersonCounts are one member's counts over the period.
type PersonCounts struct {
	Member   Member
	Given    int // edges from this member to anyone, in the period
	Received int // edges from anyone to this member, in the period
	// LastReceived is the latest edge to this member before the end of the
	// period, among the edges passed to Compute (zero if none).
	LastReceived time.Time
}

// Pair is two members and the kudos between them. A pair is one-way when
// exactly one direction is 0; Compute always puts the giving side in A.
type Pair struct {
	A, B       Member
	AtoB, BtoA int
}

// TeamFlow is the cross-team matrix of kudos between members.
type TeamFlow struct {
	Teams  []Member // ID and Name of each team (other fields empty), by name then ID
	Counts [][]int  // Counts[i][j] = kudos from team i to team j (the diagonal is within a team)
}

// Equity is the recognition-equity picture of a population over a period.
type Equity struct {
	People []PersonCounts // every member, by received (most first), then name, then ID
	Total  int            // edges received by members in the period
	Cross  int            // of Total, edges whose giver and receiver share no team

	// TopPeople is the top 20 % of members, ceil(n/5) people; TopReceived is
	// what they received and TopShare = TopReceived / Total (0 when Total is 0).
	TopPeople   int
	TopReceived int
	TopShare    float64

	// Gini is the Gini coefficient of received counts over all members, zeros
	// included: 0 when everyone received the same, towards 1 when one person
	// received everything. 0 when Total is 0 or there are fewer than 2 members.
	Gini float64

	// Concentrated flags credit going to a few: TopShare > 0.5 or Gini > 0.5,
	// once the population and the volume are large enough to say so (see
	// MinConcentrationMembers).
	Concentrated bool

	NoneReceived []Member // members who received nothing in the period, by name then ID
	OneWay       []Pair   // see OneWayMin
	Flow         TeamFlow
	// Nudges are the members nobody recognised in the NudgeAfter before now,
	// whatever the period: never recognised first, then longest ago, then by
	// name and ID.
	Nudges []Member
}

// Thresholds. docs/metrics.md explains each choice.
const (
	// topDivisor: the top group is 1 in 5 members, rounded up.
	topDivisor = 5

	// ConcentrationShare: the top 20 % receiving more than half of all kudos
	// is 2.5 times their even share.
	ConcentrationShare = 0.5
	// ConcentrationGini: above 0.5 is the usual reading of "highly unequal".
	ConcentrationGini = 0.5
	// MinConcentrationMembers: with fewer members the "top 20 %" is one person
	// who is a large part of the population on their own, and one extra kudo
	// swings both figures.
	MinConcentrationMembers = 5
	// The flag also needs at least as many kudos received as members: with
	// fewer, some people must go without even if every kudo went to someone
	// new, and the Gini is at least 1 − Total/n whatever anyone did.

	// OneWayMin is the fewest kudos one member must have given another, with
	// none back, for the pair to be listed: a single unreturned kudo is noise.
	OneWayMin = 2

	// NudgeAfter is how long without any recognition puts a member on the
	// nudge list.
	NudgeAfter = 60 * 24 * time.Hour
)

// Compute derives the equity picture of members from edges.
//
// The period is [from, to). Received counts edges from anyone (members or
// not) to a member, Given counts edges from a member to anyone; one-way pairs
// and the team flow use only edges where both giver and receiver are members.
// Edges from a person to themself are ignored everywhere. Edges before from
// only feed LastReceived and Nudges, so pass every edge since the earlier of
// from and now - NudgeAfter. Members are de-duplicated by ID (first wins).
func Compute(members []Member, edges []Edge, from, to, now time.Time) Equity {
	var eq Equity
	idx := make(map[int64]int, len(members))
	var ms []Member
	for _, m := range members {
		if _, dup := idx[m.ID]; dup {
			continue
		}
		idx[m.ID] = len(ms)
		ms = append(ms, m)
	}
	n := len(ms)

	people := make([]PersonCounts, n)
	for i, m := range ms {
		people[i].Member = m
	}
	lastSeen := make([]time.Time, n) // latest edge received at or before now
	type key struct{ giver, receiver int64 }
	between := map[key]int{}

	// Teams of the population, ordered.
	teamIdx := map[int64]int{}
	for _, m := range ms {
		if m.TeamID == 0 {
			continue
		}
		if _, ok := teamIdx[m.TeamID]; !ok {
			teamIdx[m.TeamID] = len(eq.Flow.Teams)
			eq.Flow.Teams = append(eq.Flow.Teams, Member{ID: m.TeamID, Name: m.TeamName})
		}
	}
	slices.SortFunc(eq.Flow.Teams, func(a, b Member) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	for i, t := range eq.Flow.Teams {
		teamIdx[t.ID] = i
	}
	eq.Flow.Counts = make([][]int, len(eq.Flow.Teams))
	for i := range eq.Flow.Counts {
		eq.Flow.Counts[i] = make([]int, len(eq.Flow.Teams))
	}

	nudgeFrom := now.Add(-NudgeAfter)
	for _, e := range edges {
		if e.Giver == e.Receiver {
			continue
		}
		gi, gOK := idx[e.Giver]
		ri, rOK := idx[e.Receiver]
		if rOK {
			if e.At.Before(to) && e.At.After(people[ri].LastReceived) {
				people[ri].LastReceived = e.At
			}
			if !e.At.After(now) && e.At.After(lastSeen[ri]) {
				lastSeen[ri] = e.At
			}
		}
		if e.At.Before(from) || !e.At.Before(to) {
			continue
		}
		w := e.weight()
		if gOK {
			people[gi].Given += w
		}
		if rOK {
			people[ri].Received += w
			eq.Total += w
			if e.Cross {
				eq.Cross += w
			}
		}
		if gOK && rOK {
			between[key{e.Giver, e.Receiver}] += w
			// Members without a team (TeamID 0) are not in teamIdx.
			gt, gtOK := teamIdx[ms[gi].TeamID]
			rt, rtOK := teamIdx[ms[ri].TeamID]
			if gtOK && rtOK {
				eq.Flow.Counts[gt][rt] += w
			}
		}
	}

	// Nudges and nothing received, before people is re-ordered.
	type waiting struct {
		m    Member
		last time.Time
	}
	var nudges []waiting
	for i, m := range ms {
		if people[i].Received == 0 {
			eq.NoneReceived = append(eq.NoneReceived, m)
		}
		if lastSeen[i].IsZero() || lastSeen[i].Before(nudgeFrom) {
			nudges = append(nudges, waiting{m, lastSeen[i]})
		}
	}
	slices.SortFunc(eq.NoneReceived, memberOrder)
	// Longest wait first, by day (UTC): within a day, by name.
	slices.SortFunc(nudges, func(a, b waiting) int {
		return cmp.Or(utcDay(a.last).Compare(utcDay(b.last)), memberOrder(a.m, b.m))
	})
	for _, w := range nudges {
		eq.Nudges = append(eq.Nudges, w.m)
	}

	// One-way pairs.
	for k, c := range between {
		if c < OneWayMin || between[key{k.receiver, k.giver}] > 0 {
			continue
		}
		eq.OneWay = append(eq.OneWay, Pair{A: ms[idx[k.giver]], B: ms[idx[k.receiver]], AtoB: c})
	}
	slices.SortFunc(eq.OneWay, func(a, b Pair) int {
		return cmp.Or(cmp.Compare(b.AtoB, a.AtoB), memberOrder(a.A, b.A), memberOrder(a.B, b.B))
	})

	// Spread of received counts.
	slices.SortFunc(people, func(a, b PersonCounts) int {
		return cmp.Or(cmp.Compare(b.Received, a.Received), memberOrder(a.Member, b.Member))
	})
	eq.People = people
	received := make([]int, n)
	for i, p := range people {
		received[i] = p.Received
	}
	eq.TopPeople = (n + topDivisor - 1) / topDivisor
	for _, r := range received[:eq.TopPeople] {
		eq.TopReceived += r
	}
	if eq.Total > 0 {
		eq.TopShare = float64(eq.TopReceived) / float64(eq.Total)
	}
	eq.Gini = Gini(received)
	eq.Flow = foldFlow(eq.Flow, MaxFlowTeams)
	eq.Concentrated = n >= MinConcentrationMembers && eq.Total >= n &&
		(eq.TopShare > ConcentrationShare || eq.Gini > ConcentrationGini)
	return eq
}

// Gini returns the Gini coefficient of the counts (in any order):
//
//	G = Σ (2i − n − 1)·x_i / (n · Σ x),  x sorted ascending, i = 1..n
//
// It is 0 when every count is equal and (n−1)/n when one count holds
// everything; 0 when the sum is 0 or there are fewer than 2 counts.
func Gini(counts []int) float64 {
	n := len(counts)
	if n < 2 {
		return 0
	}
	x := slices.Clone(counts)
	slices.Sort(x)
	var num, sum int
	for i, v := range x {
		num += (2*(i+1) - n - 1) * v
		sum += v
	}
	if sum == 0 {
		return 0
	}
	return float64(num) / (float64(n) * float64(sum))
}

// utcDay is the midnight (UTC) starting t's day; the zero time stays zero.
func utcDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// LeastFirst lists the people least recognised first (received, then
// given, then name and ID): the ones the page is for come first.
func (e Equity) LeastFirst() []PersonCounts {
	out := slices.Clone(e.People)
	slices.SortFunc(out, func(a, b PersonCounts) int {
		return cmp.Or(cmp.Compare(a.Received, b.Received), cmp.Compare(a.Given, b.Given), memberOrder(a.Member, b.Member))
	})
	return out
}

// IsTop reports whether the member is in the top 20 % by kudos received
// (and received at least one).
func (e Equity) IsTop(id int64) bool {
	for i := 0; i < e.TopPeople && i < len(e.People); i++ {
		if e.People[i].Member.ID == id {
			return e.People[i].Received > 0
		}
	}
	return false
}

// memberOrder orders members by name, then ID.
func memberOrder(a, b Member) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

// MaxFlowTeams bounds the team-flow grid: a leader over hundreds of teams
// sees the teams with the most recognition flowing in or out, and the rest
// folded into one "Other teams" row and column.
const MaxFlowTeams = 12

// OtherTeamsID is the ID of the folded "Other teams" entry.
const OtherTeamsID = -1

// foldFlow keeps the max-1 teams with the most kudos given plus received and
// folds the others into one entry, so the grid stays readable and cheap.
func foldFlow(f TeamFlow, max int) TeamFlow {
	n := len(f.Teams)
	if n <= max {
		return f
	}
	total := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			total[i] += f.Counts[i][j]
			total[j] += f.Counts[i][j]
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(total[b], total[a]) })
	keep := order[:max-1]
	slices.SortFunc(keep, func(a, b int) int {
		return cmp.Or(strings.Compare(f.Teams[a].Name, f.Teams[b].Name), cmp.Compare(f.Teams[a].ID, f.Teams[b].ID))
	})
	pos := make([]int, n)
	for i := range pos {
		pos[i] = max - 1 // "Other teams"
	}
	out := TeamFlow{Teams: make([]Member, 0, max), Counts: make([][]int, max)}
	for k, i := range keep {
		pos[i] = k
		out.Teams = append(out.Teams, f.Teams[i])
	}
	out.Teams = append(out.Teams, Member{ID: OtherTeamsID, Name: fmt.Sprintf("Other teams (%d)", n-(max-1))})
	for i := range out.Counts {
		out.Counts[i] = make([]int, max)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			out.Counts[pos[i]][pos[j]] += f.Counts[i][j]
		}
	}
	return out
}
