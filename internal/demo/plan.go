package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"rapport/internal/core"
)

// person is one row of the planned organisation. Indexes refer to plan.people;
// a manager always comes before their reports.
type person struct {
	manager int // -1 for the CEO
	role    core.Role
	title   string
	name    string
	email   string
	zone    string
	dept    int // -1 for the CEO and the admin
	area    string
	reports []int
}

type team struct {
	name        string
	description string
	members     []int
}

// plan is the whole organisation, built in memory before anything is written.
type plan struct {
	people  []person
	teams   []team
	signIns [4]int // admin, leader, manager, employee
}

type planner struct {
	rng    *rand.Rand
	domain string
	people []person
	emails map[string]int
	teams  []team
	names  map[string]bool // lower-case team names in use
	// people by department, for the cross-functional teams
	deptManagers  [][]int
	deptEmployees [][]int
}

// departmentCount scales the number of departments (and so of leaders) with
// the organisation: 1 for 8 people, 4 for 60, 6 for 200, all 12 from about 3,000.
func departmentCount(n int) int {
	d := int(math.Round(math.Log2(float64(n)/8) * 1.3))
	// Each department needs a leader and a manager with at least three reports.
	d = min(d, (n-2)/5, len(departments))
	return max(d, 1)
}

// shape is how many people sit at each level of a department under its leader.
type shape struct {
	mids      []int // managers of managers, top level first
	managers  int
	employees []int // direct reports of each front-line manager
}

// departmentShape splits s people (the department without its leader) into
// managers of managers, front-line managers and their reports, aiming for a
// span of control of 5–9.
func departmentShape(rng *rand.Rand, s int) shape {
	m := max(1, int(math.Round(float64(s)/8)))
	var mids []int
	e := 0
	for range 64 {
		mids = midLevels(m)
		e = s - m - sum(mids)
		if e > 9*m {
			m++
			continue
		}
		if e < 3*m && m > 1 {
			m--
			continue
		}
		break
	}
	spans := make([]int, m)
	for i := range spans {
		spans[i] = e / m
		if i < e%m {
			spans[i]++
		}
	}
	lo := min(5, e/m)
	for range 2 * m {
		i, j := rng.IntN(m), rng.IntN(m)
		if i != j && spans[i] > lo && spans[j] < 9 {
			spans[i]--
			spans[j]++
		}
	}
	// Top level first.
	for i, j := 0, len(mids)-1; i < j; i, j = i+1, j-1 {
		mids[i], mids[j] = mids[j], mids[i]
	}
	return shape{mids: mids, managers: m, employees: spans}
}

