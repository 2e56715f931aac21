package demo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/testdb"
)

const testPassword = "correct-horse-battery"

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

func openPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var domainCounter atomic.Int64

// uniqueDomain gives each organisation a benchmark seeds into one database its own emails.
func uniqueDomain(prefix string) string {
	return fmt.Sprintf("%s%d.example", prefix, domainCounter.Add(1))
}

// historyDomain is the email domain of the shared organisation.
const historyDomain = "history.example"

// seedShared seeds the shared organisation (historyOptions) into the
// package's database, once, for the tests that only read it. Tests that
// write seed organisations of their own into databases of their own.
var seedShared = sync.OnceValues(func() (Result, error) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return Result{}, err
	}
	defer pool.Close()
	return Seed(ctx, pool, historyOptions(historyDomain))
})

// sharedOrg returns a pool on the package's database and the shared
// organisation in it. Callers must not write.
func sharedOrg(t *testing.T) (*pgxpool.Pool, Result) {
	t.Helper()
	res, err := seedShared()
	if err != nil {
		t.Fatalf("seed the shared organisation: %v", err)
	}
	return openPool(t, dsn), res
}

// ownDatabase returns a pool on a fresh database of the test's own.
func ownDatabase(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return openPool(t, testdb.NewDatabase(t))
}

// checkPlan verifies the invariants every planned organisation must hold.
func checkPlan(t *testing.T, pl *plan, n int) {
	t.Helper()
	if len(pl.people) != n {
		t.Fatalf("n=%d: planned %d people", n, len(pl.people))
	}
	roots := 0
	emails := map[string]bool{}
	for i, p := range pl.people {
		if p.manager < 0 {
			roots++
		} else if p.manager >= i {
			t.Fatalf("n=%d: person %d comes before their manager %d", n, i, p.manager)
		}
		if emails[p.email] {
			t.Fatalf("n=%d: duplicate email %s", n, p.email)
		}
		emails[p.email] = true
		if p.name == "" || p.title == "" || !strings.HasSuffix(p.email, "@"+DefaultDomain) {
			t.Fatalf("n=%d: incomplete person %+v", n, p)
		}
		if _, err := time.LoadLocation(p.zone); err != nil {
			t.Fatalf("n=%d: bad time zone: %v", n, err)
		}
		switch p.role {
		case core.RoleEmployee:
			if len(p.reports) != 0 {
				t.Fatalf("n=%d: employee %s has reports", n, p.name)
			}
		case core.RoleManager:
			if len(p.reports) < 2 || len(p.reports) > 9 {
				t.Fatalf("n=%d: manager %s (%s) has %d reports", n, p.name, p.title, len(p.reports))
			}
		}
	}
	if roots != 1 {
		t.Fatalf("n=%d: %d people without a manager", n, roots)
	}
	if ceo := pl.people[0]; ceo.title != "Chief Executive Officer" || ceo.role != core.RoleLeader {
		t.Fatalf("n=%d: first person is %+v", n, ceo)
	}
	teamNames := map[string]bool{}
	for _, tm := range pl.teams {
		key := strings.ToLower(tm.name)
		if teamNames[key] {
			t.Fatalf("n=%d: duplicate team name %q", n, tm.name)
		}
		teamNames[key] = true
		if len(tm.members) == 0 || len(tm.name) > 100 {
			t.Fatalf("n=%d: bad team %+v", n, tm)
		}
	}
	admin, leader, manager, employee := pl.signIns[0], pl.signIns[1], pl.signIns[2], pl.signIns[3]
	people := pl.people
	if people[admin].role != core.RoleAdmin || people[admin].title != "People Operations Lead" || people[admin].manager != 0 {
		t.Fatalf("n=%d: admin sign-in is %+v", n, people[admin])
	}
	if people[leader].role != core.RoleLeader || people[leader].manager != 0 {
		t.Fatalf("n=%d: leader sign-in is %+v", n, people[leader])
	}
	if people[manager].role != core.RoleManager || len(people[manager].reports) < 3 {
		t.Fatalf("n=%d: manager sign-in is %+v", n, people[manager])
	}
	under := false
	for m := people[manager].manager; m >= 0; m = people[m].manager {
		under = under || m == leader
	}
	if !under {
		t.Fatalf("n=%d: manager sign-in does not report (indirectly) to the leader sign-in", n)
	}
	if people[employee].role != core.RoleEmployee || people[employee].manager != manager {
		t.Fatalf("n=%d: employee sign-in is %+v", n, people[employee])
	}
}

