package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"rapport/internal/core"
	"rapport/internal/oneonone"
)

// The 1:1 history: one series for every manager and report, with a meeting
// row for every past slot, agendas, notes, actions and observations, shaped by
// each manager's habits so that the check-in patterns tell a story: most
// managers keep their 1:1s, some have quietly stopped, some cancel a lot.

// Defaults and limits for Options.Months.
const (
	DefaultMonths = 12
	MaxMonths     = 36
)

// style is how a manager keeps their 1:1s.
type style uint8

const (
	steady     style = iota // ~90 % held
	drifting                // held until 6–10 weeks ago, then nothing
	canceller               // ~35 % cancelled, mostly by the manager
	recovering              // cancelled a lot until four months ago, steady since
)

func (s style) String() string {
	return [...]string{"steady", "drifting", "canceller", "recovering"}[s]
}

// poor reports whether the style comes with fewer report-added points and
// weaker follow-through.
func (s style) poor() bool { return s == drifting || s == canceller }

type seriesRow struct {
	manager, report int // plan indexes
	cadence         oneonone.Cadence
	interval        int
	weekday         time.Weekday
	hour, minute    int
	duration        int
	zone            string
	startsOn        time.Time // a date, at midnight UTC
	status          oneonone.SeriesStatus
	endedAt         time.Time // zero unless ended
	createdAt       time.Time
}

type pauseRow struct {
	series        int
	from, resumed time.Time // resumed is zero while paused
}

type meetingRow struct {
	series    int32
	duration  int16
	pulse     int8  // 0 for none
	balance   int8  // -1 for none
	statusBy  int32 // plan index, -1 for none
	status    oneonone.MeetingStatus
	at        time.Time
	statusAt  time.Time // zero for none
	createdAt time.Time
	word      string
	notes     string
}

type agendaRow struct {
	meeting   int32
	author    int32
	position  int16
	carried   int16
	done      bool
	body      string
	createdAt time.Time
	raisedAt  time.Time // when a carried point was first raised
	dropped   bool      // left behind: it carries over no more
	carriedOn bool      // carried on (as a copy) to a later meeting, carriedTo
	carriedTo int32
	copy      bool // the copy of a point carried over from an earlier meeting
}

type noteRow struct {
	meeting, author int32
	body            string
	at              time.Time
}

type actionRow struct {
	meeting, series  int32
	owner, createdBy int32
	body             string
	due              time.Time // a date, at midnight UTC
	doneAt           time.Time // zero while open
	createdAt        time.Time
}

type observationRow struct {
	meeting, author, subject int32
	key                      string
	note                     string
	at                       time.Time
}

// history is the planned 1:1 history, with people as plan indexes and
// series and meetings as indexes into their slices.
type history struct {
	series       []seriesRow
	pauses       []pauseRow
	meetings     []meetingRow
	agenda       []agendaRow
	notes        []noteRow
	actions      []actionRow
	observations []observationRow
	styles       map[int]style // by manager
}

// historian builds a history.
type historian struct {
	rng       *rand.Rand
	pl        *plan
	now       time.Time
	origin    time.Time // now − Months
	questions []string
	obs       []observation // those whose competency exists
	locs      map[string]*time.Location
	given     []string // first names by plan index
	areas     []string
	h         *history
}

// seriesState is what the simulation of one series carries from meeting to meeting.
type seriesState struct {
	idx           int32
	manager       int32
	report        int32
	loc           *time.Location
	duration      int
	style         style
	reportShare   float64 // chance that a new talking point comes from the report
	balanceMean   float64
	mood          mood
	project       int
	projectChange float64   // chance per meeting of moving to the next project
	pending       []carry   // talking points not done yet
	keptSince     time.Time // slots from then on are all held
}

type carry struct {
	author  int32
	body    string
	carried int16
	since   time.Time
	raised  time.Time // the meeting it was first raised for
	row     int       // its row on the meeting it comes from
}

// mood is a report's baseline pulse, moving from base to base+delta between from and until.
type mood struct {
	base, delta float64
	from, until time.Time
}

