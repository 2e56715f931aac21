// Package testfx makes test data: organisations, people and teams, written
// straight to the real database with sensible defaults.
package testfx

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// Password is every factory person's password.
const Password = "correct horse battery"

// FastHash are cheap argon2id parameters for tests; production uses auth.DefaultParams.
var FastHash = auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

var passwordHash = func() string {
	h, err := auth.HashPassword(Password, FastHash)
	if err != nil {
		panic(err)
	}
	return h
}()

var seq atomic.Int64

// Next returns a number unique within the test binary.
func Next() int64 { return seq.Add(1) }

// Factory writes fixtures to one database.
type Factory struct {
	Pool *pgxpool.Pool
}

// Org creates an organisation.
func (f Factory) Org(t testing.TB, name string) int64 {
	t.Helper()
	var id int64
	if err := f.Pool.QueryRow(context.Background(), "INSERT INTO orgs (name) VALUES ($1) RETURNING id", name).Scan(&id); err != nil {
		t.Fatalf("create org: %v", err)
	}
	return id
}

// PersonOpts describe a person; zero values get defaults.
type PersonOpts struct {
	Name      string
	Email     string
	Title     string
	Role      core.Role
	ManagerID int64
	NoPass    bool // the person has not set a password yet
	Inactive  bool
}

// Person is a created person.
type Person struct {
	ID    int64
	OrgID int64
	Name  string
	Email string
	Role  core.Role
}

// Person creates a person in org.
func (f Factory) Person(t testing.TB, orgID int64, o PersonOpts) Person {
	t.Helper()
	n := Next()
	if o.Name == "" {
		o.Name = fmt.Sprintf("Person %d", n)
	}
	if o.Email == "" {
		o.Email = fmt.Sprintf("person%d.%d@example.com", n, orgID)
	}
	if o.Role == "" {
		o.Role = core.RoleEmployee
	}
	hash := passwordHash
	if o.NoPass {
		hash = ""
	}
	var mgr *int64
	if o.ManagerID != 0 {
		mgr = &o.ManagerID
	}
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO users (org_id, email, name, title, role, manager_id, password_hash, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		orgID, o.Email, o.Name, o.Title, string(o.Role), mgr, hash, !o.Inactive).Scan(&id)
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	return Person{ID: id, OrgID: orgID, Name: o.Name, Email: o.Email, Role: o.Role}
}

// Team creates a team with members.
func (f Factory) Team(t testing.TB, orgID int64, name string, members ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := f.Pool.QueryRow(ctx, "INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id", orgID, name).Scan(&id); err != nil {
		t.Fatalf("create team: %v", err)
	}
	for _, m := range members {
		if _, err := f.Pool.Exec(ctx, "INSERT INTO team_members (org_id, team_id, user_id) VALUES ($1, $2, $3)", orgID, id, m); err != nil {
			t.Fatalf("add member: %v", err)
		}
	}
	return id
}

// Count returns the result of a counting query.
func (f Factory) Count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("count %q: %v", sql, err)
	}
	return n
}

// Series creates a weekly 1:1 series (Tuesdays 10:00 UTC) starting on startsOn.
func (f Factory) Series(t testing.TB, orgID, managerID, reportID int64, startsOn string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO oneonone_series (org_id, manager_id, report_id, cadence, interval_days, weekday, start_time,
			duration_minutes, time_zone, starts_on)
		VALUES ($1, $2, $3, 'weekly', 7, 2, '10:00', 30, 'UTC', $4) RETURNING id`,
		orgID, managerID, reportID, startsOn).Scan(&id)
	if err != nil {
		t.Fatalf("create series: %v", err)
	}
	return id
}

// Meeting creates a meeting of a series at a time (RFC 3339) with a status.
func (f Factory) Meeting(t testing.TB, orgID, seriesID int64, at, status string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO meetings (org_id, series_id, scheduled_at, duration_minutes, status)
		VALUES ($1, $2, $3, 30, $4) RETURNING id`, orgID, seriesID, at, status).Scan(&id)
	if err != nil {
		t.Fatalf("create meeting: %v", err)
	}
	return id
}

// AgendaItem adds a talking point.
func (f Factory) AgendaItem(t testing.TB, orgID, meetingID, authorID int64, body string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO agenda_items (org_id, meeting_id, author_id, body, position)
		VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM agenda_items WHERE meeting_id = $2)) RETURNING id`,
		orgID, meetingID, authorID, body).Scan(&id)
	if err != nil {
		t.Fatalf("add agenda item: %v", err)
	}
	return id
}

// Action adds an action item to a meeting.
func (f Factory) Action(t testing.TB, orgID, meetingID, ownerID int64, body, due string, doneAt any) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO action_items (org_id, meeting_id, series_id, owner_id, created_by, body, due_on, done_at)
		SELECT $1, $2, m.series_id, $3, $3, $4, $5, $6 FROM meetings m WHERE m.id = $2 RETURNING id`,
		orgID, meetingID, ownerID, body, due, doneAt).Scan(&id)
	if err != nil {
		t.Fatalf("add action: %v", err)
	}
	return id
}

// Kudo posts a kudo; visibility "org", "team" (with teamID) or "recipients".
func (f Factory) Kudo(t testing.TB, orgID, authorID int64, recipients []int64, visibility string, teamID *int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := f.Pool.QueryRow(ctx, `
		INSERT INTO kudos (org_id, author_id, did, impact, visibility, team_id, idem_key)
		VALUES ($1, $2, 'Paired on the flaky deploy pipeline', 'We shipped on Friday instead of next week', $3, $4, $5) RETURNING id`,
		orgID, authorID, visibility, teamID, fmt.Sprint(Next())).Scan(&id)
	if err != nil {
		t.Fatalf("create kudo: %v", err)
	}
	for _, r := range recipients {
		if _, err := f.Pool.Exec(ctx, `INSERT INTO kudo_recipients (org_id, kudo_id, user_id) VALUES ($1, $2, $3)`, orgID, id, r); err != nil {
			t.Fatalf("add recipient: %v", err)
		}
	}
	return id
}

// Ritual sets up a weekly Friday ritual for a team, started a few weeks ago.
func (f Factory) Ritual(t testing.TB, orgID, teamID int64, name string) int64 {
	t.Helper()
	var id int64
	err := f.Pool.QueryRow(context.Background(), `
		INSERT INTO rituals (org_id, team_id, name, cadence, weekday, hour, time_zone, starts_on)
		VALUES ($1, $2, $3, 'weekly', 5, 16, 'UTC', current_date - 28) RETURNING id`, orgID, teamID, name).Scan(&id)
	if err != nil {
		t.Fatalf("create ritual: %v", err)
	}
	return id
}
