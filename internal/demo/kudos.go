package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"rapport/internal/core"
	"rapport/internal/schedule"
)

// Recognition history: Months of kudos with the skew of a real organisation.
// A quarter of the people never give kudos and a few champions give a lot;
// some people are recognised often and about 15 % never are; most kudos stay
// within a team or go to and from managers, a fifth cross teams, and some
// people keep thanking a colleague who never thanks them back. A few teams,
// the sign-in manager's first, hold a recognition ritual ("Friday
// shout-outs", "Monthly awards", "Biweekly wins") and are recognised in every
// period, so their boards have history.

// KudosPerPersonYear is how many kudos the demo organisation posts per
// person per year: a lively recognition culture, about one a week each.
// 10,000 people over 24 months make about a million kudos, the size the
// benchmarks use. Lower it for a quieter organisation.
const KudosPerPersonYear = 50

// Shares of people and kudos that shape the pattern.
const (
	neverGiveShare    = 0.25 // people who never give a kudo
	neverReceiveShare = 0.15 // people never recognised in the whole history
	championShare     = 0.03 // people who give several times as many as most
	crossTeamShare    = 0.20 // kudos to someone outside the giver's teams
	favouriteShare    = 0.20 // givers who keep thanking one colleague, never thanked back
	favouriteChance   = 0.30 // how often such a giver's kudo goes to that colleague
	reactedShare      = 0.60 // organisation-wide kudos with reactions
	commentedShare    = 0.10 // kudos with comments
	editedShare       = 0.03 // kudos edited within the edit window
)

type kudoVis uint8

const (
	kudoOrg kudoVis = iota
	kudoTeam
	kudoRecipients
)

func (v kudoVis) String() string { return [...]string{"org", "team", "recipients"}[v] }

// kudoRow is a planned kudo; people and teams are plan indexes. Its text is
// written from its index and theme when it is inserted.
type kudoRow struct {
	at     int64 // Unix seconds
	author int32
	team   int32    // for team visibility, else -1
	recips [3]int32 // the first n are the recipients
	n      uint8
	vis    kudoVis
	theme  uint8
	tags   [2]int8 // indexes into the theme's competency keys, -1 for none
	edited uint16  // seconds after creation it was edited, 0 for never
}

type reactionRow struct {
	at    int64
	kudo  int32
	user  int32
	emoji uint8 // index into reactionEmoji
}

type commentRow struct {
	at     int64
	kudo   int32
	author int32
	thanks bool // from a recipient
	tmpl   uint16
}

type ritualRow struct {
	team      int // plan index
	name      string
	cadence   schedule.Cadence
	weekday   time.Weekday
	hour      int
	zone      string
	startsOn  time.Time // a date, at midnight UTC
	createdBy int
	createdAt time.Time
}

// kudoPlan is the planned recognition history, kudos in time order.
type kudoPlan struct {
	kudos     []kudoRow
	reactions []reactionRow
	comments  []commentRow
	rituals   []ritualRow
	// for the text
	neigh [][]int32
	teams [][]int32 // teams of each person
}

// reactionEmoji are the reactions, most used first, with their weights.
var (
	reactionEmoji  = []string{"clap", "heart", "rocket", "smile", "bulb"}
	reactionWeight = []float64{46, 22, 13, 11, 8}
	// reactionCount weighs 1 to 8 reactions on a kudo: one or two most of
	// the time, now and then a crowd.
	reactionCount = []float64{50, 22, 11, 6, 4, 3, 2, 2}
)

// ritualSpecs are the rituals demo teams hold, in the order teams get them:
// the sign-in manager's team first. min is the fewest kudos to the team in
// each period.
var ritualSpecs = []struct {
	name    string
	cadence schedule.Cadence
	weekday time.Weekday
	hour    int
	min     int
}{
	{"Friday shout-outs", schedule.Weekly, time.Friday, 16, 3},
	{"Monthly awards", schedule.Monthly, time.Friday, 16, 6},
	{"Biweekly wins", schedule.Biweekly, time.Thursday, 15, 4},
	{"Friday shout-outs", schedule.Weekly, time.Friday, 16, 3},
}

