package server_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// The subjects every route is checked for.
const (
	anon         = "anonymous"
	employee     = "employee"
	managerOwn   = "manager (own report)"
	managerOther = "manager (not own report)"
	leader       = "leader"
	admin        = "admin"
	otherAdmin   = "admin of another org"
	leaderOut    = "leader outside the branch"
	teamMember   = "team member"
	nonMember    = "not in the team"
	deactivated  = "deactivated person's old session"
)

var subjects = []string{anon, employee, managerOwn, managerOther, leader, admin, otherAdmin,
	leaderOut, teamMember, nonMember, deactivated}

// world is the organisation the matrix runs against:
//
//	org A: admin; leader ← manager ← {report, report2}; outsider (no manager);
//	       a second leader with no one below; a teammate in the team Atlas
//	       (with the manager and the report) and a colleague in no team, both
//	       without a manager; a person signed in, then deactivated
//	org B: its own admin
type world struct {
	t                                        *testing.T
	app                                      *testapp.TestApp
	orgA, orgB                               int64
	admin, leader, manager, report, outsider testfx.Person
	leader2, teammate, loner, gone           testfx.Person
	adminB                                   testfx.Person
	team                                     int64
	series, meeting, otherMeeting            int64
	clients                                  map[string]*testapp.Client
	goneCookie                               *http.Cookie // the deactivated person's session
	goneData                                 []byte
	goneExpiry                               time.Time
	// tokens are each subject's read-write personal access token (the
	// deactivated person's made before they left); api is a client without
	// cookies that sends them, its answers checked against the API's
	// document.
	tokens map[string]string
	api    *testapp.Client
}

// signIns is who each signed-in subject is.
func (w *world) signIns() map[string]testfx.Person {
	return map[string]testfx.Person{
		employee: w.report, managerOwn: w.manager, managerOther: w.manager, leader: w.leader, admin: w.admin, otherAdmin: w.adminB,
		leaderOut: w.leader2, teamMember: w.teammate, nonMember: w.loner,
	}
}

func newWorld(t *testing.T) *world { return newWorldOn(t, dsn) }

// newWorldOn builds the world on the database at dbURL.
func newWorldOn(t *testing.T, dbURL string) *world {
	ta := testapp.Start(t, dbURL, testapp.Options{})
	f := ta.F
	w := &world{t: t, app: ta}
	w.orgA = f.Org(t, "Org A")
	w.orgB = f.Org(t, "Org B")
	w.admin = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.leader = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	w.manager = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: w.leader.ID})
	w.report = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Remy Report", ManagerID: w.manager.ID})
	f.Person(t, w.orgA, testfx.PersonOpts{Name: "Rita Report", ManagerID: w.manager.ID})
	w.outsider = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Otto Outsider"})
	w.adminB = f.Person(t, w.orgB, testfx.PersonOpts{Name: "Bea B-Admin", Role: core.RoleAdmin})
	w.leader2 = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Lou Leader", Role: core.RoleLeader})
	w.teammate = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Tess Teammate"})
	w.loner = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Nina Nonmember"})
	w.gone = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Dee Deactivated", ManagerID: w.manager.ID})
	w.team = f.Team(t, w.orgA, "Atlas", w.manager.ID, w.report.ID, w.teammate.ID)
	today := time.Now().UTC().Format("2006-01-02")
	w.series = f.Series(t, w.orgA, w.manager.ID, w.report.ID, today)
	w.meeting = f.Meeting(t, w.orgA, w.series, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "scheduled")
	other := f.Series(t, w.orgA, w.admin.ID, w.outsider.ID, today)
	w.otherMeeting = f.Meeting(t, w.orgA, other, time.Now().UTC().Format(time.RFC3339), "scheduled")

	w.clients = map[string]*testapp.Client{anon: ta.Client(t)}
	w.tokens = map[string]string{}
	w.api = checkedByContract(t, ta, ta.Client(t))
	made := map[int64]string{} // one token a person (two subjects are the manager)
	for who, p := range w.signIns() {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		w.clients[who] = c
		if made[p.ID] == "" {
			made[p.ID] = createToken(t, c, "Matrix", "read_write")
		}
		w.tokens[who] = made[p.ID]
	}
	// A session that outlives its person: signed in, then deactivated by
	// an admin through the app.
	gone := ta.Client(t)
	gone.SignIn(w.gone.Email, testfx.Password)
	w.tokens[deactivated] = createToken(t, gone, "Matrix", "read_write")
	if w.goneCookie = gone.SessionCookie(); w.goneCookie == nil {
		t.Fatal("no session cookie for the deactivated person")
	}
	if err := ta.Pool.QueryRow(t.Context(), "SELECT data, expiry FROM sessions WHERE token = $1", w.goneCookie.Value).
		Scan(&w.goneData, &w.goneExpiry); err != nil {
		t.Fatalf("the deactivated person's session: %v", err)
	}
	if r := w.clients[admin].Post(fmt.Sprintf("/people/%d/deactivate", w.gone.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate %s: %d", w.gone.Name, r.Status)
	}
	w.clients[deactivated] = gone
	return w
}

