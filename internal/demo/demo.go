// Package demo seeds a realistic demonstration organisation: a CEO, department
// leaders, managers (and managers of managers in large organisations),
// individual contributors, their teams and a few cross-functional teams,
// months of 1:1 history between every manager and each of their reports, and
// the same months of recognition: kudos with their competencies, reactions
// and comments, and a few teams' recognition rituals.
//
// The same seed always gives the same people, reporting lines and teams, and,
// for the same Now, the same 1:1s and kudos. Everything is written in one
// transaction, so a failure leaves nothing behind. Sixty people with a year
// of history take about half a second; ten thousand with two years (about
// 1.6 million meetings and a million kudos) take under two minutes on two
// cores, most of it PostgreSQL checking foreign keys row by row.
package demo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// Defaults for Options.
const (
	DefaultOrgName = "Northwind Labs"
	DefaultDomain  = "northwind.example"
	// MinPeople is the smallest organisation that has every role: a CEO, an
	// admin, a leader, and a manager with reports.
	MinPeople = 8
	// MaxPeople bounds a demo organisation.
	MaxPeople = 1_000_000
)

// Options configure Seed.
type Options struct {
	People   int    // total people, at least MinPeople
	Seed     int64  // same seed, same names, reporting lines and teams
	Password string // every demo person's password
	OrgName  string // default DefaultOrgName
	Domain   string // email domain, default DefaultDomain
	// Months of 1:1 and recognition history up to Now: DefaultMonths when
	// 0, at most MaxMonths.
	Months int
	// Now is when the history ends and the next 1:1s are scheduled from;
	// time.Now() when zero. Tests pass a fixed time.
	Now time.Time
}

// SignIn is a demo account a newcomer can sign in as.
type SignIn struct {
	Role  core.Role
	Name  string
	Email string
	Title string
}

// Result describes the seeded organisation.
type Result struct {
	OrgID   int64
	People  int
	Teams   int
	SignIns []SignIn // admin, leader, a manager under that leader, an employee of that manager
	// The 1:1 history.
	Series       int // one per manager and report
	Pauses       int
	Meetings     int // past meetings and each active series' next one
	AgendaItems  int
	Actions      int
	PrivateNotes int
	Observations int
	// The recognition history.
	Kudos     int
	Reactions int
	Comments  int
	Rituals   int
	Retros    int // fortnightly retros of a few teams, with cards, votes and actions
	// Monthly team health checks of a few teams, with anonymous answers.
	HealthChecks int
	// Review cycles: the last half-year finalised, the current one in progress.
	ReviewCycles int
	Reviews      int
	// People who left recently (deactivated, with a reason), more often
	// under managers whose 1:1s drift.
	Leavers int
	Elapsed time.Duration
}

// ErrDomainInUse is returned when people with the domain's emails already exist.
var ErrDomainInUse = errors.New("an organisation already uses this email domain")

// domainLockClass is the first key of the transaction lock Seed takes on its
// email domain.
const domainLockClass = 0x64656d6f // "demo"

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