// TestSeed10000 checks a load-test-sized organisation: the people, teams
// and sign-ins as TestSeed checks them, and 1:1s and recognition in
// proportion to its size. Two months keep the suite fast;
// BenchmarkSeed10000Months24 times the two years of 1:1s and million kudos
// the page benchmarks use. It is the package's longest test, declared first
// so that it starts first when the tests run in parallel.
func TestSeed10000(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 people")
	}
	t.Parallel()
	const months = 2
	ctx := context.Background()
	pool := ownDatabase(t)
	domain := "large.example"
	res, err := Seed(ctx, pool, Options{People: 10000, Months: months, Seed: 1, Password: testPassword, Domain: domain})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 people, %d teams and %d months of 1:1s (%d series, %d meetings, %d agenda items, %d actions, %d private notes, %d observations) and recognition (%d kudos, %d reactions, %d comments, %d rituals) seeded in %v",
		res.Teams, months, res.Series, res.Meetings, res.AgendaItems, res.Actions, res.PrivateNotes, res.Observations,
		res.Kudos, res.Reactions, res.Comments, res.Rituals, res.Elapsed)
	if res.Series != 9999 || res.Meetings < 25_000*months {
		t.Errorf("%d series and %d meetings for 10,000 people over %d months", res.Series, res.Meetings, months)
	}
	if want := KudosPerPersonYear * 10000 * months / 12; res.Kudos < want || res.Kudos > want*101/100 || res.Rituals != 4 {
		t.Errorf("%d kudos and %d rituals for 10,000 people over %d months, want about %d and 4", res.Kudos, res.Rituals, months, want)
	}
	checkOrg(t, pool, res, 10000, domain)
}

func TestPlanShapes(t *testing.T) {
	t.Parallel()
	sizes := []int{200, 1000, 2500, 10000}
	for n := MinPeople; n <= 130; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		pl := buildPlan(Options{People: n, Seed: int64(n), Domain: DefaultDomain})
		checkPlan(t, pl, n)
	}
}

func TestPlanDepthScales(t *testing.T) {
	t.Parallel()
	depth := func(n int) int {
		pl := buildPlan(Options{People: n, Seed: 1, Domain: DefaultDomain})
		deepest := 0
		level := make([]int, len(pl.people))
		for i, p := range pl.people {
			if p.manager >= 0 {
				level[i] = level[p.manager] + 1
			}
			deepest = max(deepest, level[i])
		}
		return deepest + 1
	}
	if d := depth(60); d != 4 {
		t.Errorf("60 people: depth %d, want 4 (CEO, leader, manager, employee)", d)
	}
	if d := depth(10000); d < 6 {
		t.Errorf("10,000 people: depth %d, want managers of managers", d)
	}
}