// ritualTeamCount is how many teams hold a ritual: 2 in the smallest
// organisations, 3 from 50 people, 4 from 500.
func ritualTeamCount(n int) int {
	switch {
	case n < 50:
		return 2
	case n < 500:
		return 3
	}
	return 4
}

// Kudos per weekday, Sunday first: weekdays far more than weekends, a
// little more towards Friday.
var weekdayWeight = [7]float64{0.05, 1.0, 1.05, 1.05, 1.12, 1.25, 0.07}

// Hours of the day, 0–23, local time: working hours, peaking mid-morning
// and mid-afternoon; on Fridays mostly before the 16:00 shout-outs.
var (
	hourWeight = [24]float64{
		0, 0, 0, 0, 0, 0, 0, 0.5, 3, 8, 12, 11, 6, 7, 10, 11, 9, 6, 3, 1.5, 1, 0.8, 0.3, 0}
	fridayHourWeight = [24]float64{
		0, 0, 0, 0, 0, 0, 0, 0.5, 3, 9, 13, 13, 7, 9, 13, 14, 6, 2, 1, 0.5, 0.3, 0.2, 0.1, 0}
	weekendHourWeight = [24]float64{
		0, 0, 0, 0, 0, 0, 0, 0, 0.5, 2, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1, 0.5, 0}
)

// kudoPlanner builds a kudoPlan.
type kudoPlanner struct {
	rng    *rand.Rand
	pl     *plan
	now    time.Time
	origin time.Time
	locs   []*time.Location // by person

	give, recv       []float64
	giveCum, recvCum []float64
	deptPeople       [][]int32
	deptCum          [][]float64
	neigh            [][]int32 // teammates, each once
	teamsOf          [][]int32
	favourite        []int32
	blocked          map[uint64]bool // giver<<32 | recipient: never
	ritualTeams      []int
	ritualMember     []bool

	days     []calDay
	dayCum   []float64
	hourCum  [3][]float64 // weekday, Friday, weekend
	themeCum map[int][]float64
	kp       *kudoPlan
}

type calDay struct {
	y  int
	m  time.Month
	d  int
	wd time.Weekday
}

func pairKey(from, to int32) uint64 { return uint64(from)<<32 | uint64(uint32(to)) }

// cumulative returns the running sums of w.
func cumulative(w []float64) []float64 {
	c := make([]float64, len(w))
	t := 0.0
	for i, x := range w {
		t += x
		c[i] = t
	}
	return c
}

// draw returns an index with probability proportional to its weight, given
// the running sums; never one of weight zero. It returns -1 when every
// weight is zero.
func draw(rng *rand.Rand, cum []float64) int {
	if len(cum) == 0 || cum[len(cum)-1] <= 0 {
		return -1
	}
	x := rng.Float64() * cum[len(cum)-1]
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// buildKudos plans opts.Months of recognition up to opts.Now.
func buildKudos(opts Options, pl *plan) *kudoPlan {
	n := len(pl.people)
	g := &kudoPlanner{
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), 0x3c6ef372fe94f82b)),
		pl:        pl,
		now:       opts.Now,
		origin:    opts.Now.AddDate(0, -opts.Months, 0),
		blocked:   map[uint64]bool{},
		themeCum:  map[int][]float64{},
		favourite: make([]int32, n),
		kp:        &kudoPlan{},
	}
	g.locs = make([]*time.Location, n)
	for i, p := range pl.people {
		loc, err := core.Location(p.zone)
		if err != nil {
			loc = time.UTC
		}
		g.locs[i] = loc
	}
	g.network()
	g.chooseRitualTeams()
	g.weigh()
	g.chooseFavourites()
	g.calendar()

	total := int(math.Round(KudosPerPersonYear * float64(n) * float64(opts.Months) / 12))
	g.kp.kudos = make([]kudoRow, 0, total+total/50)
	for tries := 0; len(g.kp.kudos) < total && tries < 3*total; tries++ {
		a := int32(draw(g.rng, g.giveCum))
		if a < 0 {
			break
		}
		g.kudo(a)
	}
	g.rituals()
	slices.SortStableFunc(g.kp.kudos, func(a, b kudoRow) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	g.reactAndComment()
	g.kp.neigh, g.kp.teams = g.neigh, g.teamsOf
	return g.kp
}