func (o *Options) normalise() error {
	if o.People < MinPeople {
		return fmt.Errorf("demo: need at least %d people to have every role, got %d", MinPeople, o.People)
	}
	if o.People > MaxPeople {
		return fmt.Errorf("demo: at most %d people, got %d", MaxPeople, o.People)
	}
	if len(o.Password) < auth.MinPasswordLength {
		return fmt.Errorf("demo: the password must be at least %d characters", auth.MinPasswordLength)
	}
	o.OrgName = strings.TrimSpace(o.OrgName)
	if o.OrgName == "" {
		o.OrgName = DefaultOrgName
	}
	if len(o.OrgName) > 200 {
		return errors.New("demo: the organisation name must be at most 200 characters")
	}
	o.Domain = strings.ToLower(strings.TrimSpace(o.Domain))
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	if len(o.Domain) > 200 || !domainRE.MatchString(o.Domain) {
		return fmt.Errorf("demo: %q is not a valid email domain", o.Domain)
	}
	if o.Months == 0 {
		o.Months = DefaultMonths
	}
	if o.Months < 1 || o.Months > MaxMonths {
		return fmt.Errorf("demo: 1:1 history must cover 1 to %d months, got %d", MaxMonths, o.Months)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return nil
}

// Seed creates one organisation. It fails with a clear error, and writes
// nothing, if an organisation already uses the domain's emails.
func Seed(ctx context.Context, pool *pgxpool.Pool, opts Options) (Result, error) {
	start := time.Now()
	if err := opts.normalise(); err != nil {
		return Result{}, err
	}
	// Hash once: argon2id is deliberately slow, and every demo person shares
	// the password.
	hash, err := auth.HashPassword(opts.Password, auth.DefaultParams)
	if err != nil {
		return Result{}, fmt.Errorf("demo: hash password: %w", err)
	}
	pl := buildPlan(opts)
	// Plan the kudos while the people and the 1:1s are written.
	kudosPlanned := make(chan *kudoPlan, 1)
	go func() { kudosPlanned <- buildKudos(opts, pl) }()

	tx, err := pool.Begin(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("demo: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	var rc reviewCounts
	orgID, counts, kc, err := write(ctx, tx, opts, pl, hash, kudosPlanned, &rc)
	if err != nil {
		return Result{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return Result{}, fmt.Errorf("demo: commit: %w", err)
	}
	// A bulk load leaves the planner's statistics and the visibility map
	// behind until autovacuum catches up; bring them up to date now so the
	// first dashboards use the right plans and index-only scans. The people
	// and 1:1 tables and the recognition tables are vacuumed at once, on two
	// connections.
	var vacuum errgroup.Group
	for _, tables := range []string{
		`users, reporting_lines, teams, team_members, oneonone_series, oneonone_pauses,
		meetings, agenda_items, action_items, private_notes, observations, action_tallies, meeting_totals`,
		`kudos, kudo_recipients, kudo_competencies, kudo_reactions, kudo_comments, rituals,
		retros, retro_columns, retro_cards, retro_votes, retro_notes, retro_actions,
		review_cycles, review_participants, review_ratings`,
	} {
		vacuum.Go(func() error {
			_, err := pool.Exec(ctx, `VACUUM (ANALYZE) `+tables)
			return err
		})
	}
	if err := vacuum.Wait(); err != nil {
		return Result{}, fmt.Errorf("demo: vacuum: %w", err)
	}

	res := Result{OrgID: orgID, People: len(pl.people), Teams: len(pl.teams),
		Series: counts.Series, Pauses: counts.Pauses, Meetings: counts.Meetings, AgendaItems: counts.AgendaItems,
		Actions: counts.Actions, PrivateNotes: counts.PrivateNotes, Observations: counts.Observations,
		Kudos: kc.Kudos, Reactions: kc.Reactions, Comments: kc.Comments, Rituals: kc.Rituals, Retros: counts.Retros, HealthChecks: counts.HealthChecks,
		ReviewCycles: rc.Cycles, Reviews: rc.Reviews, Leavers: counts.Leavers}
	for _, i := range pl.signIns {
		p := pl.people[i]
		res.SignIns = append(res.SignIns, SignIn{Role: p.role, Name: p.name, Email: p.email, Title: p.title})
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// write inserts the planned organisation, its 1:1 history and its
// recognition history, planned meanwhile and received from kudos. Ids are
// reserved up front from the identity sequences so that users, including
// their manager_id, and teams can each be sent in a single COPY, which always
// writes the given identity values.
func write(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, hash string,
	kudos <-chan *kudoPlan, rc *reviewCounts) (int64, historyCounts, kudoCounts, error) {
	orgID, userIDs, teamIDs, err := writePeople(ctx, tx, opts, pl, hash)
	if err != nil {
		return 0, historyCounts{}, kudoCounts{}, err
	}
	counts, err := writeHistory(ctx, tx, opts, pl, orgID, userIDs)
	if err != nil {
		return 0, historyCounts{}, kudoCounts{}, err
	}
	var kp *kudoPlan
	select {
	case kp = <-kudos:
	case <-ctx.Done():
		return 0, historyCounts{}, kudoCounts{}, ctx.Err()
	}
	kc, err := writeKudos(ctx, tx, opts, pl, kp, orgID, userIDs, teamIDs)
	if err != nil {
		return 0, historyCounts{}, kudoCounts{}, err
	}
	counts.Retros, err = writeRetros(ctx, tx, opts, pl, orgID, userIDs, teamIDs)
	if err != nil {
		return orgID, counts, kc, err
	}
	counts.HealthChecks, err = writeHealth(ctx, tx, opts, pl, orgID, userIDs, teamIDs)
	if err != nil {
		return orgID, counts, kc, err
	}
	if err := writePulse(ctx, tx, opts, pl, orgID, userIDs); err != nil {
		return orgID, counts, kc, err
	}
	if *rc, err = writeReviews(ctx, tx, opts, orgID, userIDs[pl.signIns[3]]); err != nil {
		return orgID, counts, kc, err
	}
	counts.Leavers, err = writeLeavers(ctx, tx, opts, pl, userIDs, counts.Drifting)
	return orgID, counts, kc, err
}

// writePeople inserts the organisation, its people and teams.
func writePeople(ctx context.Context, tx pgx.Tx, opts Options, pl *plan, hash string) (int64, []int64, []int64, error) {
	// Seeds of one domain take turns, so that a second one sees the first's
	// people once they are committed. Without the lock both would write, and
	// two organisations whose emails collide in a different order deadlock
	// on the unique email index instead of one failing with ErrDomainInUse.
	// The check is a statement of its own: its snapshot must be taken after
	// the lock is granted.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`,
		int32(domainLockClass), opts.Domain); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: lock domain: %w", err)
	}
	var inUse bool
	err := tx.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM users WHERE lower(split_part(email::text, '@', 2)) = $1)`,
		opts.Domain).Scan(&inUse)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: check domain: %w", err)
	}
	if inUse {
		return 0, nil, nil, fmt.Errorf("demo: %w: %s", ErrDomainInUse, opts.Domain)
	}

	var orgID int64
	var userIDs, teamIDs []int64
	err = tx.QueryRow(ctx, `
		WITH org AS (INSERT INTO orgs (name) VALUES ($1) RETURNING id)
		SELECT (SELECT id FROM org),
		       ARRAY(SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $2::int) ORDER BY 1),
		       ARRAY(SELECT nextval(pg_get_serial_sequence('teams', 'id')) FROM generate_series(1, $3::int) ORDER BY 1)`,
		opts.OrgName, len(pl.people), len(pl.teams)).Scan(&orgID, &userIDs, &teamIDs)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: create organisation: %w", err)
	}

	users := make([][]any, len(pl.people))
	for i, p := range pl.people {
		var manager any
		if p.manager >= 0 {
			manager = userIDs[p.manager]
		}
		users[i] = []any{userIDs[i], orgID, p.email, p.name, p.title, string(p.role), manager, p.zone, hash}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "org_id", "email", "name", "title", "role", "manager_id", "time_zone", "password_hash"},
		pgx.CopyFromRows(users)); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: insert people: %w", err)
	}

	teams := make([][]any, len(pl.teams))
	var members [][]any
	for i, t := range pl.teams {
		teams[i] = []any{teamIDs[i], orgID, t.name, t.description}
		for _, m := range t.members {
			members = append(members, []any{orgID, teamIDs[i], userIDs[m]})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"teams"},
		[]string{"id", "org_id", "name", "description"}, pgx.CopyFromRows(teams)); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: insert teams: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"team_members"},
		[]string{"org_id", "team_id", "user_id"}, pgx.CopyFromRows(members)); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: insert team members: %w", err)
	}
	return orgID, userIDs, teamIDs, nil
}