func TestPlanDeterministic(t *testing.T) {
	t.Parallel()
	a := buildPlan(Options{People: 300, Seed: 42, Domain: DefaultDomain})
	b := buildPlan(Options{People: 300, Seed: 42, Domain: DefaultDomain})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different organisations")
	}
	c := buildPlan(Options{People: 300, Seed: 43, Domain: DefaultDomain})
	if reflect.DeepEqual(a.people, c.people) {
		t.Fatal("different seeds gave the same people")
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Łukasz": "lukasz", "O'Brien": "obrien", "de Vries": "devries", "João": "joao",
		"Öztürk": "ozturk", "Min-jun": "minjun", "Traoré": "traore", "Dvořák": "dvorak",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	for _, r := range cultures {
		for _, name := range append(append([]string{}, r.given...), r.family...) {
			if len(fold(name)) < 2 {
				t.Errorf("name %q folds to %q", name, fold(name))
			}
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	pool := openPool(t, dsn) // nothing is written
	ctx := context.Background()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{People: 7, Password: testPassword}, "at least 8 people"},
		{Options{People: 60, Password: "short"}, "password"},
		{Options{People: 60, Password: testPassword, Domain: "not a domain"}, "not a valid email domain"},
		{Options{People: 60, Password: testPassword, Domain: "localhost"}, "not a valid email domain"},
	} {
		_, err := Seed(ctx, pool, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Seed(%+v) = %v, want error containing %q", tc.opts, err, tc.want)
		}
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	pool, res := sharedOrg(t)
	checkOrg(t, pool, res, 60, historyDomain)
}

// checkOrg verifies a seeded organisation of n people with emails at domain
// against the database: one tree of people, one shared password, teams,
// time zones and the sign-in accounts.
func checkOrg(t *testing.T, pool *pgxpool.Pool, res Result, n int, domain string) {
	t.Helper()
	ctx := context.Background()
	t.Logf("%d people, %d teams in %v", n, res.Teams, res.Elapsed)
	if res.People != n || res.OrgID == 0 || res.Teams < 4 {
		t.Fatalf("result %+v", res)
	}

	var orgName string
	var users, orgs, roots, reached, hashes, teams, emptyTeams, strayMembers, badZones int
	queries := []struct {
		sql  string
		dest any
	}{
		{`SELECT name FROM orgs WHERE id = $1`, &orgName},
		{`SELECT count(*) FROM users WHERE org_id = $1`, &users},
		{`SELECT count(DISTINCT org_id) FROM users WHERE split_part(email::text, '@', 2) = $2 AND $1::bigint > 0`, &orgs},
		{`SELECT count(*) FROM users WHERE org_id = $1 AND manager_id IS NULL`, &roots},
		{`WITH RECURSIVE tree AS (
			SELECT id, 1 AS depth FROM users WHERE org_id = $1 AND manager_id IS NULL
			UNION ALL
			SELECT u.id, t.depth + 1 FROM users u JOIN tree t ON u.manager_id = t.id
			WHERE u.org_id = $1 AND t.depth < 1000
		) SELECT count(DISTINCT id) FROM tree WHERE depth < 1000`, &reached},
		{`SELECT count(DISTINCT password_hash) FROM users WHERE org_id = $1`, &hashes},
		{`SELECT count(*) FROM teams WHERE org_id = $1`, &teams},
		{`SELECT count(*) FROM teams t WHERE org_id = $1
			AND NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id)`, &emptyTeams},
		{`SELECT count(*) FROM team_members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND u.org_id <> m.org_id`, &strayMembers},
		{`SELECT count(*) FROM users u WHERE org_id = $1
			AND NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = u.time_zone)`, &badZones},
	}
	for _, q := range queries {
		args := []any{res.OrgID}
		if strings.Contains(q.sql, "$2") {
			args = append(args, domain)
		}
		if err := pool.QueryRow(ctx, q.sql, args...).Scan(q.dest); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if orgName != DefaultOrgName {
		t.Errorf("org name %q", orgName)
	}
	if users != n || orgs != 1 {
		t.Errorf("%d users in %d orgs, want %d in 1", users, orgs, n)
	}
	if roots != 1 {
		t.Errorf("%d people without a manager, want 1", roots)
	}
	// A tree has no cycles: walking down from its single root reaches everyone.
	if reached != n {
		t.Errorf("the root reaches %d people, want %d", reached, n)
	}
	if hashes != 1 {
		t.Errorf("%d distinct password hashes, want 1 shared hash", hashes)
	}
	if teams != res.Teams || emptyTeams != 0 || strayMembers != 0 {
		t.Errorf("teams %d (result says %d), empty %d, members from other orgs %d", teams, res.Teams, emptyTeams, strayMembers)
	}
	if badZones != 0 {
		t.Errorf("%d people with an unknown time zone", badZones)
	}

	var crossFunctional int
	if err := pool.QueryRow(ctx, `
		SELECT count(*) FROM teams t WHERE t.org_id = $1 AND t.name IN ('Mentoring circle', 'Launch squad')
		AND (SELECT count(DISTINCT u.title) FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = t.id) >= 3`,
		res.OrgID).Scan(&crossFunctional); err != nil {
		t.Fatal(err)
	}
	if crossFunctional != 2 {
		t.Errorf("%d cross-functional teams with varied members, want 2", crossFunctional)
	}

	checkSignIns(t, pool, res)
}

// checkSignIns verifies the accounts offered to newcomers against the database.
func checkSignIns(t *testing.T, pool *pgxpool.Pool, res Result) {
	t.Helper()
	ctx := context.Background()
	wantRoles := []core.Role{core.RoleAdmin, core.RoleLeader, core.RoleManager, core.RoleEmployee}
	if len(res.SignIns) != len(wantRoles) {
		t.Fatalf("sign-ins %+v", res.SignIns)
	}
	type row struct {
		ID        int64
		ManagerID *int64
		Role      core.Role
		Name      string
		Title     string
		Hash      string
		Reports   int
	}
	rows := make([]row, len(res.SignIns))
	for i, s := range res.SignIns {
		if s.Role != wantRoles[i] {
			t.Errorf("sign-in %d has role %s, want %s", i, s.Role, wantRoles[i])
		}
		r := &rows[i]
		err := pool.QueryRow(ctx, `
			SELECT id, manager_id, role::text, name, title, password_hash,
			       (SELECT count(*) FROM users r WHERE r.manager_id = u.id)
			FROM users u WHERE org_id = $1 AND email = $2`, res.OrgID, s.Email).
			Scan(&r.ID, &r.ManagerID, &r.Role, &r.Name, &r.Title, &r.Hash, &r.Reports)
		if err != nil {
			t.Fatalf("sign-in %s: %v", s.Email, err)
		}
		if r.Role != s.Role || r.Name != s.Name || r.Title != s.Title {
			t.Errorf("sign-in %+v, stored as %+v", s, r)
		}
		if ok, err := auth.CheckPassword(testPassword, r.Hash); err != nil || !ok {
			t.Errorf("password for %s does not check: %v", s.Email, err)
		}
		if ok, _ := auth.CheckPassword("wrong-password", r.Hash); ok {
			t.Errorf("wrong password accepted for %s", s.Email)
		}
	}
	admin, leader, manager, employee := rows[0], rows[1], rows[2], rows[3]
	if admin.Title != "People Operations Lead" {
		t.Errorf("admin title %q", admin.Title)
	}
	if !strings.HasPrefix(leader.Title, "VP of ") {
		t.Errorf("leader title %q, want a VP", leader.Title)
	}
	if manager.Reports < 3 {
		t.Errorf("manager %s has %d reports, want at least 3", manager.Name, manager.Reports)
	}
	var underLeader bool
	if err := pool.QueryRow(ctx, `
		WITH RECURSIVE up AS (
			SELECT manager_id FROM users WHERE id = $1
			UNION
			SELECT u.manager_id FROM users u JOIN up ON u.id = up.manager_id
		) SELECT EXISTS (SELECT 1 FROM up WHERE manager_id = $2)`, manager.ID, leader.ID).Scan(&underLeader); err != nil {
		t.Fatal(err)
	}
	if !underLeader {
		t.Errorf("manager %s does not report to leader %s", manager.Name, leader.Name)
	}
	if employee.ManagerID == nil || *employee.ManagerID != manager.ID {
		t.Errorf("employee %s does not report to manager %s", employee.Name, manager.Name)
	}
}

// orgSnapshot lists an organisation's people and teams without ids or emails,
// which differ between databases and domains.
func orgSnapshot(t *testing.T, pool *pgxpool.Pool, orgID int64) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT concat_ws(' | ', u.name, u.title, u.role, u.time_zone, m.name, split_part(u.email::text, '@', 1))
		FROM users u LEFT JOIN users m ON m.id = u.manager_id
		WHERE u.org_id = $1 ORDER BY u.id`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	people, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(context.Background(), `
		SELECT t.name || ': ' || string_agg(u.name, ', ' ORDER BY u.id)
		FROM teams t JOIN team_members tm ON tm.team_id = t.id JOIN users u ON u.id = tm.user_id
		WHERE t.org_id = $1 GROUP BY t.id ORDER BY t.id`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	teams, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return append(people, teams...)
}

// The same seed and time give the same organisation, 1:1s and kudos: in a
// fresh database, and again beside that one under another domain, with other
// ids.
func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, a := sharedOrg(t)
	other := ownDatabase(t)

	opts := historyOptions(historyDomain)
	b, err := Seed(ctx, other, opts) // a fresh database
	if err != nil {
		t.Fatal(err)
	}
	opts.Domain = "again.example"
	c, err := Seed(ctx, other, opts) // same database as b, other domain
	if err != nil {
		t.Fatal(err)
	}
	snapA := orgSnapshot(t, pool, a.OrgID)
	if len(snapA) != 60+a.Teams {
		t.Fatalf("snapshot has %d lines", len(snapA))
	}
	if snapB := orgSnapshot(t, other, b.OrgID); !reflect.DeepEqual(snapA, snapB) {
		t.Error("same seed in a fresh database gave a different organisation")
	}
	if snapC := orgSnapshot(t, other, c.OrgID); !reflect.DeepEqual(snapA, snapC) {
		t.Error("same seed with another domain gave a different organisation")
	}
	if !reflect.DeepEqual(a.SignIns, b.SignIns) {
		t.Errorf("sign-ins differ: %+v vs %+v", a.SignIns, b.SignIns)
	}
	strip := func(r Result) Result { r.OrgID, r.Elapsed, r.SignIns = 0, 0, nil; return r }
	for _, r := range []Result{b, c} {
		if !reflect.DeepEqual(strip(a), strip(r)) {
			t.Errorf("same seed, different counts: %+v vs %+v", strip(a), strip(r))
		}
	}
	digest := kudosDigest(t, pool, a.OrgID)
	if d := kudosDigest(t, other, b.OrgID); d != digest {
		t.Error("same seed in a fresh database gave different kudos")
	}
	if d := kudosDigest(t, other, c.OrgID); d != digest {
		t.Error("same seed with another domain gave different kudos")
	}
}

func TestSeedDomainInUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := ownDatabase(t) // counts every row
	domain := "taken.example"
	if _, err := Seed(ctx, pool, Options{People: 30, Seed: 1, Months: 1, Password: testPassword, Domain: domain}); err != nil {
		t.Fatal(err)
	}
	counts := func() string {
		var s string
		err := pool.QueryRow(ctx, `SELECT concat_ws(',',
			(SELECT count(*) FROM orgs), (SELECT count(*) FROM users),
			(SELECT count(*) FROM teams), (SELECT count(*) FROM team_members))`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := counts()
	for _, d := range []string{domain, strings.ToUpper(domain)} {
		_, err := Seed(ctx, pool, Options{People: 30, Seed: 2, Password: testPassword, Domain: d})
		if !errors.Is(err, ErrDomainInUse) || !strings.Contains(err.Error(), domain) {
			t.Errorf("second Seed with %s: %v, want ErrDomainInUse naming the domain", d, err)
		}
	}
	if after := counts(); after != before {
		t.Errorf("a failed Seed changed the database: orgs,users,teams,members %s -> %s", before, after)
	}
}

// Two Seeds racing for one domain: one writes its organisation, the other
// fails with ErrDomainInUse and writes nothing. Their people differ, so
// without taking turns they could deadlock on the unique email index.
func TestSeedConcurrentSameDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := ownDatabase(t)
	domain := "race.example"
	errs := make(chan error, 2)
	for seed := range int64(2) {
		go func() {
			_, err := Seed(ctx, pool, Options{People: 500, Seed: seed, Months: 1, Password: testPassword, Domain: domain})
			errs <- err
		}()
	}
	var failures []error
	for range 2 {
		if err := <-errs; err != nil {
			failures = append(failures, err)
		}
	}
	if len(failures) != 1 || !errors.Is(failures[0], ErrDomainInUse) {
		t.Fatalf("want exactly one ErrDomainInUse, got %v", failures)
	}
	var orgs, users int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT org_id), count(*) FROM users WHERE split_part(email::text, '@', 2) = $1`,
		domain).Scan(&orgs, &users); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 || users != 500 {
		t.Errorf("domain has %d people in %d orgs, want 500 in 1", users, orgs)
	}
}