// reviveGoneSession puts the deactivated person's session row and cookie
// back, as if they had outlived the deactivation, so each request meets a
// live session of an inactive person.
func (w *world) reviveGoneSession() {
	u, _ := url.Parse(w.app.URL)
	w.clients[deactivated].HTTP.Jar.SetCookies(u, []*http.Cookie{w.goneCookie})
	ctx, token := w.t.Context(), w.goneCookie.Value
	if _, err := w.app.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO NOTHING`,
		token, w.goneData, w.goneExpiry); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.app.Pool.Exec(ctx, `INSERT INTO session_users (token, user_id) VALUES ($1, $2) ON CONFLICT (token) DO NOTHING`,
		token, w.gone.ID); err != nil {
		w.t.Fatal(err)
	}
}

// freshReport makes a new person under the manager, for routes that change
// their target.
func (w *world) freshReport() testfx.Person {
	return w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{ManagerID: w.manager.ID})
}

// personFor picks the person a subject's request is about: their own report
// for "own" subjects, someone outside their tree otherwise.
func (w *world) personFor(who string, fresh bool) int64 {
	if fresh {
		if who == managerOther || who == employee {
			return w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{}).ID
		}
		return w.freshReport().ID
	}
	switch who {
	case employee, managerOther:
		return w.outsider.ID
	}
	return w.report.ID
}

// participant reports whether the subject takes part in the world's 1:1
// (the manager with their own report, and the report).
func participant(who string) bool { return who == employee || who == managerOwn }

// meetingFor picks the 1:1 a subject acts on: the manager's own 1:1 for
// "own" subjects, another pair's 1:1 for "not own".
func (w *world) meetingFor(who string) int64 {
	if who == managerOther {
		return w.otherMeeting
	}
	return w.meeting
}

func meetingPath(suffix string) func(*world, string) string {
	return func(w *world, who string) string { return fmt.Sprintf("/meetings/%d%s", w.meetingFor(who), suffix) }
}

// itemPath makes a fresh talking point, authored by the subject when they
// take part (so they may delete it), on the subject's meeting.
func itemPath(action string) func(*world, string) string {
	return func(w *world, who string) string {
		author := w.report.ID
		if who == managerOwn {
			author = w.manager.ID
		}
		m := w.meetingFor(who)
		if m == w.otherMeeting {
			author = w.outsider.ID
		}
		id := w.app.F.AgendaItem(w.t, w.orgA, m, author, fmt.Sprintf("Point %d", testfx.Next()))
		return fmt.Sprintf("/meetings/%d/agenda/%d/%s", m, id, action)
	}
}

// freshSeriesPath makes a new series for each check: the report's own for
// the employee (who may not pause it), the manager's otherwise.
func freshSeriesPath(action string) func(*world, string) string {
	return func(w *world, who string) string {
		var id int64
		today := time.Now().UTC().Format("2006-01-02")
		switch who {
		case employee:
			boss := w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{Role: core.RoleManager})
			id = w.app.F.Series(w.t, w.orgA, boss.ID, w.report.ID, today)
		case managerOther:
			id = w.app.F.Series(w.t, w.orgA, w.admin.ID, w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{}).ID, today)
		default:
			id = w.app.F.Series(w.t, w.orgA, w.manager.ID, w.freshReport().ID, today)
		}
		return fmt.Sprintf("/oneonones/%d/%s", id, action)
	}
}

// kudoPath makes a fresh organisation-wide kudo authored by the subject
// (so they may edit or delete it) to someone else.
func kudoPath(suffix string) func(*world, string) string {
	return func(w *world, who string) string {
		author := map[string]testfx.Person{employee: w.report, managerOwn: w.manager, managerOther: w.manager,
			leader: w.leader, admin: w.admin}[who]
		if author.ID == 0 {
			author = w.report
		}
		to := w.outsider.ID
		id := w.app.F.Kudo(w.t, w.orgA, author.ID, []int64{to}, "org", nil)
		return fmt.Sprintf("/kudos/%d%s", id, suffix)
	}
}

// ritualPath makes a fresh ritual for the world's team (Atlas: the manager
// and the report).
func ritualPath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		id := w.app.F.Ritual(w.t, w.orgA, w.team, fmt.Sprintf("Shout-outs %d", testfx.Next()))
		return fmt.Sprintf("/rituals/%d%s", id, suffix)
	}
}

func (w *world) freshTeam() int64 {
	return w.app.F.Team(w.t, w.orgA, fmt.Sprintf("Team %d", testfx.Next()))
}

func (w *world) freshInvitation() int64 {
	p := w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{NoPass: true})
	var id int64
	err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO invitations (org_id, user_id, token_hash, expires_at)
		VALUES ($1, $2, $3, now() + interval '1 day') RETURNING id`, w.orgA, p.ID, []byte(fmt.Sprint(testfx.Next()))).Scan(&id)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// streamStatus opens an event stream and hangs up once the status is in; an
// error answer is read whole.
func (w *world) streamStatus(c *testapp.Client, path string) testapp.Response {
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", w.app.URL+path, nil)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		w.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	out := testapp.Response{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		out.Body = string(b)
	}
	return out
}

// retroPath makes a fresh retro of the world's team (Atlas: the manager, who
// facilitates, and the report) in a phase.
func retroPath(phase, suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		id, _ := w.app.F.Retro(w.t, w.orgA, w.team, testfx.RetroOpts{Phase: phase})
		return fmt.Sprintf("/retros/%d%s", id, suffix)
	}
}

// retroCardPath makes a fresh card by the report in a fresh retro in Reflect.
func retroCardPath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		id, cols := w.app.F.Retro(w.t, w.orgA, w.team, testfx.RetroOpts{})
		card := w.app.F.RetroCard(w.t, w.orgA, id, cols[0], w.report.ID, "Pair more on reviews")
		return fmt.Sprintf("/retros/%d/cards/%d%s", id, card, suffix)
	}
}

// Retro rows: team members see and take part (the report writes, the manager
// also facilitates); the leader above the manager reads; the admin, who is
// neither in the team nor above it, and other organisations get 404.
var (
	retroRead        = statuses(303, 200, 200, 200, 200, 404, 404).also(404, 200, 404)
	retroTakePart    = statuses(401, 422, 422, 422, 403, 404, 404).also(404, 422, 404)
	retroFacilitate  = statuses(401, 403, 422, 422, 403, 404, 404).also(404, 403, 404)
	retroFacilitateG = statuses(303, 403, 200, 200, 403, 404, 404).also(404, 403, 404)
)

// healthCheckPath makes a fresh open health check of the world's team
// (Atlas: the manager, who runs its checks, the report and the teammate).
func healthCheckPath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		id := w.app.F.HealthCheck(w.t, w.orgA, w.team, testfx.HealthOpts{})
		return fmt.Sprintf("/health/%d%s", id, suffix)
	}
}

// healthDimensionPath is org A's first dimension, "Trust and safety".
func healthDimensionPath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		var id int64
		w.app.Pool.QueryRow(w.t.Context(), "SELECT id FROM health_dimensions WHERE org_id = $1 AND name = 'Trust and safety'", w.orgA).Scan(&id)
		return fmt.Sprintf("/admin/health/dimensions/%d%s", id, suffix)
	}
}

// competencyPath is a competency org A's admin adds for each subject
// (retired first when the route restores it).
func competencyPath(suffix string, retired bool) func(*world, string) string {
	return func(w *world, _ string) string {
		name := fmt.Sprintf("Mentoring %d", testfx.Next())
		if r := w.clients[admin].Post("/framework/competencies", url.Values{"new_name": {name}, "new_group": {"leader"},
			"new_behaviour": {"Pairs with newer colleagues"}, "new_result": {"Faster onboarding"}}); r.Status != http.StatusSeeOther {
			w.t.Fatalf("add %s: %d", name, r.Status)
		}
		var id int64
		if err := w.app.Pool.QueryRow(w.t.Context(), "SELECT id FROM competencies WHERE org_id = $1 AND name = $2", w.orgA, name).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		path := fmt.Sprintf("/framework/competencies/%d", id)
		if retired {
			if r := w.clients[admin].Post(path+"/retire", nil); r.Status != http.StatusSeeOther {
				w.t.Fatalf("retire %s: %d", name, r.Status)
			}
		}
		return path + suffix
	}
}

// Team health rows: members answer, the manager (who manages a member) also
// opens and closes; the leader above and the admin read; the leader outside
// the branch, the colleague in no team and other organisations get 404.
var (
	healthRead   = statuses(303, 200, 200, 200, 200, 200, 404).also(404, 200, 404)
	healthAnswer = statuses(401, 422, 422, 422, 403, 403, 404).also(404, 422, 404)
	healthRun    = statuses(401, 403, 303, 303, 403, 403, 404).also(404, 403, 404)
	healthRunG   = statuses(303, 403, 200, 200, 403, 403, 404).also(404, 403, 404)
	healthOpen   = statuses(401, 403, 422, 422, 403, 403, 404).also(404, 403, 404)
)

// pulsePath makes a fresh pulse asking the leader's reporting tree (the
// manager and the reports), scheduled by the leader, with a round open now.
func pulsePath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		id := w.app.F.Pulse(w.t, w.orgA, testfx.PulseOpts{Scope: "tree", RootID: w.leader.ID, CreatedBy: w.leader.ID})
		return fmt.Sprintf("/pulses/%d%s", id, suffix)
	}
}