func (m mood) level(t time.Time) float64 {
	switch {
	case !t.After(m.from):
		return m.base
	case !t.Before(m.until):
		return m.base + m.delta
	}
	return m.base + m.delta*float64(t.Sub(m.from))/float64(m.until.Sub(m.from))
}

const day = 24 * time.Hour

// buildHistory plans the 1:1s of the organisation over opts.Months up to
// opts.Now. questions is the organisation's question bank and competencies
// the keys observations may use.
func buildHistory(opts Options, pl *plan, questions []string, competencies map[string]bool) *history {
	g := &historian{
		rng:       rand.New(rand.NewPCG(uint64(opts.Seed), 0xbb67ae8584caa73b)),
		pl:        pl,
		now:       opts.Now,
		origin:    opts.Now.AddDate(0, -opts.Months, 0),
		questions: questions,
		locs:      map[string]*time.Location{},
		h:         &history{styles: map[int]style{}},
	}
	for _, o := range observations {
		if competencies[o.key] {
			g.obs = append(g.obs, o)
		}
	}
	g.given = make([]string, len(pl.people))
	for i, p := range pl.people {
		g.given[i], _, _ = strings.Cut(p.name, " ")
	}
	for _, d := range departments {
		g.areas = append(g.areas, d.areas...)
	}

	// Guess the sizes so the slices grow once.
	n := len(pl.people)
	perSeries := 30 * float64(opts.Months) / 12
	g.h.series = make([]seriesRow, 0, n)
	g.h.meetings = make([]meetingRow, 0, int(float64(n)*perSeries*1.05))
	g.h.agenda = make([]agendaRow, 0, int(float64(n)*perSeries*2.4))
	g.h.actions = make([]actionRow, 0, int(float64(n)*perSeries*0.8))

	g.chooseStyles()
	signManager, signEmployee := pl.signIns[2], pl.signIns[3]
	// On the sign-in manager's dashboard one report has slipped through the
	// cracks and another's pulse is falling; the sign-in employee has a
	// steady weekly series.
	lapsed, falling := -1, -1
	for _, r := range pl.people[signManager].reports {
		if r == signEmployee {
			continue
		}
		if lapsed < 0 {
			lapsed = r
		} else if falling < 0 {
			falling = r
		}
	}

	fates := g.chooseFates(pl.people[signManager].reports...)
	taken := map[int]bool{} // manager's busy slots: manager*1000 + weekday*20 + half hour
	for i, p := range pl.people {
		if p.manager < 0 {
			continue
		}
		g.series(i, taken, fates[i], part{
			curated: i == signEmployee || i == lapsed || i == falling,
			lapsed:  i == lapsed,
			falling: i == falling,
			kept:    p.manager == signManager && i != lapsed,
		})
	}
	return g.h
}

// share returns about p·n, and at least one when n is large enough for one.
func share(n int, p float64, atLeastFrom int) int {
	k := int(math.Round(p * float64(n)))
	if n >= atLeastFrom {
		k = max(k, 1)
	}
	return k
}