// network lists everyone's teams and teammates: the people they work with
// most, their manager and their reports among them.
func (g *kudoPlanner) network() {
	pl := g.pl
	n := len(pl.people)
	g.teamsOf = make([][]int32, n)
	for ti, t := range pl.teams {
		for _, m := range t.members {
			g.teamsOf[m] = append(g.teamsOf[m], int32(ti))
		}
	}
	g.neigh = make([][]int32, n)
	mark := make([]int32, n) // last person whose list includes the index, +1
	for i := range n {
		var list []int32
		for _, ti := range g.teamsOf[i] {
			for _, m := range pl.teams[ti].members {
				if m != i && mark[m] != int32(i)+1 {
					mark[m] = int32(i) + 1
					list = append(list, int32(m))
				}
			}
		}
		g.neigh[i] = list
	}
	depts := 0
	for _, p := range pl.people {
		depts = max(depts, p.dept+1)
	}
	g.deptPeople = make([][]int32, depts)
	for i, p := range pl.people {
		if p.dept >= 0 {
			g.deptPeople[p.dept] = append(g.deptPeople[p.dept], int32(i))
		}
	}
}

// leads reports whether team t is a manager (its first member) with their
// direct reports.
func (g *kudoPlanner) leads(t int) bool {
	m := g.pl.teams[t].members
	if len(m) < 3 {
		return false
	}
	lead := &g.pl.people[m[0]]
	if lead.role != core.RoleManager || len(lead.reports) != len(m)-1 {
		return false
	}
	for _, x := range m[1:] {
		if g.pl.people[x].manager != m[0] {
			return false
		}
	}
	return true
}

// chooseRitualTeams picks the teams with a ritual: the sign-in manager's
// team, then others led by managers, from different departments where it can.
func (g *kudoPlanner) chooseRitualTeams() {
	pl := g.pl
	signManager := pl.signIns[2]
	var others []int
	for ti := range pl.teams {
		if !g.leads(ti) {
			continue
		}
		if pl.teams[ti].members[0] == signManager {
			g.ritualTeams = append(g.ritualTeams, ti)
		} else {
			others = append(others, ti)
		}
	}
	g.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	want := min(ritualTeamCount(len(pl.people)), len(ritualSpecs))
	usedDept := map[int]bool{}
	for _, ti := range g.ritualTeams {
		usedDept[pl.people[pl.teams[ti].members[0]].dept] = true
	}
	for pass := 0; pass < 2; pass++ {
		for _, ti := range others {
			if len(g.ritualTeams) >= want {
				break
			}
			d := pl.people[pl.teams[ti].members[0]].dept
			if slices.Contains(g.ritualTeams, ti) || (pass == 0 && usedDept[d]) {
				continue
			}
			usedDept[d] = true
			g.ritualTeams = append(g.ritualTeams, ti)
		}
	}
	g.ritualMember = make([]bool, len(pl.people))
	for _, ti := range g.ritualTeams {
		for _, m := range pl.teams[ti].members {
			g.ritualMember[m] = true
		}
	}
}