func TestSeedSmallest(t *testing.T) {
	t.Parallel()
	pool := ownDatabase(t)
	res, err := Seed(context.Background(), pool, Options{People: MinPeople, Password: testPassword, Domain: "tiny.example"})
	if err != nil {
		t.Fatal(err)
	}
	checkSignIns(t, pool, res)
}

func BenchmarkSeed10000(b *testing.B) {
	ctx := context.Background()
	pool := openPool(b, dsn)
	for b.Loop() {
		if _, err := Seed(ctx, pool, Options{People: 10000, Seed: 1, Password: testPassword, Domain: uniqueDomain("bench")}); err != nil {
			b.Fatal(err)
		}
	}
}

// The seed's bulk load (COPY) goes through the statement-level triggers of
// the kept check-in figures: the meeting running totals it leaves equal a
// rebuild from the meetings.
func TestSeedKeepsMeetingTotalsAsARebuildWould(t *testing.T) {
	t.Parallel()
	pool, res := sharedOrg(t)
	var rows, missing, stale int
	err := pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM meeting_totals WHERE org_id = $1),
		(SELECT count(*) FROM (SELECT * FROM meeting_totals_from_meetings() EXCEPT ALL SELECT * FROM meeting_totals) x),
		(SELECT count(*) FROM (SELECT * FROM meeting_totals EXCEPT ALL SELECT * FROM meeting_totals_from_meetings()) x)`,
		res.OrgID).Scan(&rows, &missing, &stale)
	if err != nil || rows == 0 || missing != 0 || stale != 0 {
		t.Fatalf("%d rows kept, %d missing, %d stale (%v)", rows, missing, stale, err)
	}
}

// Some employees left in the last weeks, with a reason, and more of them
// under managers whose 1:1s drift: those whose last 1:1 was over five weeks
// before they left (or before now) left more often than the others.
func TestSeedLeaversDriftMore(t *testing.T) {
	t.Parallel()
	pool, res := sharedOrg(t)
	ctx := context.Background()
	var left, reasoned, inWindow int
	var driftRate, otherRate float64
	err := pool.QueryRow(ctx, `
		WITH p AS (
			SELECT u.id, NOT u.active AS gone, u.left_reason, u.deactivated_at,
				coalesce(u.deactivated_at, $2::timestamptz) - (SELECT max(m.scheduled_at) FROM meetings m
					JOIN oneonone_series s ON s.id = m.series_id
					WHERE s.report_id = u.id AND m.status = 'held' AND m.scheduled_at < coalesce(u.deactivated_at, $2::timestamptz))
					> interval '35 days' AS drifted
			FROM users u WHERE u.org_id = $1 AND u.role = 'employee' AND u.manager_id IS NOT NULL)
		SELECT count(*) FILTER (WHERE gone)::int, count(*) FILTER (WHERE gone AND left_reason <> '')::int,
			count(*) FILTER (WHERE gone AND deactivated_at BETWEEN $2::timestamptz - interval '31 days' AND $2::timestamptz)::int,
			coalesce(avg(gone::int) FILTER (WHERE drifted), 0)::float8, coalesce(avg(gone::int) FILTER (WHERE NOT drifted), 0)::float8
		FROM p`, res.OrgID, fixedNow).Scan(&left, &reasoned, &inWindow, &driftRate, &otherRate)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d left (%d with a reason); left under drift %.0f %%, otherwise %.0f %%", left, reasoned, 100*driftRate, 100*otherRate)
	if left == 0 || left != res.Leavers || inWindow != left || reasoned == 0 {
		t.Errorf("%d left, result says %d, %d in the last month, %d with a reason", left, res.Leavers, inWindow, reasoned)
	}
	if driftRate <= otherRate {
		t.Errorf("left under drift %.2f, otherwise %.2f: drifting managers should lose more", driftRate, otherRate)
	}
}