// chooseStyles gives the managers their styles in fixed proportions, so that
// even a small organisation has about 15 % drifting managers, 12 % frequent
// cancellers and 8 % recovering ones. The CEO and the sign-in manager are
// steady; a front-line manager drifts and another cancels, and the sign-in
// leader's roll-up shows one of them.
func (g *historian) chooseStyles() {
	pl := g.pl
	signLeader, signManager := pl.signIns[1], pl.signIns[2]
	var managers, open []int
	for i, p := range pl.people {
		if len(p.reports) == 0 {
			continue
		}
		managers = append(managers, i)
		g.h.styles[i] = steady
		if i != 0 && i != signManager {
			open = append(open, i)
		}
	}
	g.rng.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })
	n := len(managers)
	k := 0
	for _, c := range []struct {
		s style
		n int
	}{{drifting, share(n, 0.15, 4)}, {canceller, share(n, 0.12, 4)}, {recovering, share(n, 0.08, 13)}} {
		for range c.n {
			if k < len(open) {
				g.h.styles[open[k]] = c.s
				k++
			}
		}
	}

	frontLine := func(m int) bool { return pl.people[m].role == core.RoleManager && m != signManager }
	under := func(m, leader int) bool {
		for x := pl.people[m].manager; x >= 0; x = pl.people[x].manager {
			if x == leader {
				return true
			}
		}
		return false
	}
	// swap gives the style to a steady front-line manager (under the sign-in
	// leader if near) in exchange for steadiness, taken from a manager with
	// that style for whom where is true; it reports whether it could.
	swap := func(want style, near bool, where func(int) bool) bool {
		var to, from []int
		for _, m := range open {
			switch {
			case g.h.styles[m] == steady && frontLine(m) && (!near || under(m, signLeader)):
				to = append(to, m)
			case g.h.styles[m] == want && where(m):
				from = append(from, m)
			}
		}
		if len(to) == 0 || len(from) == 0 {
			return false
		}
		g.h.styles[to[g.rng.IntN(len(to))]] = want
		g.h.styles[from[g.rng.IntN(len(from))]] = steady
		return true
	}
	has := func(want style, near bool) bool {
		for _, m := range open {
			if g.h.styles[m] == want && frontLine(m) && (!near || under(m, signLeader)) {
				return true
			}
		}
		return false
	}
	for _, want := range []style{drifting, canceller} {
		if !has(want, false) {
			swap(want, false, func(m int) bool { return !frontLine(m) })
		}
	}
	if !has(drifting, true) && !has(canceller, true) {
		notNear := func(m int) bool { return !under(m, signLeader) }
		_ = swap(canceller, true, notNear) || swap(drifting, true, notNear)
	}
}

// fate is what happened to a series besides its meetings.
type fate uint8

const (
	running    fate = iota
	ended           // ended a few months ago
	pausedNow       // paused a few weeks ago and still paused
	pausedOnce      // paused for a month in the past
)

// chooseFates ends about 2 % of the series, pauses 1 % now and 3 % for a
// month in the past, never those of the sign-in accounts' story.
func (g *historian) chooseFates(exclude ...int) []fate {
	pl := g.pl
	fates := make([]fate, len(pl.people))
	var reports []int
	for i, p := range pl.people {
		if p.manager >= 0 && !slices.Contains(exclude, i) {
			reports = append(reports, i)
		}
	}
	g.rng.Shuffle(len(reports), func(i, j int) { reports[i], reports[j] = reports[j], reports[i] })
	n := len(pl.people) - 1
	k := 0
	for _, c := range []struct {
		f fate
		n int
	}{{ended, share(n, 0.02, 20)}, {pausedNow, share(n, 0.01, 20)}, {pausedOnce, share(n, 0.03, 20)}} {
		for range c.n {
			if k < len(reports) {
				fates[reports[k]] = c.f
				k++
			}
		}
	}
	return fates
}

func (g *historian) loc(zone string) *time.Location {
	if l, ok := g.locs[zone]; ok {
		return l
	}
	l, err := time.LoadLocation(zone)
	if err != nil {
		l = time.UTC
	}
	g.locs[zone] = l
	return l
}

func (g *historian) chance(p float64) bool { return g.rng.Float64() < p }

// between returns a random duration in [lo, hi).
func (g *historian) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

// part is a series' part in the sign-in accounts' story.
type part struct {
	curated bool // weekly, from the start of the history
	lapsed  bool // no meetings for seven weeks
	falling bool // the pulse falls over the last three months
	kept    bool // the last weeks' meetings were all held
}