// weigh gives everyone how much they give and receive. The sign-in accounts
// and the ritual teams' managers give; the sign-in accounts and the ritual
// teams' members are recognised.
func (g *kudoPlanner) weigh() {
	pl := g.pl
	n := len(pl.people)
	signIn := make([]bool, n)
	for _, i := range pl.signIns {
		signIn[i] = true
	}
	ritualLead := make([]bool, n)
	for _, ti := range g.ritualTeams {
		ritualLead[pl.teams[ti].members[0]] = true
	}
	var mayNotGive, mayNotReceive []int
	for i := range n {
		if !signIn[i] && !ritualLead[i] {
			mayNotGive = append(mayNotGive, i)
		}
		if !signIn[i] && !g.ritualMember[i] {
			mayNotReceive = append(mayNotReceive, i)
		}
	}
	g.rng.Shuffle(len(mayNotGive), func(i, j int) { mayNotGive[i], mayNotGive[j] = mayNotGive[j], mayNotGive[i] })
	g.rng.Shuffle(len(mayNotReceive), func(i, j int) {
		mayNotReceive[i], mayNotReceive[j] = mayNotReceive[j], mayNotReceive[i]
	})
	neverGive := make([]bool, n)
	for _, i := range mayNotGive[:min(len(mayNotGive), int(math.Round(neverGiveShare*float64(n))))] {
		neverGive[i] = true
	}
	neverReceive := make([]bool, n)
	for _, i := range mayNotReceive[:min(len(mayNotReceive), int(math.Round(neverReceiveShare*float64(n))))] {
		neverReceive[i] = true
	}

	g.give = make([]float64, n)
	g.recv = make([]float64, n)
	for i, p := range pl.people {
		if !neverGive[i] {
			g.give[i] = math.Exp(0.7 * g.rng.NormFloat64())
			if len(p.reports) > 0 {
				g.give[i] *= 1.4 // managers thank their people
			}
		}
		if !neverReceive[i] {
			g.recv[i] = math.Exp(1.1 * g.rng.NormFloat64())
			if g.ritualMember[i] {
				g.recv[i] *= 1.3
			}
		}
	}
	// Champions: a few people who give far more than anyone else.
	var givers []int
	for i := range n {
		if g.give[i] > 0 {
			givers = append(givers, i)
		}
	}
	champions := max(1, int(math.Round(championShare*float64(n))))
	for range champions {
		if len(givers) == 0 {
			break
		}
		g.give[givers[g.rng.IntN(len(givers))]] = 6 + 8*g.rng.Float64()
	}
	g.giveCum = cumulative(g.give)
	g.recvCum = cumulative(g.recv)
	g.deptCum = make([][]float64, len(g.deptPeople))
	for d, people := range g.deptPeople {
		w := make([]float64, len(people))
		for k, i := range people {
			w[k] = g.recv[i]
		}
		g.deptCum[d] = cumulative(w)
	}
}

// chooseFavourites gives some givers a colleague they thank again and
// again, and who never thanks them back.
func (g *kudoPlanner) chooseFavourites() {
	for i := range g.favourite {
		g.favourite[i] = -1
	}
	for i := range g.pl.people {
		a := int32(i)
		if g.give[i] == 0 || !g.chance(favouriteShare) {
			continue
		}
		for range 4 {
			f := g.weighted(g.neigh[i])
			if f < 0 {
				break
			}
			if !g.blocked[pairKey(a, f)] {
				g.favourite[i] = f
				g.blocked[pairKey(f, a)] = true
				break
			}
		}
	}
}

// calendar weighs each day of the history by its weekday, with a slight
// rise over time as recognition catches on.
func (g *kudoPlanner) calendar() {
	oy, om, od := g.origin.UTC().Date()
	ny, nm, nd := g.now.UTC().Date()
	first := time.Date(oy, om, od, 0, 0, 0, 0, time.UTC)
	last := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	count := int(last.Sub(first)/day) + 1
	w := make([]float64, count)
	for k := range count {
		t := first.AddDate(0, 0, k)
		g.days = append(g.days, calDay{t.Year(), t.Month(), t.Day(), t.Weekday()})
		w[k] = weekdayWeight[t.Weekday()] * (0.85 + 0.3*float64(k)/float64(count))
	}
	g.dayCum = cumulative(w)
	g.hourCum = [3][]float64{cumulative(hourWeight[:]), cumulative(fridayHourWeight[:]), cumulative(weekendHourWeight[:])}
}