// Pulse rows: the tree under the leader answers and sees results; the
// leader and the admin read (and stop) it; the leader outside the branch,
// people outside the tree and other organisations get 404. Answering an
// empty form is refused with 422, also for readers outside the audience.
var (
	pulseRead   = statuses(303, 200, 200, 200, 200, 200, 404).also(404, 404, 404)
	pulseAnswer = statuses(401, 422, 422, 422, 422, 422, 404).also(404, 404, 404)
	pulseStop   = statuses(401, 403, 403, 403, 303, 303, 404).also(404, 403, 403)
)

// expectation is one route's row in the matrix.
type expectation struct {
	path   func(w *world, who string) string // nil: the pattern itself
	form   url.Values
	want   want // subject → status
	stream bool // an event stream: read the status, then hang up
	// bearer: the route reads a SCIM bearer token and never the session, so
	// every subject's cookies get 401 and a session is left as it was.
	// TestScimTokenMatrix walks these routes with tokens.
	bearer bool
	// api: the route reads a personal access token and never the session;
	// each subject calls it with their own token and no cookies, and the
	// deactivated person with the token they made before they left.
	api bool
	// body is an API route's JSON body ("{}" when empty).
	body string
}

// want is a row's status for each subject.
type want map[string]int

// Shorthands for the common shapes of a row. The last four subjects follow
// from the first seven unless a row says otherwise (also): the leader
// outside the branch is answered as the manager acting outside their tree,
// the teammate and the colleague in no team as the employee, and a
// deactivated person's old session always as someone signed out.
func statuses(an, emp, mOwn, mOther, lead, adm, other int) want {
	return want{anon: an, employee: emp, managerOwn: mOwn, managerOther: mOther, leader: lead, admin: adm, otherAdmin: other,
		leaderOut: mOther, teamMember: emp, nonMember: emp, deactivated: an}
}

// also sets the leader outside the branch, the teammate and the colleague in
// no team.
func (w want) also(lout, member, non int) want {
	out := want{}
	for k, v := range w {
		out[k] = v
	}
	out[leaderOut], out[teamMember], out[nonMember] = lout, member, non
	return out
}

// everyone: the same status for every subject.
func everyone(code int) want { return statuses(code, code, code, code, code, code, code) }

// getPage: a page for everyone signed in.
var getPage = statuses(303, 200, 200, 200, 200, 200, 200)

// adminGet: an admin page without an id.
var adminGet = statuses(303, 403, 403, 403, 403, 200, 200)

func adminPost(okStatus int) want {
	return statuses(401, 403, 403, 403, 403, okStatus, okStatus)
}

// adminPostID: an admin action on an org A object; org B's admin gets 404.
func adminPostID(okStatus int) want {
	return statuses(401, 403, 403, 403, 403, okStatus, 404)
}

var adminGetID = statuses(303, 403, 403, 403, 403, 200, 404)

// participantOnly: the two people in a 1:1 get ok; anyone else 404.
func participantOnly(ok int) want {
	return statuses(401, ok, ok, 404, 404, 404, 404).also(404, 404, 404)
}

// participantPage is participantOnly for pages: signed-out people go to sign-in.
func participantPage(ok int) want {
	return statuses(303, ok, ok, 404, 404, 404, 404).also(404, 404, 404)
}

// managerOfSeries: only the series' manager may pause, resume or end it.
var managerOfSeries = statuses(401, 403, 303, 404, 404, 404, 404).also(404, 404, 404)

// seriesFor is the world's series for "own" subjects, another pair's otherwise.
func (w *world) seriesFor(who string) int64 {
	if who == managerOther {
		var id int64
		w.app.Pool.QueryRow(w.t.Context(), "SELECT series_id FROM meetings WHERE id = $1", w.otherMeeting).Scan(&id)
		return id
	}
	return w.series
}