// series plans one manager–report series and simulates its meetings.
func (g *historian) series(report int, taken map[int]bool, fate fate, role part) {
	curated, lapsed, falling := role.curated, role.lapsed, role.falling
	pl := g.pl
	mgr := pl.people[report].manager
	st := g.h.styles[mgr]
	loc := g.loc(pl.people[mgr].zone)

	s := seriesRow{manager: mgr, report: report, zone: pl.people[mgr].zone, status: oneonone.SeriesActive}
	switch r := g.rng.IntN(100); {
	case curated || r < 60:
		s.cadence, s.interval = oneonone.Weekly, 7
	case r < 90:
		s.cadence, s.interval = oneonone.Biweekly, 14
	case r < 95:
		s.cadence, s.interval = oneonone.Monthly, 30
	default:
		s.cadence, s.interval = oneonone.EveryN, 10
	}
	// Monday to Friday, 09:00 to 16:30 on the half hour, not clashing with
	// the manager's other 1:1s.
	for try := 0; ; try++ {
		wd, half := 1+g.rng.IntN(5), g.rng.IntN(16)
		key := mgr*1000 + wd*20 + half
		if !taken[key] || try >= 20 {
			taken[key] = true
			s.weekday, s.hour, s.minute = time.Weekday(wd), 9+half/2, 30*(half%2)
			break
		}
	}
	s.duration = 30
	if s.cadence == oneonone.Monthly {
		s.duration = 60
	} else if g.chance(0.45) {
		s.duration = 45
	}

	// The series starts at the beginning of the history, give or take a few
	// days, or recently for people who joined in the last four months.
	start := g.origin.Add(time.Duration(g.rng.IntN(5)) * day)
	if !curated && fate == running && g.chance(0.10) {
		recent := g.now.Add(-time.Duration(14+g.rng.IntN(106)) * day)
		if recent.After(start) {
			start = recent
		}
	}
	ls := start.In(loc)
	first := time.Date(ls.Year(), ls.Month(), ls.Day(), 0, 0, 0, 0, time.UTC)
	first = first.AddDate(0, 0, (int(s.weekday)-int(first.Weekday())+7)%7)
	s.startsOn = first
	from := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	s.createdAt = from.Add(-time.Duration(1+g.rng.IntN(6))*day + g.between(9*time.Hour, 17*time.Hour))
	if s.createdAt.After(g.now) {
		s.createdAt = g.now
	}

	rule := oneonone.Rule{Cadence: s.cadence, IntervalDays: s.interval, Weekday: s.weekday,
		Hour: s.hour, Minute: s.minute, Location: loc, StartsOn: s.startsOn}

	// Ended, paused now, or paused for a month in the past.
	end := g.now
	var pause pauseRow
	hasPause := false
	switch fate {
	case ended:
		e := g.now.Add(-time.Duration(45+g.rng.IntN(106))*day + g.between(0, 8*time.Hour))
		if e.After(from.Add(75 * day)) {
			s.status, s.endedAt, end = oneonone.SeriesEnded, e, e
		}
	case pausedNow:
		p := g.now.Add(-time.Duration(14+g.rng.IntN(47))*day - g.between(0, 8*time.Hour))
		if p.After(from.Add(30 * day)) {
			s.status, end = oneonone.SeriesPaused, p
			pause, hasPause = pauseRow{from: p}, true
		}
	case pausedOnce:
		length := time.Duration(28+g.rng.IntN(8)) * day
		lo, hi := from.Add(30*day), g.now.Add(-45*day-length)
		if hi.After(lo) {
			p := lo.Add(g.between(0, hi.Sub(lo)))
			pause, hasPause = pauseRow{from: p, resumed: p.Add(length)}, true
		}
	}

	// A drifting manager stopped meeting 6–10 weeks ago; long cadences stop
	// long enough ago to count as drifting too.
	var lapse time.Time
	if st == drifting || lapsed {
		days := 42 + g.rng.IntN(29)
		if lapsed {
			days = 49
		}
		days = max(days, 2*oneonone.NominalDays(s.cadence, s.interval)+10)
		lapse = g.now.Add(-time.Duration(days) * day)
	}

	idx := len(g.h.series)
	g.h.series = append(g.h.series, s)
	if hasPause {
		pause.series = idx
		g.h.pauses = append(g.h.pauses, pause)
	}

	ss := &seriesState{
		idx: int32(idx), manager: int32(mgr), report: int32(report), loc: loc,
		duration: s.duration, style: st, reportShare: 0.55, balanceMean: 50 + g.rng.NormFloat64()*4,
		project:       g.rng.IntN(len(projects)),
		projectChange: float64(oneonone.NominalDays(s.cadence, s.interval)) / 75,
	}
	if role.kept {
		ss.keptSince = g.now.Add(-time.Duration(2*oneonone.NominalDays(s.cadence, s.interval)+7) * day)
	}
	if st.poor() {
		ss.reportShare, ss.balanceMean = 0.35, 42+g.rng.NormFloat64()*4
	}
	ss.mood = g.mood(st, falling)

	var slots []time.Time
	if from.Before(end) {
		slots = rule.Occurrences(from, end)
	}
	for _, t := range slots {
		if !lapse.IsZero() && !t.Before(lapse) {
			break
		}
		if hasPause && !t.Before(pause.from) && (pause.resumed.IsZero() || t.Before(pause.resumed)) {
			continue
		}
		limit := minTime(end, lapse)
		if hasPause && t.Before(pause.from) {
			limit = minTime(limit, pause.from)
		}
		g.slot(ss, t, limit)
	}
	if s.status == oneonone.SeriesActive {
		g.scheduled(ss, rule.Next(g.now))
	}
}

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// mood picks a report's baseline pulse and whether it rises or falls, more
// often falling under a manager who drifts or cancels.
func (g *historian) mood(st style, falling bool) mood {
	m := mood{base: 3 + 1.5*g.rng.Float64()}
	m.until = g.now.Add(-time.Duration(g.rng.IntN(30)) * day)
	m.from = m.until.Add(-time.Duration(45+g.rng.IntN(76)) * day)
	down, up := 0.2, 0.25
	switch st {
	case drifting:
		down, up = 0.55, 0.1
	case canceller:
		down, up = 0.45, 0.1
	case recovering:
		down, up = 0.1, 0.5
	}
	switch r := g.rng.Float64(); {
	case falling:
		m.base, m.delta = 4.2, -1.4
		m.until = g.now.Add(-7 * day)
		m.from = m.until.Add(-80 * day)
	case r < down:
		m.delta = -(0.6 + 0.7*g.rng.Float64())
	case r < down+up:
		m.delta = 0.6 + 0.7*g.rng.Float64()
	default:
		m.delta = 0.4*g.rng.Float64() - 0.2
	}
	if m.base+m.delta > 4.8 {
		m.delta = 4.8 - m.base
	}
	if m.base+m.delta < 1.8 {
		m.delta = 1.8 - m.base
	}
	return m
}