func (g *kudoPlanner) chance(p float64) bool { return g.rng.Float64() < p }

// weighted picks one of people by how much they are recognised, or -1.
func (g *kudoPlanner) weighted(people []int32) int32 {
	t := 0.0
	for _, p := range people {
		t += g.recv[p]
	}
	if t <= 0 {
		return -1
	}
	x := g.rng.Float64() * t
	for _, p := range people {
		if g.recv[p] > 0 {
			x -= g.recv[p]
			if x < 0 {
				return p
			}
		}
	}
	for k := len(people) - 1; k >= 0; k-- {
		if g.recv[people[k]] > 0 {
			return people[k]
		}
	}
	return -1
}

// inCircle picks someone the giver works with: their manager now and then,
// one of their reports, or a teammate.
func (g *kudoPlanner) inCircle(a int32) int32 {
	p := &g.pl.people[a]
	if p.manager >= 0 && g.recv[p.manager] > 0 && g.chance(0.18) {
		return int32(p.manager)
	}
	if len(p.reports) > 0 && g.chance(0.45) {
		t := 0.0
		for _, r := range p.reports {
			t += g.recv[r]
		}
		if t > 0 {
			x := g.rng.Float64() * t
			for _, r := range p.reports {
				if x -= g.recv[r]; x < 0 && g.recv[r] > 0 {
					return int32(r)
				}
			}
		}
	}
	return g.weighted(g.neigh[a])
}

// elsewhere picks someone outside the giver's circle: in their department
// more often than not.
func (g *kudoPlanner) elsewhere(a int32) int32 {
	if d := g.pl.people[a].dept; d >= 0 && g.chance(0.55) {
		if k := draw(g.rng, g.deptCum[d]); k >= 0 {
			return g.deptPeople[d][k]
		}
	}
	return int32(draw(g.rng, g.recvCum))
}

// allowed reports whether a may recognise r.
func (g *kudoPlanner) allowed(a, r int32) bool {
	return r >= 0 && r != a && g.recv[r] > 0 && !g.blocked[pairKey(a, r)]
}

// kudo plans one kudo by a, unless a finds nobody to recognise.
func (g *kudoPlanner) kudo(a int32) {
	first := int32(-1)
	if f := g.favourite[a]; f >= 0 && g.chance(favouriteChance) {
		first = f
	}
	for try := 0; first < 0 && try < 6; try++ {
		var r int32
		if g.chance(crossTeamShare) {
			r = g.elsewhere(a)
		} else {
			r = g.inCircle(a)
		}
		if g.allowed(a, r) {
			first = r
		}
	}
	if first < 0 {
		return
	}
	k := kudoRow{author: a, team: -1, n: 1}
	k.recips[0] = first
	extra := 0
	switch x := g.rng.Float64(); {
	case x < 0.05:
		extra = 2
	case x < 0.18:
		extra = 1
	}
	for range extra {
		for try := 0; try < 5; try++ {
			var r int32
			if g.chance(0.5) {
				r = g.weighted(g.neigh[first])
			} else {
				r = g.inCircle(a)
			}
			if g.allowed(a, r) && !slices.Contains(k.recips[:k.n], r) {
				k.recips[k.n] = r
				k.n++
				break
			}
		}
	}
	switch x := g.rng.Float64(); {
	case x < 0.85:
		k.vis = kudoOrg
	case x < 0.95:
		k.vis, k.team = kudoTeam, g.sharedTeam(a, first)
		if k.team < 0 {
			k.vis = kudoOrg
		}
	default:
		k.vis = kudoRecipients
	}
	g.describe(&k)
	k.at = g.when(a)
	g.kp.kudos = append(g.kp.kudos, k)
}