// midLevels returns how many managers of managers each level needs, from the
// level just above the front-line managers upwards, so that nobody has more
// than nine direct reports.
func midLevels(managers int) []int {
	var levels []int
	for c := managers; c > 9; {
		c = (c + 6) / 7
		levels = append(levels, c)
	}
	return levels
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// allocate splits total among weights, each getting at least floor, by the
// largest-remainder method.
func allocate(total, floor int, weights []int) []int {
	out := make([]int, len(weights))
	rest := total - floor*len(weights)
	w := sum(weights)
	type rem struct{ i, r int }
	rems := make([]rem, len(weights))
	given := 0
	for i, wi := range weights {
		share := rest * wi / w
		out[i] = floor + share
		given += share
		rems[i] = rem{i, rest * wi % w}
	}
	// Stable: larger remainders first, then earlier departments.
	for given < rest {
		best := -1
		for j, r := range rems {
			if r.r >= 0 && (best < 0 || r.r > rems[best].r) {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
		given++
	}
	return out
}

func buildPlan(opts Options) *plan {
	n := opts.People
	p := &planner{
		rng:    rand.New(rand.NewPCG(uint64(opts.Seed), 0x6a09e667f3bcc908)),
		domain: opts.Domain,
		emails: make(map[string]int, n),
		names:  make(map[string]bool),
	}
	p.people = make([]person, 0, n)

	ceo := p.add(-1, core.RoleLeader, "Chief Executive Officer", -1, "")
	admin := p.add(ceo, core.RoleAdmin, "People Operations Lead", -1, "")

	d := departmentCount(n)
	weights := make([]int, d)
	for i := range weights {
		weights[i] = departments[i].weight
	}
	sizes := allocate(n-2-d, 4, weights)
	p.deptManagers = make([][]int, d)
	p.deptEmployees = make([][]int, d)

	leaders := make([]int, d)
	for i := range d {
		leaders[i] = p.add(ceo, core.RoleLeader, departments[i].leader, i, "")
	}
	var signLeader, signManager, signEmployee = -1, -1, -1
	for i := range d {
		mgrs := p.buildDepartment(i, leaders[i], departmentShape(p.rng, sizes[i]))
		if signManager < 0 {
			for _, m := range mgrs {
				if len(p.people[m].reports) >= 3 {
					signLeader, signManager, signEmployee = leaders[i], m, p.people[m].reports[0]
					break
				}
			}
		}
	}

	// Cross-functional teams.
	leadership := []int{ceo, admin}
	leadership = append(leadership, leaders...)
	p.addTeam("Leadership team", "The CEO, the department leaders and People Operations.", leadership)

	var circle []int
	for i := range min(d, 6) {
		circle = append(circle, p.pick(p.deptManagers[i]), p.pick(p.deptEmployees[i]))
	}
	circle = append(circle, admin)
	p.addTeam("Mentoring circle", "Managers and individual contributors from across the company, meeting monthly to swap advice.", circle)

	var squad []int
	for i := range min(d, 7) {
		squad = append(squad, p.pick(p.deptEmployees[i]))
	}
	squad = append(squad, p.pick(p.deptEmployees[0]), p.pick(p.deptEmployees[0]), p.pick(p.deptManagers[0]))
	p.addTeam("Launch squad", "A cross-functional group shipping the next major release together.", squad)

	return &plan{people: p.people, teams: p.teams, signIns: [4]int{admin, signLeader, signManager, signEmployee}}
}

// buildDepartment places a department's people under its leader, top level
// first, and returns the front-line managers.
func (p *planner) buildDepartment(di, leader int, sh shape) []int {
	dep := &departments[di]
	parents := []int{leader}
	var mgrTeams []int // managers of managers and front-line managers, in order
	offset := p.rng.IntN(len(dep.areas))
	for level, count := range sh.mids {
		title := dep.senior
		if level == 0 {
			title = dep.director
		}
		parents = p.addLevel(parents, count, core.RoleManager, title, di, level == 0, offset)
		mgrTeams = append(mgrTeams, parents...)
	}
	managers := p.addLevel(parents, sh.managers, core.RoleManager, dep.manager, di, len(sh.mids) == 0, offset)
	mgrTeams = append(mgrTeams, managers...)
	p.deptManagers[di] = managers

	for i, m := range managers {
		for range sh.employees[i] {
			title := p.pickTitle(dep.titles)
			e := p.add(m, core.RoleEmployee, title, di, p.people[m].area)
			p.deptEmployees[di] = append(p.deptEmployees[di], e)
		}
	}

	for _, m := range mgrTeams {
		mp := &p.people[m]
		members := append([]int{m}, mp.reports...)
		desc := fmt.Sprintf("%s %s team, led by %s.", mp.area, dep.teamNoun, mp.name)
		if mp.title != dep.manager {
			desc = fmt.Sprintf("%s %s managers, led by %s.", mp.area, dep.teamNoun, mp.name)
		}
		p.addTeam(p.teamName(mp.area), desc, members)
	}
	return managers
}

// addLevel adds count people spread evenly under parents. When top is set,
// each new person starts an area of the department; otherwise they inherit
// their manager's.
func (p *planner) addLevel(parents []int, count int, role core.Role, title string, di int, top bool, offset int) []int {
	dep := &departments[di]
	out := make([]int, count)
	for i := range count {
		parent := parents[i*len(parents)/count]
		area := p.people[parent].area
		if top {
			area = dep.areas[(offset+i)%len(dep.areas)]
		}
		out[i] = p.add(parent, role, title, di, area)
	}
	return out
}

// add appends a person with a fresh name, email and time zone.
func (p *planner) add(manager int, role core.Role, title string, dept int, area string) int {
	c := p.pickCulture()
	given := c.given[p.rng.IntN(len(c.given))]
	fc := c
	if p.rng.IntN(7) == 0 {
		fc = p.pickCulture()
	}
	family := fc.family[p.rng.IntN(len(fc.family))]
	zone := c.zones[p.rng.IntN(len(c.zones))]
	if manager >= 0 && p.rng.IntN(2) == 0 {
		zone = p.people[manager].zone // many people sit near their manager
	}

	local := fold(given) + "." + fold(family)
	p.emails[local]++
	if n := p.emails[local]; n > 1 {
		local += strconv.Itoa(n)
	}
	idx := len(p.people)
	p.people = append(p.people, person{
		manager: manager,
		role:    role,
		title:   title,
		name:    given + " " + family,
		email:   local + "@" + p.domain,
		zone:    zone,
		dept:    dept,
		area:    area,
	})
	if manager >= 0 {
		p.people[manager].reports = append(p.people[manager].reports, idx)
	}
	return idx
}

func (p *planner) pickCulture() *culture {
	n := p.rng.IntN(cultureWeights)
	for i := range cultures {
		if n < cultures[i].weight {
			return &cultures[i]
		}
		n -= cultures[i].weight
	}
	return &cultures[len(cultures)-1]
}

var cultureWeights = func() int {
	total := 0
	for _, c := range cultures {
		total += c.weight
	}
	return total
}()

func (p *planner) pickTitle(titles []weighted) string {
	total := 0
	for _, t := range titles {
		total += t.weight
	}
	n := p.rng.IntN(total)
	for _, t := range titles {
		if n < t.weight {
			return t.title
		}
		n -= t.weight
	}
	return titles[len(titles)-1].title
}

func (p *planner) pick(xs []int) int { return xs[p.rng.IntN(len(xs))] }

// teamName returns a name like "Platform · Atlas" not yet used in the org.
func (p *planner) teamName(area string) string {
	start := p.rng.IntN(len(codenames))
	for k := 0; ; k++ {
		name := area + " · " + codenames[(start+k)%len(codenames)]
		if k >= len(codenames) {
			name += " " + strconv.Itoa(k/len(codenames)+1)
		}
		if !p.names[strings.ToLower(name)] {
			return name
		}
	}
}

func (p *planner) addTeam(name, description string, members []int) {
	seen := make(map[int]bool, len(members))
	uniq := members[:0:0]
	for _, m := range members {
		if !seen[m] {
			seen[m] = true
			uniq = append(uniq, m)
		}
	}
	p.names[strings.ToLower(name)] = true
	p.teams = append(p.teams, team{name: name, description: description, members: uniq})
}