// slot decides what became of one scheduled slot; limit is when the series
// stopped (now, its end, its pause or its lapse), before which a moved
// meeting must fall.
func (g *historian) slot(s *seriesState, t, limit time.Time) {
	held, cancelled, rescheduled := 0.90, 0.05, 0.03
	switch s.style {
	case drifting:
		held, cancelled, rescheduled = 0.86, 0.08, 0.04
	case canceller:
		held, cancelled, rescheduled = 0.56, 0.36, 0.06
	case recovering:
		if t.Before(g.now.Add(-120 * day)) {
			held, cancelled, rescheduled = 0.60, 0.32, 0.06
		}
	}
	local := t.In(s.loc)
	weekend := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
	r := g.rng.Float64()
	if !s.keptSince.IsZero() && t.After(s.keptSince) && !weekend {
		r = 0
	}
	switch {
	case weekend: // every-N-days slots fall on weekends now and then
		shift := 1
		if local.Weekday() == time.Saturday {
			shift = 2
		}
		g.reschedule(s, t, local.AddDate(0, 0, shift), limit, s.manager)
	case r < held:
		g.held(s, t)
	case r < held+cancelled:
		by := s.report
		if g.chance(0.55) || (s.style == canceller || s.style == recovering) && g.chance(0.7) {
			by = s.manager
		}
		mi := g.meeting(s, t, oneonone.Cancelled, by, t.Add(-g.between(time.Hour, 50*time.Hour)))
		g.unheldAgenda(s, mi, t)
	case r < held+cancelled+rescheduled:
		by := s.manager
		if g.chance(0.3) {
			by = s.report
		}
		moved := local.AddDate(0, 0, 1+g.rng.IntN(2))
		switch moved.Weekday() {
		case time.Saturday:
			moved = moved.AddDate(0, 0, 2)
		case time.Sunday:
			moved = moved.AddDate(0, 0, 1)
		}
		g.reschedule(s, t, moved, limit, by)
	default:
		mi := g.meeting(s, t, oneonone.Missed, -1, t.Add(time.Duration(s.duration)*time.Minute+g.between(time.Hour, 20*time.Hour)))
		g.unheldAgenda(s, mi, t)
	}
}