// sharedTeam is a team of a's, one r is in when there is one, or -1.
func (g *kudoPlanner) sharedTeam(a, r int32) int32 {
	mine := g.teamsOf[a]
	if len(mine) == 0 {
		return -1
	}
	for _, t := range mine {
		if slices.Contains(g.teamsOf[r], t) {
			return t
		}
	}
	return mine[g.rng.IntN(len(mine))]
}

// describe picks the kudo's theme, by the first recipient's department, and
// tags it with up to two of the theme's competencies.
func (g *kudoPlanner) describe(k *kudoRow) {
	d := g.pl.people[k.recips[0]].dept
	cum, ok := g.themeCum[d]
	if !ok {
		w := make([]float64, len(kudoThemes))
		var aff []float64
		if d >= 0 {
			aff = themeAffinity[departments[d].name]
		}
		for i, t := range kudoThemes {
			w[i] = float64(t.weight)
			if i < len(aff) {
				w[i] *= aff[i]
			}
		}
		cum = cumulative(w)
		g.themeCum[d] = cum
	}
	k.theme = uint8(draw(g.rng, cum))
	keys := kudoThemes[k.theme].keys
	k.tags = [2]int8{-1, -1}
	switch x := g.rng.Float64(); {
	case x < 0.45:
	case x < 0.88 || len(keys) < 2:
		k.tags[0] = 0
		if len(keys) > 1 && g.chance(0.25) {
			k.tags[0] = 1
		}
	default:
		k.tags = [2]int8{0, 1}
	}
	if g.chance(editedShare) {
		k.edited = uint16(30 + g.rng.IntN(13*60))
	}
}

// when picks a moment for a kudo by a: a working hour of a day in the
// history, in a's time zone.
func (g *kudoPlanner) when(a int32) int64 {
	loc := g.locs[a]
	for range 8 {
		d := g.days[draw(g.rng, g.dayCum)]
		t := time.Date(d.y, d.m, d.d, g.hour(d.wd), g.rng.IntN(60), g.rng.IntN(60), 0, loc)
		if !t.Before(g.origin) && t.Before(g.now) {
			return t.Unix()
		}
	}
	return g.now.Add(-time.Duration(1+g.rng.IntN(3600)) * time.Second).Unix()
}

func (g *kudoPlanner) hour(wd time.Weekday) int {
	switch wd {
	case time.Saturday, time.Sunday:
		return draw(g.rng, g.hourCum[2])
	case time.Friday:
		return draw(g.rng, g.hourCum[1])
	}
	return draw(g.rng, g.hourCum[0])
}

// rituals adds the ritual teams' rituals and, in any period where the team
// was recognised less than the ritual's minimum, kudos from teammates.
func (g *kudoPlanner) rituals() {
	pl := g.pl
	for ri, ti := range g.ritualTeams {
		spec := ritualSpecs[ri]
		lead := pl.teams[ti].members[0]
		loc := g.locs[lead]
		o := g.origin.In(loc)
		r := ritualRow{
			team: ti, name: spec.name, cadence: spec.cadence, weekday: spec.weekday, hour: spec.hour,
			zone: pl.people[lead].zone, startsOn: time.Date(o.Year(), o.Month(), o.Day(), 0, 0, 0, 0, time.UTC),
			createdBy: lead, createdAt: g.origin.Add(-time.Duration(2+g.rng.IntN(5))*day - g.between(0, 8*time.Hour)),
		}
		g.kp.rituals = append(g.kp.rituals, r)
		periods := ritualPeriods(r, loc, g.now)
		if len(periods) == 0 {
			continue
		}
		member := make(map[int32]bool, len(pl.teams[ti].members))
		for _, m := range pl.teams[ti].members {
			member[int32(m)] = true
		}
		counts := make([]int, len(periods))
		for i := range g.kp.kudos {
			k := &g.kp.kudos[i]
			if k.vis == kudoRecipients {
				continue
			}
			hit := false
			for _, x := range k.recips[:k.n] {
				hit = hit || member[x]
			}
			if !hit {
				continue
			}
			if p := periodOf(periods, k.at); p >= 0 {
				counts[p]++
			}
		}
		for p, per := range periods {
			want := float64(spec.min)
			if end := per[1]; end.After(g.now) {
				want *= float64(g.now.Sub(per[0])) / float64(end.Sub(per[0]))
			}
			for c := counts[p]; c < int(want); c++ {
				g.ritualKudo(ti, per[0], minTime(per[1], g.now), spec.weekday, spec.hour, loc)
			}
		}
	}
}