// outboxPath is a message in org A's outbox.
func outboxPath(suffix string) func(*world, string) string {
	return func(w *world, _ string) string {
		var id int64
		if err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO outbox (org_id, kind, to_name, to_addr, subject, text_body, html_body, state, last_error)
			VALUES ($1, 'password_changed', 'Remy Report', 'remy@example.com', 'Your Rapport password was changed', 'text', '<p>html</p>', 'unconfigured', 'not sent: email is not configured')
			RETURNING id`, w.orgA).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/admin/outbox/%d%s", id, suffix)
	}
}

func personPath(suffix string, fresh bool) func(*world, string) string {
	return func(w *world, who string) string {
		return fmt.Sprintf("/people/%d%s", w.personFor(who, fresh), suffix)
	}
}

func teamPath(suffix string, fresh bool) func(*world, string) string {
	return func(w *world, who string) string {
		id := w.team
		if fresh {
			id = w.freshTeam()
		}
		return fmt.Sprintf("/teams/%d%s", id, suffix)
	}
}

// matrix lists every route with who may use it. A route missing from here
// fails TestEveryRouteHasAnExpectation.
var matrix = map[string]expectation{
	"GET /healthz":             {want: everyone(200)},
	"GET /readyz":              {want: everyone(200)},
	"GET /static/*":            {path: func(*world, string) string { return "/static/app.css" }, want: everyone(200)},
	"GET /setup":               {want: everyone(404)}, // only on an empty install
	"POST /setup":              {want: everyone(404)},
	"GET /login":               {want: statuses(200, 303, 303, 303, 303, 303, 303)},
	"POST /login":              {form: url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}, want: everyone(401)},
	"POST /login/organisation": {want: everyone(303)},
	"POST /login/sso":          {form: url.Values{"sso_email": {"nobody@nowhere.example"}}, want: everyone(422)},
	"GET /sso/callback":        {want: everyone(401)}, // no sign-in under way
	// Org A has no single sign-on: its page is not found (signed-in people
	// are sent on), and starting one is not found for anyone.
	"GET /sso/{org}":                   {path: func(w *world, _ string) string { return fmt.Sprintf("/sso/%d", w.orgA) }, want: statuses(404, 303, 303, 303, 303, 303, 303)},
	"GET /sso/{org}/start":             {path: func(w *world, _ string) string { return fmt.Sprintf("/sso/%d/start", w.orgA) }, want: everyone(404)},
	"POST /logout":                     {want: statuses(401, 303, 303, 303, 303, 303, 303)},
	"GET /invite/{token}":              {path: func(*world, string) string { return "/invite/not-a-real-token" }, want: everyone(404)},
	"POST /invite/{token}":             {path: func(*world, string) string { return "/invite/not-a-real-token" }, want: everyone(404)},
	"GET /password/forgot":             {want: everyone(200)},
	"POST /password/forgot":            {form: url.Values{"email": {"nobody@example.com"}}, want: everyone(200)},
	"GET /password/reset/{token}":      {path: func(*world, string) string { return "/password/reset/not-a-real-token" }, want: everyone(404)},
	"POST /password/reset/{token}":     {path: func(*world, string) string { return "/password/reset/not-a-real-token" }, want: everyone(404)},
	"GET /unsubscribe/{token}":         {path: func(*world, string) string { return "/unsubscribe/1.pulse_open.forged" }, want: everyone(404)},
	"POST /unsubscribe/{token}":        {path: func(*world, string) string { return "/unsubscribe/1.pulse_open.forged" }, want: everyone(404)},
	"GET /":                            {want: getPage},
	"GET /org":                         {want: getPage},
	"GET /people":                      {want: statuses(303, 403, 200, 200, 200, 200, 200)},
	"GET /people/new":                  {want: adminGet},
	"POST /people":                     {want: adminPost(422)},
	"GET /people/import":               {want: adminGet},
	"POST /people/import":              {want: adminPost(422)},
	"POST /people/import/confirm":      {want: adminPost(422)},
	"GET /people/{id}":                 {path: personPath("", false), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"GET /people/{id}/edit":            {path: personPath("/edit", false), want: adminGetID},
	"POST /people/{id}":                {path: personPath("", false), want: adminPostID(422)},
	"POST /people/{id}/deactivate":     {path: personPath("/deactivate", true), want: adminPostID(303)},
	"POST /people/{id}/reactivate":     {path: personPath("/reactivate", true), want: adminPostID(303)},
	"GET /people/{id}/erase":           {path: personPath("/erase", false), want: adminGetID},
	"POST /people/{id}/erase":          {path: personPath("/erase", true), want: adminPostID(422)},
	"POST /people/{id}/invite":         {path: personPath("/invite", true), want: adminPostID(303)},
	"POST /people/{id}/reset-password": {path: personPath("/reset-password", true), want: adminPostID(303)},
	"GET /account":                     {want: getPage},
	"POST /account/password":           {want: statuses(401, 422, 422, 422, 422, 422, 422)},
	"POST /account/email":              {want: statuses(401, 303, 303, 303, 303, 303, 303)},
	// Someone else's session, or none: nothing to end, the same answer.
	"POST /account/sessions/{id}/end": {path: func(*world, string) string { return "/account/sessions/999999999/end" },
		want: statuses(401, 303, 303, 303, 303, 303, 303)},
	// Their own tokens: another person's, or none, is not found.
	"POST /account/tokens": {form: url.Values{"name": {""}}, want: statuses(401, 422, 422, 422, 422, 422, 422)},
	"POST /account/tokens/{id}/revoke": {path: func(w *world, _ string) string {
		var id int64
		// A fresh token of the report's each time, so that the subjects'
		// own tokens stay live.
		if err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO personal_tokens (org_id, user_id, name, prefix, token_hash, scope, expires_at)
			VALUES ($1, $2, $3, 'rapport_pat_xxxx', $4, 'read', now() + interval '1 day') RETURNING id`,
			w.orgA, w.report.ID, fmt.Sprintf("Token %d", testfx.Next()), []byte(fmt.Sprint(testfx.Next()))).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/account/tokens/%d/revoke", id)
	}, want: statuses(401, 303, 404, 404, 404, 404, 404).also(404, 404, 404)},
	// The bell: each person's own notifications; another's is not found.
	"GET /notifications":       {want: getPage},
	"POST /notifications/read": {want: statuses(401, 303, 303, 303, 303, 303, 303)},
	"POST /notifications/{id}/open": {path: func(w *world, _ string) string {
		var id int64
		if err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO notifications (org_id, user_id, kind, title, path)
			VALUES ($1, $2, 'kudo_received', 'A kudo for you', '/kudos') RETURNING id`, w.orgA, w.report.ID).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/notifications/%d/open", id)
	}, want: statuses(401, 303, 404, 404, 404, 404, 404).also(404, 404, 404)},
	// The API: bearer tokens only (api), as the pages decide.
	"GET /api/v1/openapi.json": {want: everyone(200), api: true},
	"GET /api/v1/me":           {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"GET /api/v1/people":       {want: statuses(401, 403, 200, 200, 200, 200, 200), api: true},
	"GET /api/v1/people/{id}": {path: func(w *world, who string) string { return fmt.Sprintf("/api/v1/people/%d", w.personFor(who, false)) },
		want: statuses(401, 200, 200, 200, 200, 200, 404), api: true},
	"GET /api/v1/kudos":   {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"POST /api/v1/kudos":  {want: statuses(401, 422, 422, 422, 422, 422, 422), api: true},
	"GET /api/v1/actions": {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"POST /api/v1/actions/{id}/complete": {path: func(w *world, who string) string {
		m := w.meetingFor(who)
		return fmt.Sprintf("/api/v1/actions/%d/complete", w.app.F.Action(w.t, w.orgA, m, w.report.ID, fmt.Sprintf("Do %d", testfx.Next()), "2030-01-01", nil))
	}, want: participantOnly(200), api: true},
	"GET /api/v1/teams": {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"GET /api/v1/teams/{id}": {path: func(w *world, _ string) string { return fmt.Sprintf("/api/v1/teams/%d", w.team) },
		want: statuses(401, 200, 200, 200, 200, 200, 404), api: true},
	"GET /api/v1/one-on-ones": {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"GET /api/v1/one-on-ones/{id}/meetings": {path: func(w *world, who string) string {
		return fmt.Sprintf("/api/v1/one-on-ones/%d/meetings", w.seriesFor(who))
	}, want: participantOnly(200), api: true},
	"POST /api/v1/meetings/{id}/agenda": {path: func(w *world, who string) string {
		return fmt.Sprintf("/api/v1/meetings/%d/agenda", w.meetingFor(who))
	}, body: `{"body":"Plan the handover"}`, want: participantOnly(201), api: true},
	// A retro's actions: as its room (retroRead).
	"GET /api/v1/retros/{id}/actions": {path: func(w *world, _ string) string {
		id, _ := w.app.F.Retro(w.t, w.orgA, w.team, testfx.RetroOpts{Phase: "discuss"})
		w.app.F.RetroAction(w.t, w.orgA, id, w.report.ID, "Pair on the release notes", "2030-01-01")
		return fmt.Sprintf("/api/v1/retros/%d/actions", id)
	}, want: statuses(401, 200, 200, 200, 200, 404, 404).also(404, 200, 404), api: true},
	// Settling an earlier retro's action: as the room's first phase does
	// it, by the team's facilitators (here the manager) only.
	"POST /api/v1/retros/{id}/actions/{actionID}/complete": {path: func(w *world, _ string) string {
		earlier, _ := w.app.F.Retro(w.t, w.orgA, w.team, testfx.RetroOpts{Phase: "done"})
		act := w.app.F.RetroAction(w.t, w.orgA, earlier, w.report.ID, "Write the runbook", "2030-01-01")
		id, _ := w.app.F.Retro(w.t, w.orgA, w.team, testfx.RetroOpts{Phase: "open_actions"})
		return fmt.Sprintf("/api/v1/retros/%d/actions/%d/complete", id, act)
	}, want: statuses(401, 403, 200, 200, 403, 404, 404).also(404, 403, 404), api: true},
	"GET /api/v1/retro-actions": {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	"GET /api/v1/review-cycles": {want: statuses(401, 200, 200, 200, 200, 200, 200), api: true},
	// A cycle's reviews: as its page (GET /reviews/{id}).
	"GET /api/v1/review-cycles/{id}/reviews": {path: func(w *world, who string) string {
		return fmt.Sprintf("/api/v1/review-cycles/%d/reviews", w.freshCycle(who))
	}, want: statuses(401, 200, 200, 404, 200, 200, 404).also(404, 404, 404), api: true},
	"GET /admin/outbox":             {want: adminGet},
	"GET /admin/outbox/{id}":        {path: outboxPath(""), want: adminGetID},
	"GET /admin/outbox/{id}/html":   {path: outboxPath("/html"), want: adminGetID},
	"GET /pick/people":              {want: getPage}, // rows: TestOtherOrganisationSeesNothingOfOurs
	"GET /pick/teams":               {want: getPage},
	"GET /teams":                    {want: getPage},
	"GET /teams/new":                {want: adminGet},
	"POST /teams":                   {want: adminPost(422)},
	"GET /teams/{id}":               {path: teamPath("", false), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"GET /teams/{id}/edit":          {path: teamPath("/edit", false), want: adminGetID},
	"POST /teams/{id}":              {path: teamPath("", false), want: adminPostID(422)},
	"POST /teams/{id}/delete":       {path: teamPath("/delete", true), want: adminPostID(303)},
	"POST /teams/{id}/members":      {path: teamPath("/members", false), want: adminPostID(422)},
	"POST /invitations":             {want: adminPost(422)},
	"GET /invitations":              {want: adminGet},
	"POST /invitations/{id}/revoke": {path: func(w *world, _ string) string { return fmt.Sprintf("/invitations/%d/revoke", w.freshInvitation()) }, want: adminPostID(303)},

	// 1:1s. Participants act; everyone else — leaders and admins included —
	// gets 404 for a meeting they are not in.
	"GET /oneonones":     {want: getPage},
	"GET /oneonones/new": {want: statuses(303, 403, 200, 200, 200, 200, 200)},
	// Agenda templates are each person's own: another's is not found.
	"GET /oneonones/templates":  {want: getPage},
	"POST /oneonones/templates": {want: statuses(401, 422, 422, 422, 422, 422, 422)},
	"POST /oneonones/templates/{id}/delete": {path: func(w *world, _ string) string {
		var id int64
		if err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO agenda_templates (org_id, owner_id, name, items)
			VALUES ($1, $2, 'T' || gen_random_uuid(), '{"Goals"}') RETURNING id`, w.orgA, w.report.ID).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/oneonones/templates/%d/delete", id)
	}, want: statuses(401, 303, 404, 404, 404, 404, 404).also(404, 404, 404)},
	"POST /oneonones":                            {want: statuses(401, 403, 422, 422, 422, 422, 422)},
	"GET /oneonones/{id}":                        {path: func(w *world, who string) string { return fmt.Sprintf("/oneonones/%d", w.seriesFor(who)) }, want: participantPage(200)},
	"POST /oneonones/{id}/next":                  {path: func(w *world, who string) string { return fmt.Sprintf("/oneonones/%d/next", w.seriesFor(who)) }, want: participantOnly(303)},
	"POST /oneonones/{id}/pause":                 {path: freshSeriesPath("pause"), want: managerOfSeries},
	"POST /oneonones/{id}/resume":                {path: freshSeriesPath("resume"), want: managerOfSeries},
	"POST /oneonones/{id}/end":                   {path: freshSeriesPath("end"), want: managerOfSeries},
	"GET /meetings/{id}":                         {path: meetingPath(""), want: participantPage(200)},
	"POST /meetings/{id}/agenda":                 {path: meetingPath("/agenda"), want: participantOnly(422)},
	"POST /meetings/{id}/notes":                  {path: meetingPath("/notes"), want: participantOnly(303)},
	"POST /meetings/{id}/private-note":           {path: meetingPath("/private-note"), want: participantOnly(303)},
	"POST /meetings/{id}/status":                 {path: meetingPath("/status"), want: participantOnly(422)},
	"POST /meetings/{id}/reschedule":             {path: meetingPath("/reschedule"), want: participantOnly(422)},
	"POST /meetings/{id}/pulse":                  {path: meetingPath("/pulse"), want: statuses(401, 422, 403, 404, 404, 404, 404).also(404, 404, 404)},
	"POST /meetings/{id}/balance":                {path: meetingPath("/balance"), want: participantOnly(422)},
	"POST /meetings/{id}/actions":                {path: meetingPath("/actions"), want: participantOnly(422)},
	"POST /meetings/{id}/observations":           {path: meetingPath("/observations"), want: participantOnly(422)},
	"POST /meetings/{id}/agenda/{itemID}/toggle": {path: itemPath("toggle"), want: participantOnly(303)},
	"POST /meetings/{id}/agenda/{itemID}/move":   {path: itemPath("move"), want: participantOnly(303)},
	"POST /meetings/{id}/agenda/{itemID}/delete": {path: itemPath("delete"), want: participantOnly(303)},
	"POST /meetings/{id}/agenda/{itemID}/drop":   {path: itemPath("drop"), want: participantOnly(303)},
	"POST /meetings/{id}/agenda/template":        {path: meetingPath("/agenda/template"), want: participantOnly(422)},
	"GET /actions":                               {want: getPage},
	"POST /actions/{id}/toggle": {path: func(w *world, who string) string {
		m := w.meetingFor(who)
		return fmt.Sprintf("/actions/%d/toggle", w.app.F.Action(w.t, w.orgA, m, w.report.ID, fmt.Sprintf("Do %d", testfx.Next()), "2030-01-01", nil))
	}, want: participantOnly(303)},
	"GET /kudos":                {want: getPage},
	"GET /kudos/new":            {want: getPage},
	"POST /kudos":               {want: statuses(401, 422, 422, 422, 422, 422, 422)},
	"GET /kudos/{id}":           {path: kudoPath(""), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"GET /kudos/{id}/edit":      {path: kudoPath("/edit"), want: statuses(303, 200, 200, 200, 200, 200, 404).also(403, 403, 403)},
	"POST /kudos/{id}":          {path: kudoPath(""), want: statuses(401, 422, 422, 422, 422, 422, 404).also(403, 403, 403)},
	"POST /kudos/{id}/delete":   {path: kudoPath("/delete"), want: statuses(401, 303, 303, 303, 303, 303, 404).also(403, 403, 403)},
	"POST /kudos/{id}/react":    {path: kudoPath("/react"), want: statuses(401, 422, 422, 422, 422, 422, 404)},
	"POST /kudos/{id}/comments": {path: kudoPath("/comments"), want: statuses(401, 422, 422, 422, 422, 422, 404)},
	"GET /people/{id}/kudos": {path: func(w *world, _ string) string { return fmt.Sprintf("/people/%d/kudos", w.report.ID) },
		want: statuses(303, 200, 200, 200, 200, 200, 404)},
	// Rituals: the team's members (the manager and the report here) and admins
	// set them up; anyone in the organisation may open a board.
	"GET /teams/{id}/rituals/new":               {path: teamPath("/rituals/new", false), want: statuses(303, 200, 200, 200, 403, 200, 404).also(403, 200, 403)},
	"POST /teams/{id}/rituals":                  {path: teamPath("/rituals", false), want: statuses(401, 422, 422, 422, 403, 422, 404).also(403, 422, 403)},
	"GET /rituals/{id}":                         {path: ritualPath(""), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"GET /rituals/{id}/present":                 {path: ritualPath("/present"), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"POST /rituals/{id}/delete":                 {path: ritualPath("/delete"), want: statuses(401, 303, 303, 303, 403, 303, 404).also(403, 303, 403)},
	"GET /teams/{id}/retros":                    {path: teamPath("/retros", false), want: retroRead},
	"GET /teams/{id}/retros/new":                {path: teamPath("/retros/new", false), want: retroFacilitateG},
	"POST /teams/{id}/retros":                   {path: teamPath("/retros", false), want: retroFacilitate},
	"POST /teams/{id}/retros/facilitators":      {path: teamPath("/retros/facilitators", false), want: retroFacilitate},
	"GET /retros/{id}":                          {path: retroPath("reflect", ""), want: retroRead},
	"GET /retros/{id}/board":                    {path: retroPath("reflect", "/board"), want: retroRead},
	"GET /retros/{id}/events":                   {path: retroPath("reflect", "/events"), want: statuses(303, 200, 200, 200, 200, 404, 404).also(404, 200, 404), stream: true},
	"GET /retros/{id}/export.md":                {path: retroPath("done", "/export.md"), want: retroRead},
	"GET /retros/{id}/export.csv":               {path: retroPath("done", "/export.csv"), want: retroRead},
	"POST /retros/{id}/phase":                   {path: retroPath("reflect", "/phase"), want: retroFacilitate},
	"POST /retros/{id}/cards":                   {path: retroPath("reflect", "/cards"), want: retroTakePart},
	"POST /retros/{id}/cards/{cardID}":          {path: retroCardPath(""), want: statuses(401, 422, 403, 403, 403, 404, 404).also(404, 403, 404)},
	"POST /retros/{id}/cards/{cardID}/delete":   {path: retroCardPath("/delete"), want: statuses(401, 303, 403, 403, 403, 404, 404).also(404, 403, 404)},
	"POST /retros/{id}/group":                   {path: retroPath("group", "/group"), want: retroTakePart},
	"POST /retros/{id}/votes":                   {path: retroPath("vote", "/votes"), want: retroTakePart},
	"POST /retros/{id}/notes":                   {path: retroPath("discuss", "/notes"), want: retroTakePart},
	"POST /retros/{id}/actions":                 {path: retroPath("actions", "/actions"), want: retroTakePart},
	"POST /retros/{id}/review":                  {path: retroPath("open_actions", "/review"), want: retroFacilitate},
	"GET /recognition/equity":                   {want: statuses(303, 403, 200, 200, 200, 200, 200)},
	"GET /admin/webhooks":                       {want: adminGet},
	"GET /admin/sso":                            {want: adminGet},
	"POST /admin/sso":                           {want: adminPost(422)},
	"POST /admin/sso/test":                      {want: adminPost(422)},
	"POST /admin/sso/remove":                    {want: adminPost(303)}, // org A has none: removes nothing
	"POST /admin/webhooks":                      {want: adminPost(422)},
	"GET /health":                               {want: getPage},
	"GET /health/rollup":                        {want: statuses(303, 403, 403, 403, 200, 200, 200).also(200, 403, 403)},
	"GET /health/{id}":                          {path: healthCheckPath(""), want: healthRead},
	"POST /health/{id}/answers":                 {path: healthCheckPath("/answers"), want: healthAnswer},
	"POST /health/{id}/close":                   {path: healthCheckPath("/close"), want: healthRun},
	"GET /teams/{id}/health":                    {path: teamPath("/health", false), want: healthRead},
	"GET /teams/{id}/health/new":                {path: teamPath("/health/new", false), want: healthRunG},
	"POST /teams/{id}/health":                   {path: teamPath("/health", false), want: healthOpen},
	"GET /pulses":                               {want: getPage},
	"GET /pulses/new":                           {want: statuses(303, 403, 403, 403, 200, 200, 200).also(200, 403, 403)},
	"POST /pulses":                              {want: statuses(401, 403, 403, 403, 422, 422, 422).also(422, 403, 403)},
	"GET /pulses/{id}":                          {path: pulsePath(""), want: pulseRead},
	"GET /pulses/{id}/answer":                   {path: pulsePath("/answer"), want: pulseRead},
	"POST /pulses/{id}/answer":                  {path: pulsePath("/answer"), want: pulseAnswer},
	"POST /pulses/{id}/stop":                    {path: pulsePath("/stop"), want: pulseStop},
	"GET /admin/health":                         {want: adminGet},
	"POST /admin/health/threshold":              {want: adminPost(422)},
	"POST /admin/health/dimensions":             {want: adminPost(422)},
	"POST /admin/health/dimensions/{id}":        {path: healthDimensionPath(""), form: url.Values{"name": {"Trust and safety"}, "description": {"Safe to speak up."}}, want: adminPostID(303)},
	"POST /admin/health/dimensions/{id}/retire": {path: healthDimensionPath("/retire"), form: url.Values{"retired": {"false"}}, want: adminPostID(303)},
	"POST /admin/webhooks/{teamID}/remove": {path: func(w *world, _ string) string {
		team := w.freshTeam()
		if _, err := w.app.Pool.Exec(w.t.Context(), `INSERT INTO team_webhooks (org_id, team_id, url) VALUES ($1, $2, 'https://hooks.example.com/T/secret')`, w.orgA, team); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/admin/webhooks/%d/remove", team)
	},
		want: adminPostID(303)},
	"GET /checkins":          {want: statuses(303, 403, 200, 200, 200, 200, 200)},
	"GET /checkins/managers": {want: statuses(303, 403, 403, 403, 200, 200, 200).also(200, 403, 403)},
	// Outcomes: leaders (their tree) and admins (the organisation).
	"GET /outcomes": {want: statuses(303, 403, 403, 403, 200, 200, 200).also(200, 403, 403)},
	"GET /checkins/managers/{id}": {path: func(w *world, who string) string {
		if who == managerOther {
			return fmt.Sprintf("/checkins/managers/%d", w.admin.ID)
		}
		return fmt.Sprintf("/checkins/managers/%d", w.manager.ID)
	}, want: statuses(303, 403, 200, 403, 200, 200, 404)},
	// Reviews: the employee, their reviewer and the tree above see a review;
	// anyone else 404. "Not own" subjects act on a cycle of the outsider.
	"GET /framework":      {want: getPage},
	"GET /framework/edit": {want: adminGet},
	"POST /framework":     {want: adminPost(422)},
	// An empty competency is refused; org A's own competency is not found
	// in org B's framework.
	"POST /framework/competencies":                     {want: adminPost(422)},
	"POST /framework/competencies/{id}/retire":         {path: competencyPath("/retire", false), want: adminPostID(303)},
	"POST /framework/competencies/{id}/restore":        {path: competencyPath("/restore", true), want: adminPostID(303)},
	"POST /framework/competencies/{id}/move":           {path: competencyPath("/move", false), form: url.Values{"dir": {"up"}}, want: adminPostID(303)},
	"GET /reviews":                                     {want: getPage},
	"GET /reviews/new":                                 {want: statuses(303, 403, 403, 403, 200, 200, 200).also(200, 403, 403)},
	"POST /reviews":                                    {want: statuses(401, 403, 403, 403, 422, 422, 422).also(422, 403, 403)},
	"GET /reviews/{id}":                                {path: cyclePathFor(""), want: statuses(303, 200, 200, 404, 200, 200, 404).also(404, 404, 404)},
	"POST /reviews/{id}/people":                        {path: cyclePathFor("/people"), want: statuses(401, 403, 403, 403, 422, 422, 404).also(404, 403, 403)},
	"GET /reviews/{id}/people/{personID}":              {path: reviewPathFor(""), want: statuses(303, 200, 200, 404, 200, 200, 404).also(404, 404, 404)},
	"POST /reviews/{id}/people/{personID}/self":        {path: reviewPathFor("/self"), want: statuses(401, 303, 403, 404, 403, 403, 404).also(404, 404, 404)},
	"POST /reviews/{id}/people/{personID}/manager":     {path: reviewPathFor("/manager"), want: statuses(401, 403, 303, 404, 403, 403, 404).also(404, 404, 404)},
	"POST /reviews/{id}/people/{personID}/acknowledge": {path: reviewPathFor("/acknowledge"), want: statuses(401, 409, 403, 404, 403, 403, 404).also(404, 404, 404)},
	"POST /reviews/{id}/people/{personID}/finalise":    {path: reviewPathFor("/finalise"), want: statuses(401, 403, 403, 403, 409, 409, 404).also(404, 403, 403)},
	"POST /meetings/{id}/evidence":                     {path: meetingPath("/evidence"), want: statuses(401, 303, 403, 404, 404, 404, 404).also(404, 404, 404)},
	// Only the person reviewed consents for their period; to anyone else the
	// cycle is not theirs to consent in.
	"POST /reviews/{id}/evidence": {path: cyclePathFor("/evidence"), want: statuses(401, 303, 404, 404, 404, 404, 404).also(404, 404, 404)},
	"GET /definitions":            {want: getPage},
	"GET /metrics":                {want: everyone(301)},
	"GET /admin":                  {want: adminGet},
	"GET /admin/audit":            {want: adminGet},
	// The organisation's archive: admins, of their own organisation.
	"GET /admin/export":                  {want: adminGet},
	"GET /admin/export/organisation.zip": {want: adminGet},
	// Exports: managers and leaders of the person and admins; a cycle or
	// review outside the viewer's reach is not found.
	"GET /exports/cycles/{id}":                              {path: exportPath(""), want: exportAccess},
	"GET /exports/cycles/{id}/csv":                          {path: exportPath("/csv"), want: exportAccess},
	"GET /exports/cycles/{id}/xlsx":                         {path: exportPath("/xlsx"), want: exportAccess},
	"GET /exports/cycles/{id}/packets.zip":                  {path: exportPath("/packets.zip"), want: exportAccess},
	"GET /exports/cycles/{id}/people/{personID}/packet":     {path: packetPath(""), want: exportAccess},
	"GET /exports/cycles/{id}/people/{personID}/packet.pdf": {path: packetPath(".pdf"), want: exportAccess},
	"GET /questions":                                        {want: adminGet},
	"POST /questions":                                       {want: adminPost(422)},
	"POST /questions/{id}/toggle": {path: func(w *world, _ string) string {
		var id int64
		w.app.Pool.QueryRow(w.t.Context(), "SELECT id FROM questions WHERE org_id = $1 LIMIT 1", w.orgA).Scan(&id)
		return fmt.Sprintf("/questions/%d/toggle", id)
	}, want: adminPostID(303)},
	"GET /calendar":        {want: getPage},
	"POST /calendar/reset": {want: statuses(401, 303, 303, 303, 303, 303, 303)},
	"GET /ics/{token}":     {path: func(*world, string) string { return "/ics/not-a-real-token" }, want: everyone(404)},

	"GET /admin/scim":  {want: adminGet},
	"POST /admin/scim": {want: adminPost(422)},
	"POST /admin/scim/{id}/revoke": {path: func(w *world, _ string) string {
		var id int64
		if err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO scim_tokens (org_id, name, prefix, token_hash)
			VALUES ($1, $2, 'rapport_scim_xxxx', $3) RETURNING id`, w.orgA, fmt.Sprintf("Token %d", testfx.Next()), []byte(fmt.Sprint(testfx.Next()))).Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		return fmt.Sprintf("/admin/scim/%d/revoke", id)
	}, want: adminPostID(303)},
	"GET /scim/v2/ServiceProviderConfig": {want: everyone(401), bearer: true},
	"GET /scim/v2/ResourceTypes":         {want: everyone(401), bearer: true},
	"GET /scim/v2/ResourceTypes/{id}":    {path: func(*world, string) string { return "/scim/v2/ResourceTypes/User" }, want: everyone(401), bearer: true},
	"GET /scim/v2/Schemas":               {want: everyone(401), bearer: true},
	"GET /scim/v2/Schemas/{id}":          {path: func(*world, string) string { return "/scim/v2/Schemas/" + userSchema }, want: everyone(401), bearer: true},
	"GET /scim/v2/Users":                 {want: everyone(401), bearer: true},
	"POST /scim/v2/Users":                {want: everyone(401), bearer: true},
	"GET /scim/v2/Users/{id}":            {path: scimUserPath, want: everyone(401), bearer: true},
	"PUT /scim/v2/Users/{id}":            {path: scimUserPath, want: everyone(401), bearer: true},
	"PATCH /scim/v2/Users/{id}":          {path: scimUserPath, want: everyone(401), bearer: true},
	"DELETE /scim/v2/Users/{id}":         {path: scimUserPath, want: everyone(401), bearer: true},
	"GET /scim/v2/Groups":                {want: everyone(401), bearer: true},
	"POST /scim/v2/Groups":               {want: everyone(401), bearer: true},
	"GET /scim/v2/Groups/{id}":           {path: scimGroupPath, want: everyone(401), bearer: true},
	"PUT /scim/v2/Groups/{id}":           {path: scimGroupPath, want: everyone(401), bearer: true},
	"PATCH /scim/v2/Groups/{id}":         {path: scimGroupPath, want: everyone(401), bearer: true},
	"DELETE /scim/v2/Groups/{id}":        {path: scimGroupPath, want: everyone(401), bearer: true},

	"POST /teams/{id}/members/{personID}/remove": {
		path: func(w *world, who string) string {
			return fmt.Sprintf("/teams/%d/members/%d/remove", w.team, w.freshReport().ID)
		},
		want: adminPostID(303),
	},
}

// scimUserPath and scimGroupPath are org A's report and team: no cookie of
// anyone's reaches them.
func scimUserPath(w *world, _ string) string  { return fmt.Sprintf("/scim/v2/Users/%d", w.report.ID) }
func scimGroupPath(w *world, _ string) string { return fmt.Sprintf("/scim/v2/Groups/%d", w.team) }

// routeKeys walks a router and returns "METHOD pattern" for every route.
func routeKeys(r chi.Routes) []string {
	var keys []string
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		keys = append(keys, method+" "+route)
		return nil
	})
	sort.Strings(keys)
	return keys
}

// missingExpectations lists routes without a row, and rows without a route.
func missingExpectations(keys []string, m map[string]expectation) (missing, stale []string) {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range m {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	return missing, stale
}

func TestEveryRouteHasAnExpectation(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	missing, stale := missingExpectations(routeKeys(ta.Server.Router()), matrix)
	if len(missing) > 0 {
		t.Errorf("routes without an authorization expectation (add them to matrix): %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("matrix rows for routes that no longer exist: %v", stale)
	}
}

func TestMissingExpectationIsCaught(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	r := chi.NewRouter()
	r.Mount("/", ta.Server.Router())
	r.Get("/brand-new-page", func(http.ResponseWriter, *http.Request) {})
	missing, _ := missingExpectations(routeKeys(r), matrix)
	if len(missing) != 1 || missing[0] != "GET /brand-new-page" {
		t.Fatalf("a route added without an expectation was not reported: %v", missing)
	}
}

// matrixShards is how many worlds the matrix is split over. Each shard walks
// every matrixShards-th route (in the router's order) for every subject, in a
// world of its own on a database of its own, and the shards run at once
// whatever -parallel says: a check mostly waits on the server and the
// database, so they overlap even on two cores.
const matrixShards = 4

func TestAuthorizationMatrix(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	var keys []string
	for _, key := range routeKeys(ta.Server.Router()) {
		if _, ok := matrix[key]; ok {
			keys = append(keys, key) // the others are reported by TestEveryRouteHasAnExpectation
		}
	}
	shards := make([][]string, matrixShards)
	for i, key := range keys {
		shards[i%matrixShards] = append(shards[i%matrixShards], key)
	}
	var checks atomic.Int64
	var wg sync.WaitGroup
	for i, shard := range shards {
		wg.Go(func() {
			// t.Run may be called from several goroutines at once.
			t.Run(fmt.Sprintf("shard%d", i+1), func(t *testing.T) {
				checks.Add(int64(walkMatrix(t, newWorldOn(t, testdb.NewDatabase(t)), shard)))
			})
		})
	}
	wg.Wait()
	if want := int64(len(keys) * len(subjects)); checks.Load() != want && !t.Failed() {
		t.Fatalf("the matrix made %d checks, want %d routes × %d subjects = %d", checks.Load(), len(keys), len(subjects), want)
	}
	t.Logf("authorization matrix: %d routes × %d subjects = %d checks", len(keys), len(subjects), checks.Load())
}

// walkMatrix checks keys for every subject in w, in order, and returns how
// many checks it made.
func walkMatrix(t *testing.T, w *world, keys []string) int {
	checks := 0
	for _, key := range keys {
		exp := matrix[key]
		method, pattern, _ := strings.Cut(key, " ")
		for _, who := range subjects {
			want, ok := exp.want[who]
			if !ok {
				t.Fatalf("%s: no expectation for %s", key, who)
			}
			if who == deactivated && want != exp.want[anon] {
				t.Fatalf("%s: a deactivated person's session must be answered as signed out", key)
			}
			path := pattern
			if exp.path != nil {
				path = exp.path(w, who)
			}
			c := w.clients[who]
			if who == deactivated {
				w.reviveGoneSession()
			}
			var r testapp.Response
			switch {
			case exp.api:
				var body io.Reader
				if method != "GET" {
					body = strings.NewReader(cmp.Or(exp.body, "{}"))
				}
				req, _ := http.NewRequest(method, w.app.URL+path, body)
				if tok := w.tokens[who]; tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				r = w.api.Do(req)
			case exp.stream:
				r = w.streamStatus(c, path)
			case method == "GET":
				r = c.Get(path)
			case method == "POST":
				r = c.Post(path, exp.form)
			default:
				req, _ := http.NewRequest(method, w.app.URL+path, strings.NewReader("{}"))
				r = c.Do(req)
			}
			checks++
			if r.Status != want {
				t.Errorf("%s %s as %s: status %d, want %d", method, path, who, r.Status, want)
				continue
			}
			if exp.bearer {
				if !strings.Contains(r.Body, "urn:ietf:params:scim:api:messages:2.0:Error") || r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s as %s: not a SCIM 401: %s", method, path, who, r.Body)
				}
			}
			if exp.api && r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %s: %d is not problem details", method, path, who, r.Status)
			}
			if who == deactivated && !exp.stream && !exp.bearer && !exp.api {
				// Every route but static files reads the session, and ends
				// it.
				if n := w.app.F.Count(w.t, "SELECT count(*) FROM sessions WHERE token = $1", w.goneCookie.Value); n != 0 && key != "GET /static/*" {
					t.Errorf("%s %s as %s: the session survived", method, path, who)
				}
			}
			if r.Status == 303 && (who == anon || who == deactivated) && method == "GET" && !strings.HasPrefix(r.Location(), "/login") {
				t.Errorf("%s %s as %s: redirected to %s, want /login", method, path, who, r.Location())
			}
			if r.Status >= 400 && strings.Contains(r.Body, "goroutine ") {
				t.Errorf("%s %s as %s: response shows a stack trace", method, path, who)
			}
		}
		// Sign-out ends the session: sign back in for the next routes.
		if key == "POST /logout" {
			w.resignIn()
		}
	}
	return checks
}

func (w *world) resignIn() {
	for who, p := range w.signIns() {
		w.clients[who].SignIn(p.Email, testfx.Password)
	}
}

// Lists show only the viewer's organisation.
func TestOtherOrganisationSeesNothingOfOurs(t *testing.T) {
	w := newWorld(t)
	// Org A's outbox holds a message to the report.
	if r := w.clients[admin].Post(fmt.Sprintf("/people/%d/reset-password", w.report.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("reset link for %s: %d", w.report.Name, r.Status)
	}
	if r := w.clients[admin].Get("/admin/outbox"); !strings.Contains(r.Body, w.report.Name) {
		t.Fatalf("org A's outbox does not list the message to %s", w.report.Name)
	}
	for _, path := range []string{"/", "/org", "/people", "/people?q=a", "/teams", "/invitations", "/admin/outbox", "/health", "/health/rollup"} {
		r := w.clients[otherAdmin].Get(path)
		if r.Status != 200 {
			t.Fatalf("%s: %d", path, r.Status)
		}
		for _, name := range []string{w.admin.Name, w.leader.Name, w.manager.Name, w.report.Name, "Atlas"} {
			if strings.Contains(r.Body, name) {
				t.Errorf("%s for org B's admin shows org A's %q", path, name)
			}
		}
	}
	// The pickers find org A's people and teams for org A only, by name,
	// for pages and for the picker script alike.
	for _, name := range []string{w.admin.Name, w.leader.Name, w.manager.Name, w.report.Name, "Atlas"} {
		u := "/pick/people?q=" + url.QueryEscape(name)
		if name == "Atlas" {
			u = "/pick/teams?q=Atlas"
		}
		for _, accept := range []string{"text/html", "application/json"} {
			// Each found row's name, from the JSON or the page's list.
			rows := func(who string) []string {
				req, _ := http.NewRequest("GET", w.app.URL+u, nil)
				req.Header.Set("Accept", accept)
				r := w.clients[who].Do(req)
				if r.Status != 200 {
					t.Fatalf("%s (%s) as %s: %d", u, accept, who, r.Status)
				}
				var names []string
				if accept == "application/json" {
					var out struct{ Results []struct{ Name string } }
					if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
						t.Fatal(err)
					}
					for _, m := range out.Results {
						names = append(names, m.Name)
					}
				} else {
					doc(t, r.Body).Find(".lookup-results li a").Each(func(_ int, a *goquery.Selection) { names = append(names, a.Text()) })
				}
				return names
			}
			if got := rows(otherAdmin); len(got) != 0 {
				t.Errorf("%s (%s) for org B's admin shows %q", u, accept, got)
			}
			if got := rows(employee); len(got) != 1 || got[0] != name {
				t.Errorf("%s (%s) for org A's employee shows %q, want %q", u, accept, got, name)
			}
		}
	}
	// And a manager's list is their reporting tree only.
	r := w.clients[managerOwn].Get("/people")
	if !strings.Contains(r.Body, w.report.Name) || strings.Contains(r.Body, w.outsider.Name) || strings.Contains(r.Body, w.admin.Name) {
		t.Errorf("manager's people list is not their reporting tree:\n%s", r.Body)
	}
	r = w.clients[leader].Get("/people")
	if !strings.Contains(r.Body, w.report.Name) || !strings.Contains(r.Body, w.manager.Name) || strings.Contains(r.Body, w.outsider.Name) {
		t.Errorf("leader's people list is not their part of the org")
	}
}