// reschedule marks the slot rescheduled and, most of the time, holds the
// meeting on the moved day instead.
func (g *historian) reschedule(s *seriesState, t, moved, limit time.Time, by int32) {
	mi := g.meeting(s, t, oneonone.Rescheduled, by, t.Add(-g.between(2*time.Hour, 60*time.Hour)))
	if moved.Before(limit) && g.chance(0.88) {
		g.held(s, moved)
		return
	}
	g.unheldAgenda(s, mi, t)
}

// meeting appends a meeting row without the held meeting's details.
func (g *historian) meeting(s *seriesState, t time.Time, status oneonone.MeetingStatus, by int32, statusAt time.Time) int32 {
	created := t.Add(-7 * day)
	if sr := g.h.series[s.idx].createdAt; created.Before(sr) {
		created = sr
	}
	if created.After(g.now) {
		created = g.now
	}
	if statusAt.After(g.now) {
		statusAt = g.now
	}
	if !statusAt.IsZero() && statusAt.Before(created) {
		statusAt = created
	}
	g.h.meetings = append(g.h.meetings, meetingRow{
		series: s.idx, duration: int16(s.duration), balance: -1, statusBy: by, status: status,
		at: t, statusAt: statusAt, createdAt: created,
	})
	return int32(len(g.h.meetings) - 1)
}

// held records a held meeting with its pulse, notes, agenda, actions and observations.
func (g *historian) held(s *seriesState, t time.Time) {
	end := t.Add(time.Duration(s.duration) * time.Minute)
	mi := g.meeting(s, t, oneonone.Held, s.manager, end.Add(g.between(0, 30*time.Minute)))
	m := &g.h.meetings[mi]
	if g.chance(s.projectChange) {
		s.project = (s.project + 1 + g.rng.IntN(3)) % len(projects)
	}

	pulse := int(math.Round(s.mood.level(t) + g.rng.Float64() + g.rng.Float64() - 1))
	pulse = min(5, max(1, pulse))
	m.pulse = int8(pulse)
	if g.chance(0.85) {
		words := pulseWords[pulse-1]
		m.word = words[g.rng.IntN(len(words))]
	}
	if g.chance(0.6) {
		b := math.Round(s.balanceMean + g.rng.NormFloat64()*8)
		m.balance = int8(min(75, max(25, b)))
	}
	if g.chance(0.7) {
		m.notes = g.sharedNotes(s)
	}

	g.agendaItems(s, mi, t, true, pickCount(g.rng, 0.25, 0.35, 0.25))
	g.actionItems(s, mi, end)

	if g.chance(0.30) {
		g.h.notes = append(g.h.notes, noteRow{meeting: mi, author: s.manager,
			body: g.fill(managerPrivate[g.rng.IntN(len(managerPrivate))], s), at: g.clamp(end.Add(g.between(0, 2*time.Hour)))})
	}
	if g.chance(0.04) {
		g.h.notes = append(g.h.notes, noteRow{meeting: mi, author: s.report,
			body: g.fill(reportPrivate[g.rng.IntN(len(reportPrivate))], s), at: g.clamp(end.Add(g.between(0, 3*time.Hour)))})
	}
	if len(g.obs) > 0 && g.chance(0.15) {
		o := g.obs[g.rng.IntN(len(g.obs))]
		g.h.observations = append(g.h.observations, observationRow{meeting: mi, author: s.manager, subject: s.report,
			key: o.key, note: g.fill(o.note, s), at: g.clamp(end.Add(g.between(time.Minute, 90*time.Minute)))})
	}
}