// ritualPeriods returns the ritual's periods up to now, each [start, end):
// a period ends when the ritual's day does.
func ritualPeriods(r ritualRow, loc *time.Location, now time.Time) [][2]time.Time {
	rule := schedule.Rule{Cadence: r.cadence, Weekday: r.weekday, Hour: r.hour, Location: loc, StartsOn: r.startsOn}
	start := time.Date(r.startsOn.Year(), r.startsOn.Month(), r.startsOn.Day(), 0, 0, 0, 0, loc)
	var out [][2]time.Time
	for _, m := range rule.Occurrences(start, now.AddDate(0, 2, 0)) {
		if !start.Before(now) {
			break
		}
		y, mo, d := m.In(loc).Date()
		end := time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
		out = append(out, [2]time.Time{start, end})
		start = end
	}
	return out
}

// periodOf returns the index of the period holding the Unix time at, or -1.
func periodOf(periods [][2]time.Time, at int64) int {
	i, _ := slices.BinarySearchFunc(periods, at, func(p [2]time.Time, at int64) int {
		if p[1].Unix() <= at {
			return -1
		}
		return 1
	})
	if i < len(periods) && periods[i][0].Unix() <= at {
		return i
	}
	return -1
}

// ritualKudo adds a kudo between teammates of team ti in [from, to), often
// on the ritual's day, before it starts.
func (g *kudoPlanner) ritualKudo(ti int, from, to time.Time, wd time.Weekday, hour int, loc *time.Location) {
	members := g.pl.teams[ti].members
	var givers []int32
	for _, m := range members {
		if g.give[m] > 0 {
			givers = append(givers, int32(m))
		}
	}
	if len(givers) == 0 || !from.Before(to) {
		return
	}
	a := givers[g.rng.IntN(len(givers))]
	var r int32 = -1
	for range 8 {
		c := int32(members[g.rng.IntN(len(members))])
		if g.allowed(a, c) {
			r = c
			break
		}
	}
	if r < 0 {
		return
	}
	k := kudoRow{author: a, team: -1, n: 1}
	k.recips[0] = r
	if g.chance(0.15) {
		k.vis, k.team = kudoTeam, int32(ti)
	}
	g.describe(&k)
	// On the ritual's day before it starts, or on a working hour of any day.
	span := to.Sub(from)
	var at time.Time
	for range 8 {
		t := from.Add(g.between(0, span)).In(loc)
		if g.chance(0.4) {
			last := to.Add(-time.Nanosecond).In(loc)
			if last.Weekday() == wd {
				t = last
			}
		}
		h := 9 + g.rng.IntN(8)
		if t.Weekday() == wd {
			h = 9 + g.rng.IntN(max(1, hour-9))
		}
		c := time.Date(t.Year(), t.Month(), t.Day(), h, g.rng.IntN(60), g.rng.IntN(60), 0, loc)
		if !c.Before(from) && c.Before(to) {
			at = c
			break
		}
	}
	if at.IsZero() {
		at = from.Add(g.between(0, span))
	}
	k.at = at.Unix()
	g.kp.kudos = append(g.kp.kudos, k)
}

// between returns a random duration in [lo, hi).
func (g *kudoPlanner) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

// after returns a moment soon after the Unix time at, and before now: most
// reactions come within hours, some a day or two later.
func (g *kudoPlanner) after(at int64) int64 {
	var d time.Duration
	switch x := g.rng.Float64(); {
	case x < 0.7:
		d = time.Duration(g.rng.ExpFloat64() * float64(90*time.Minute))
	case x < 0.95:
		d = g.between(4*time.Hour, 3*day)
	default:
		d = g.between(3*day, 8*day)
	}
	d += time.Minute
	now := g.now.Unix()
	if t := at + int64(d/time.Second); t < now {
		return t
	}
	return at + int64(g.rng.Float64()*float64(now-at))
}

// reactAndComment adds reactions, from the recipients' teammates more than
// anyone else, and comments, from recipients thanking back or colleagues
// joining in.
func (g *kudoPlanner) reactAndComment() {
	n := len(g.pl.people)
	emojiCum := cumulative(reactionWeight)
	countCum := cumulative(reactionCount)
	kp := g.kp
	kp.reactions = make([]reactionRow, 0, len(kp.kudos)*2)
	var seen [8]int32
	for i := range kp.kudos {
		k := &kp.kudos[i]
		var pool []int // team members for team kudos
		switch k.vis {
		case kudoRecipients:
			continue
		case kudoTeam:
			pool = g.pl.teams[k.team].members
		}
		react := reactedShare
		if k.vis == kudoTeam {
			react = 0.35
		}
		if g.chance(react) {
			want := 1 + draw(g.rng, countCum)
			got := 0
			for try := 0; got < want && try < 3*want; try++ {
				var u int32
				switch x := g.rng.Float64(); {
				case pool != nil:
					u = int32(pool[g.rng.IntN(len(pool))])
				case x < 0.45 && len(g.neigh[k.recips[0]]) > 0:
					nb := g.neigh[k.recips[0]]
					u = nb[g.rng.IntN(len(nb))]
				case x < 0.55:
					u = k.recips[g.rng.IntN(int(k.n))]
				case x < 0.70 && len(g.neigh[k.author]) > 0:
					nb := g.neigh[k.author]
					u = nb[g.rng.IntN(len(nb))]
				default:
					u = int32(g.rng.IntN(n))
				}
				if u == k.author || slices.Contains(seen[:got], u) {
					continue
				}
				seen[got] = u
				got++
				kp.reactions = append(kp.reactions, reactionRow{at: g.after(k.at), kudo: int32(i), user: u,
					emoji: uint8(draw(g.rng, emojiCum))})
			}
		}
		if g.chance(commentedShare) {
			at := k.at
			thanks := g.chance(0.45)
			for c := 0; c < 2; c++ {
				var u int32
				if thanks {
					u = k.recips[g.rng.IntN(int(k.n))]
				} else if pool != nil {
					u = int32(pool[g.rng.IntN(len(pool))])
				} else if nb := g.neigh[k.recips[0]]; len(nb) > 0 && g.chance(0.7) {
					u = nb[g.rng.IntN(len(nb))]
				} else {
					u = int32(g.rng.IntN(n))
				}
				if u == k.author || (!thanks && slices.Contains(k.recips[:k.n], u)) {
					break
				}
				at = g.after(at)
				tmpl := g.rng.IntN(len(cheerComments))
				if thanks {
					tmpl = g.rng.IntN(len(thanksComments))
				}
				kp.comments = append(kp.comments, commentRow{at: at, kudo: int32(i), author: u, thanks: thanks, tmpl: uint16(tmpl)})
				if !g.chance(0.2) {
					break
				}
				thanks = !thanks
			}
		}
	}
}