// pickCount returns 1, 2, 3 or 4 with the given chances for 1 to 3.
func pickCount(rng *rand.Rand, p1, p2, p3 float64) int {
	r := rng.Float64()
	switch {
	case r < p1:
		return 1
	case r < p1+p2:
		return 2
	case r < p1+p2+p3:
		return 3
	}
	return 4
}

func (g *historian) clamp(t time.Time) time.Time {
	if t.After(g.now) {
		return g.now
	}
	return t
}

// unheldAgenda gives a meeting that did not happen, now and then, a
// talking point that then carries over to the next one.
func (g *historian) unheldAgenda(s *seriesState, mi int32, t time.Time) {
	if g.chance(0.4) {
		g.agendaItems(s, mi, t, false, 1)
	}
}

// agendaItems adds the points carried over, then new ones up to n. In a held
// meeting about one in ten stays open and carries over to the next meeting.
func (g *historian) agendaItems(s *seriesState, mi int32, t time.Time, held bool, n int) {
	pending := s.pending
	s.pending = nil
	if len(pending) > 3 {
		// Older points were dropped: they stay where they were and carry
		// over no more.
		for _, c := range pending[:len(pending)-3] {
			g.h.agenda[c.row].dropped = true
		}
		pending = pending[len(pending)-3:]
	}
	n = max(n, len(pending))
	var bodies [5]string
	for k := range n {
		var a agendaRow
		a.meeting, a.position = mi, int16(k+1)
		if k < len(pending) {
			c := pending[k]
			// Carrying over copies a point on, as the app does; the held
			// meeting keeps its own.
			a.author, a.body, a.carried, a.createdAt, a.raisedAt = c.author, c.body, c.carried+1, c.since, c.raised
			a.copy = true
			g.h.agenda[c.row].carriedOn, g.h.agenda[c.row].carriedTo = true, mi
		} else {
			a.author = s.manager
			if g.chance(s.reportShare) {
				a.author = s.report
			}
			for try := 0; try < 4; try++ {
				a.body = g.talkingPoint(s, a.author == s.report)
				if !contains(bodies[:k], a.body) {
					break
				}
			}
			a.createdAt = g.clamp(t.Add(-g.between(2*time.Hour, 6*day)))
			if sc := g.h.series[s.idx].createdAt; a.createdAt.Before(sc) {
				a.createdAt = sc
			}
		}
		bodies[k] = a.body
		a.done = held && g.chance(0.9)
		if held && k == n-1 && !a.done && len(s.pending) == k {
			a.done = true // a held 1:1 talked about something
		}
		if !a.done {
			raised := a.raisedAt
			if raised.IsZero() {
				raised = t
			}
			s.pending = append(s.pending, carry{author: a.author, body: a.body, carried: a.carried,
				since: g.clamp(t.Add(time.Duration(s.duration) * time.Minute)), raised: raised, row: len(g.h.agenda)})
		}
		g.h.agenda = append(g.h.agenda, a)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (g *historian) talkingPoint(s *seriesState, byReport bool) string {
	if byReport {
		return g.fill(reportAgenda[g.rng.IntN(len(reportAgenda))], s)
	}
	if len(g.questions) > 0 && g.chance(0.12) {
		return g.questions[g.rng.IntN(len(g.questions))]
	}
	return g.fill(managerAgenda[g.rng.IntN(len(managerAgenda))], s)
}

// actionItems agrees 0–2 actions, due 3–14 days later, done on time, late or
// still open; follow-ups are rarer under managers who drift or cancel.
func (g *historian) actionItems(s *seriesState, mi int32, end time.Time) {
	n := 0
	switch r := g.rng.Float64(); {
	case r < 0.35:
		return
	case r < 0.8:
		n = 1
	default:
		n = 2
	}
	onTime, late := 0.75, 0.13
	switch {
	case s.style.poor():
		onTime, late = 0.50, 0.25
	case s.style == recovering:
		onTime, late = 0.65, 0.18
	}
	local := end.In(s.loc)
	for k := range n {
		a := actionRow{meeting: mi, series: s.idx, owner: s.manager, createdAt: g.clamp(end)}
		body := managerActions
		if g.chance(0.65) {
			a.owner, body = s.report, reportActions
		}
		for try := 0; try < 4; try++ {
			a.body = g.fill(body[g.rng.IntN(len(body))], s)
			if k == 0 || a.body != g.h.actions[len(g.h.actions)-1].body {
				break
			}
		}
		a.createdBy = a.owner
		if g.chance(0.4) {
			a.createdBy = s.manager + s.report - a.owner
		}
		dueDays := 3 + g.rng.IntN(12)
		a.due = time.Date(local.Year(), local.Month(), local.Day()+dueDays, 0, 0, 0, 0, time.UTC)
		dueEnd := time.Date(local.Year(), local.Month(), local.Day()+dueDays+1, 0, 0, 0, 0, s.loc)
		var done time.Time
		switch r := g.rng.Float64(); {
		case r < onTime:
			done = end.Add(time.Duration(float64(dueEnd.Sub(end)) * (0.05 + 0.9*g.rng.Float64())))
		case r < onTime+late:
			done = dueEnd.Add(g.between(time.Hour, 10*day))
		}
		if !done.After(g.now) {
			a.doneAt = done
		}
		g.h.actions = append(g.h.actions, a)
	}
}

// sharedNotes writes one to three lines.
func (g *historian) sharedNotes(s *seriesState) string {
	n := 1
	switch r := g.rng.Float64(); {
	case r < 0.3:
	case r < 0.75:
		n = 2
	default:
		n = 3
	}
	var picked [3]int
	var b strings.Builder
	for k := range n {
		i := g.rng.IntN(len(noteLines))
		for dup := true; dup; {
			dup = false
			for _, j := range picked[:k] {
				if j == i {
					dup, i = true, (i+1)%len(noteLines)
				}
			}
		}
		picked[k] = i
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(g.fill(noteLines[i], s))
	}
	return b.String()
}

// scheduled adds the series' next meeting with one to three talking points,
// starting with those carried over.
func (g *historian) scheduled(s *seriesState, t time.Time) {
	mi := g.meeting(s, t, oneonone.Scheduled, -1, time.Time{})
	g.agendaItems(s, mi, g.now, false, 1+g.rng.IntN(3))
	s.pending = nil
}

// fill replaces {p}, {c} and {a} in a template.
func (g *historian) fill(t string, s *seriesState) string {
	if strings.IndexByte(t, '{') < 0 {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 24)
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 || i+2 >= len(t) || t[i+2] != '}' {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		switch t[i+1] {
		case 'p':
			b.WriteString(projects[s.project])
		case 'c':
			b.WriteString(g.colleague(s))
		case 'a':
			b.WriteString(g.otherArea(int(s.report)))
		default:
			b.WriteString(t[i : i+3])
		}
		t = t[i+3:]
	}
}

// colleague is the first name of one of the report's peers, or else of
// someone else in the organisation.
func (g *historian) colleague(s *seriesState) string {
	peers := g.pl.people[s.manager].reports
	if len(peers) > 1 {
		for range 4 {
			if p := peers[g.rng.IntN(len(peers))]; p != int(s.report) {
				return g.given[p]
			}
		}
	}
	for {
		p := g.rng.IntN(len(g.pl.people))
		if p != int(s.report) && p != int(s.manager) {
			return g.given[p]
		}
	}
}

func (g *historian) otherArea(person int) string {
	own := g.pl.people[person].area
	for {
		if a := g.areas[g.rng.IntN(len(g.areas))]; a != own {
			return a
		}
	}
}
